"""Signal-to-distortion ratio in the manner of BSS Eval (Vincent, Gribonval, Févotte 2006;
mir_eval's bss_eval_sources): the estimate is projected onto the delayed copies of its
reference over a short FIR filter (512 taps by default), that projection is the target, and
everything else (interference, noise, artefacts) is the error. Permutations are solved by
the best mean SDR. numpy and scipy only."""
from __future__ import annotations

import itertools

import numpy as np
from scipy.linalg import solve_toeplitz

from studio.errors import StudioError


def _target(reference: np.ndarray, estimate: np.ndarray, taps: int) -> np.ndarray:
    """The part of `estimate` a length-`taps` causal filter of `reference` explains."""
    n = len(reference)
    size = 1 << int(np.ceil(np.log2(n + taps)))
    R = np.fft.rfft(reference, size)
    E = np.fft.rfft(estimate, size)
    auto = np.fft.irfft(R * R.conj(), size)[:taps]
    cross = np.fft.irfft(R.conj() * E, size)[:taps]
    auto[0] += 1e-10 * auto[0] + 1e-20  # keep the Toeplitz system solvable on silence
    filt = solve_toeplitz(auto, cross)
    return np.convolve(reference, filt)[:n]


def sdr(reference, estimate, taps: int = 512) -> float:
    reference = np.asarray(reference, dtype=np.float64).ravel()
    estimate = np.asarray(estimate, dtype=np.float64).ravel()
    n = min(len(reference), len(estimate))
    reference, estimate = reference[:n], estimate[:n]
    target = _target(reference, estimate, taps)
    err = estimate - target
    return float(10 * np.log10(max((target ** 2).sum(), 1e-30) / max((err ** 2).sum(), 1e-30)))


def sdr_images(references, estimates, taps: int = 512) -> tuple[np.ndarray, tuple[int, ...]]:
    """(SDR of each reference (K,), permutation: estimate index for each reference) with the
    permutation that maximises the mean SDR."""
    refs, ests = np.atleast_2d(references), np.atleast_2d(estimates)
    k = len(refs)
    if len(ests) < k:
        raise StudioError(f"{len(ests)} estimates for {k} references")
    if k > 6:
        raise StudioError("permutation search is limited to 6 sources")
    table = np.array([[sdr(r, e, taps) for e in ests] for r in refs])   # (K, E)
    best = max(itertools.permutations(range(len(ests)), k),
               key=lambda perm: table[np.arange(k), list(perm)].mean())
    return table[np.arange(k), list(best)], tuple(best)
