"""Batched SPADE declipping: A-SPADE (Kitić et al. 2015) and the consistent S-SPADE
(Záviška et al. 2019, "sspade_new" in the survey's toolbox).

The frames of a signal that hold a clipped sample are processed in batches: a batch is a
(B, N) tensor, the transform is the DFT of the frame zero-padded to `redundancy` x N samples
(orthonormal, so a Parseval tight frame: A*A = I, as LTFAT's `dft` in the survey's toolbox),
hard thresholding keeps the k largest complex-conjugate pairs of each frame (the DC term at
half weight, as the toolbox does), and the projection onto the clipping-consistent set is
elementwise (one clamp). All active frames share one sparsity schedule, so the k-th largest
value is one selection per iteration for the whole batch (numpy's introselect on the CPU,
`torch.topk` on a GPU). A frame that reaches ||.|| <= eps leaves the batch
with the best iterate it met, so the tail of the loop only works on the hard frames.

On the CPU a batch is small (32 frames: its buffers stay in a core's cache) and the batches
run on one single-threaded lane per core (`studio.dsp.lanes`); an 8192-sample frame's
iteration costs about 115 us of one core, half of it the two FFTs and a fifth the selection.
On a GPU one lane takes 256 frames at a time.

The published schedule (k += 1 every r = 2 iterations) needs 2k iterations to reach sparsity
k, which is 1000-4000 iterations per 8192-sample frame of dense music; `growth` lets k grow
geometrically once `growth * k` exceeds s (k += max(s, floor(growth * k))), the trade-off the
operation exposes as its effort setting.
"""
from __future__ import annotations

from contextlib import nullcontext
from typing import Callable

import numpy as np
import torch

from studio.dsp.clip_plateau import plateau_level
from studio.dsp.lanes import map_in_lanes, single_threaded_torch, strided_batches
from studio.dsp.stft import frames, overlap_add

ALGORITHMS = ("sspade", "aspade")


def _bin_weights(n_coef: int, n_fft: int, device, dtype) -> torch.Tensor:
    # an rfft bin other than DC (and Nyquist for an even size) stands for a conjugate pair
    w = torch.full((n_coef,), 2.0, device=device, dtype=dtype)
    w[0] = 1.0
    if n_fft % 2 == 0:
        w[-1] = 1.0
    return w


def _power(z: torch.Tensor) -> torch.Tensor:
    zr = torch.view_as_real(z)
    return zr[..., 0] * zr[..., 0] + zr[..., 1] * zr[..., 1]


def hard_threshold(z: torch.Tensor, k: int, inplace: bool = False) -> torch.Tensor:
    """Keep the k largest-magnitude half-spectrum coefficients of each row of z (B, C) and
    zero the rest; the DC term competes at half its magnitude (the survey's toolbox).
    `inplace` lets the CPU path zero z itself (z must be a fresh tensor nobody else reads)."""
    n = z.shape[-1]
    if k >= n:
        return z
    if z.device.type == "cpu" and z.dtype in (torch.complex64, torch.complex128):
        return _hard_threshold_numpy(z if inplace else z.clone(), k)
    return _hard_threshold_torch(z, k)


def _hard_threshold_torch(z: torch.Tensor, k: int) -> torch.Tensor:
    a = z.abs()
    a[:, 0] *= 0.5
    # the k-th largest is the smallest of the k largest: no need to sort them
    kth = torch.topk(a, k, dim=-1, sorted=False).values.amin(-1, keepdim=True)
    return torch.where(a >= kth, z, 0)


def _hard_threshold_numpy(z: torch.Tensor, k: int) -> torch.Tensor:
    # The same selection on the CPU through numpy, zeroing z in place (zero-copy):
    # introselect finds the k-th largest of a 8193-bin row several times faster than
    # torch.topk on large k, and numpy's complex abs is vectorised. This is a third of an
    # iteration's cost (the two FFTs are another third).
    zc = z.detach().numpy()
    a = np.abs(zc)
    a[:, 0] *= 0.5
    n = a.shape[-1]
    kth = np.partition(a, n - k, axis=-1)[:, n - k:n - k + 1]
    # multiplying by the mask is 5x faster than np.copyto(zc, 0, where=...)
    np.multiply(zc, a >= kth, out=zc)
    return z


def consistency_bounds(y, high, low) -> tuple[torch.Tensor, torch.Tensor]:
    """The clipping-consistent set {x : x = y where reliable, x >= y where clipped high,
    x <= y where clipped low} as elementwise bounds: a reliable sample is pinned on both
    sides, a clipped-high one only from below, a low one only from above."""
    inf = torch.tensor(float("inf"), dtype=y.dtype, device=y.device)
    return torch.where(low, -inf, y), torch.where(high, inf, y)


def project_consistent(v, y, high, low):
    """Projection onto the clipping-consistent set: one clamp."""
    return torch.clamp(v, *consistency_bounds(y, high, low))


def spade_frames(y: torch.Tensor, high: torch.Tensor, low: torch.Tensor, *,
                 algorithm: str = "sspade", s: int = 1, r: int = 2, eps: float = 0.1,
                 max_iter: int = 1000, growth: float = 0.0, redundancy: int = 2,
                 check_every: int = 1, on_iteration: Callable[[int, int], None] | None = None
                 ) -> tuple[torch.Tensor, torch.Tensor]:
    """A-SPADE or S-SPADE on a batch of frames y (B, N) with masks of the samples clipped
    high / low (their entries of y are the bounds). Returns (declipped frames, iterations
    used per frame); each frame is the iterate with the smallest objective it met."""
    if algorithm not in ALGORITHMS:
        raise ValueError(f"algorithm must be one of {ALGORITHMS}")
    B, N = y.shape
    M = N * redundancy
    out = y.clone()
    iters = torch.zeros(B, dtype=torch.long, device=y.device)
    if B == 0:
        return out, iters
    w = _bin_weights(M // 2 + 1, M, y.device, y.dtype)
    # the analysis zero-pads each frame to M samples: keep one padded buffer and write the
    # frames into its head, instead of padding (allocating and zero-filling) every iteration
    padded = torch.zeros(B, M, device=y.device, dtype=y.dtype)

    def analysis(x, minus=None):
        # x - minus is written straight into the padded buffer (no temporary)
        if minus is None:
            padded[:, :N] = x
        else:
            torch.sub(x, minus, out=padded[:, :N])
        return torch.fft.rfft(padded, norm="ortho")

    def synthesis(z):
        return torch.fft.irfft(z, n=M, norm="ortho")[..., :N]

    idx = torch.arange(B, device=y.device)  # frames still iterating
    lower, upper = consistency_bounds(y, high, low)
    x = y.clone()
    best = torch.full((B,), float("inf"), device=y.device, dtype=y.dtype)
    best_x = y.clone()
    if algorithm == "aspade":
        z_est = analysis(x)
        u = torch.zeros_like(z_est)
    else:
        u = torch.zeros_like(x)
    k = s
    for i in range(1, max_iter + 1):
        # the objective, the record of the best iterate and the stopping test cost a third
        # of an iteration beside the transforms; `check_every` > 1 runs them less often
        check = i % check_every == 0 or i == max_iter
        if algorithm == "aspade":
            z_bar = hard_threshold(z_est + u, k, inplace=True)
            if check:
                obj = torch.sqrt((w * _power(z_est - z_bar)).sum(-1))
        else:
            z_bar = hard_threshold(analysis(x, minus=u), k, inplace=True)
            dz = synthesis(z_bar)
            if check:
                obj = torch.linalg.vector_norm(dz - x, dim=-1)
        if check:
            better = obj <= best
            best = torch.where(better, obj, best)
            # x is a fresh tensor every iteration (nothing writes into it), so keeping a
            # reference is enough when every frame improved; otherwise best_x (never the
            # current x: that is reassigned every iteration) takes the improved rows in place
            if bool(better.all()):
                best_x = x
            else:
                torch.where(better[:, None], x, best_x, out=best_x)
            done = obj <= eps
            if i == max_iter:
                done = torch.ones_like(done)
            if bool(done.any()):
                out[idx[done]] = best_x[done]
                iters[idx[done]] = i
                keep = ~done
                if not bool(keep.any()):
                    break
                idx, x, u, best, best_x = idx[keep], x[keep], u[keep], best[keep], best_x[keep]
                lower, upper = lower[keep], upper[keep]
                z_bar, padded = z_bar[keep], padded[keep]
                if algorithm == "aspade":
                    z_est = z_est[keep]
                else:
                    dz = dz[keep]
        if algorithm == "aspade":
            x = torch.clamp(synthesis(z_bar - u), lower, upper)
            z_est = analysis(x)
            u = u + z_est - z_bar
        else:
            # x = P(dz + u), u <- (dz + u) - x: the same sums as u + dz - x, one temporary
            v = dz + u  # (not w: that name holds the bin weights)
            x = torch.clamp(v, lower, upper)
            u = v.sub_(x)
        if (i + 1) % r == 0:
            k += max(s, int(k * growth))
        if on_iteration is not None:
            on_iteration(i, idx.numel())
    return out, iters


def schedule_length(max_iter: int, s: int, r: int, growth: float, n_coef: int) -> int:
    """Iterations after which no frame runs on: `max_iter`, or sooner the iteration where
    the sparsity schedule keeps every coefficient (k >= n_coef: the projection then stops it)."""
    k = s
    for i in range(1, max_iter + 1):
        if k >= n_coef:
            return i
        if (i + 1) % r == 0:
            k += max(s, int(k * growth))
    return max_iter


def detect_clipping(x: torch.Tensor, margin: float = 0.0, min_count: int = 3
                    ) -> tuple[torch.Tensor, torch.Tensor, float | None, float | None]:
    """Masks of samples clipped high and low in a 1-D signal, and the two thresholds.

    The thresholds are the extremes of each polarity; a polarity counts as clipped only when
    at least `min_count` samples sit within `margin` (a fraction of the extreme: soft or
    converted clipping) of it, so an unclipped peak is left alone. A polarity without such a
    run is looked at once more for a plateau that noise (hum, hiss, a codec) was added to
    after the clipping (`clip_plateau`): its samples are all different, but pile up in a
    bump of the amplitude histogram."""
    hi_v, lo_v = float(x.max()), float(x.min())
    tol_hi = max(abs(hi_v) * margin, 1e-7)
    tol_lo = max(abs(lo_v) * margin, 1e-7)
    high = x >= hi_v - tol_hi
    low = x <= lo_v + tol_lo
    th_hi = hi_v - tol_hi if hi_v > 0 and _in_runs(high) >= min_count else None
    th_lo = lo_v + tol_lo if lo_v < 0 and _in_runs(low) >= min_count else None
    if th_hi is None or th_lo is None:
        xs = x.detach().cpu().numpy()
        if th_hi is None and (level := plateau_level(xs)) is not None:
            th_hi, high = level, x >= level
        if th_lo is None and (level := plateau_level(-xs)) is not None:
            th_lo, low = -level, x <= -level
    if th_hi is None:
        high = torch.zeros_like(high)
    if th_lo is None:
        low = torch.zeros_like(low)
    return high, low, th_hi, th_lo


def _in_runs(mask: torch.Tensor, run: int = 3) -> int:
    """How many samples of `mask` sit in runs of `run` or more consecutive ones: a plateau
    is a run, while a sine's top repeats its extreme value in at most two neighbours (the
    samples either side of the peak) once per period, exactly when the period is whole."""
    if mask.numel() < run:
        return 0
    core = mask.unfold(-1, run, 1).all(-1).to(torch.float32)  # a run starts at i
    ones = torch.ones(1, 1, run, device=mask.device)
    member = torch.nn.functional.conv1d(core.view(1, 1, -1), ones, padding=run - 1).view(-1) > 0
    return int(member.sum())


def _window(frame: int, device, dtype) -> torch.Tensor:
    # Hann shifted by half a sample: no zero at the ends, so every sample of a frame keeps
    # its constraint; sums to a constant (2) at hop = frame/4.
    n = torch.arange(frame, device=device, dtype=torch.float64)
    return (torch.sin(torch.pi * (n + 0.5) / frame) ** 2).to(dtype)


def declip(y: torch.Tensor, high: torch.Tensor, low: torch.Tensor, *, frame: int = 8192,
           hop: int | None = None, eps: float = 0.1, max_iter: int = 1000, s: int = 1,
           r: int = 2, growth: float = 0.0, redundancy: int = 2, algorithm: str = "sspade",
           check_every: int = 1, max_batch: int | None = None, lanes: int | None = None,
           on_progress: Callable[[float, int], None] | None = None
           ) -> tuple[torch.Tensor, torch.Tensor]:
    """Declip a 1-D signal; returns it and the iterations each processed frame took.

    Frames are Hann-windowed before SPADE (the consistency bounds are windowed with them, as
    in the survey's toolbox) and overlap-added with the same window divided by the
    overlap-added squared window (the canonical dual). Only frames holding a clipped sample
    are processed, in batches of at most `max_batch`; the reliable samples come back
    unchanged, bit for bit. On the CPU the batches run on `lanes` threads (default: torch's
    thread count), each single-threaded (`studio.dsp.lanes`), in batches of at most 32
    frames (their buffers stay in a core's cache), each taking every n-th frame so that the
    batches cost alike; on a GPU one lane takes up to 256 frames at a time.
    `on_progress(frames_done, frames)` (a float: running frames count in part) is called on
    the calling thread (raise from it to cancel)."""
    hop = hop or frame // 4
    n = y.shape[-1]
    win = _window(frame, y.device, y.dtype)
    fy, pad = frames(y, frame, hop)
    fh, _ = frames(high, frame, hop)
    fl, _ = frames(low, frame, hop)
    todo = torch.nonzero((fh | fl).any(-1)).flatten()
    iters = torch.zeros(todo.numel(), dtype=torch.long, device=y.device)
    if todo.numel() == 0:
        return y.clone(), iters
    fx = fy * win
    cpu = y.device.type == "cpu"
    largest = max_batch or (32 if cpu else 256)

    # the share of each batch's work done, written by its lane after every iteration: a
    # finished frame counts whole, a running one by its iterations against the most its
    # sparsity schedule can take, so the count moves every iteration and never goes back
    cap = schedule_length(max_iter, s, r, growth, frame * redundancy // 2 + 1)
    share: list[float] = []

    def solve(part: slice, check: Callable[[], None]):
        sel = todo[part]
        j, size = part.start, sel.numel()

        def step(i: int, active: int) -> None:
            share[j] = (size - active + active * min(1.0, i / cap)) / size
            check()
        out = spade_frames(fx[sel], fh[sel], fl[sel], algorithm=algorithm, s=s, r=r,
                           eps=eps, max_iter=max_iter, growth=growth,
                           redundancy=redundancy, check_every=check_every,
                           on_iteration=step)
        share[j] = 1.0
        return out

    def poll(_parts_done: int) -> None:
        if on_progress is not None:
            done = sum(share[p.start] * len(range(*p.indices(todo.numel()))) for p in parts)
            on_progress(done, todo.numel())

    with single_threaded_torch() if cpu else nullcontext(1) as cores:
        n_lanes = lanes or cores
        parts = strided_batches(todo.numel(), n_lanes, largest)
        share.extend(0.0 for _ in parts)  # strided batch j starts at index j
        results = map_in_lanes(solve, parts, n_lanes, on_poll=poll)
    for part, (fx_sel, it) in zip(parts, results):
        fx[todo[part]] = fx_sel
        iters[part] = it
    poll(len(parts))
    out = overlap_add(fx, hop, n, pad, window=win, norm_window=win * win)
    # each frame is consistent, so the overlap-add is too up to rounding: make it exact
    return project_consistent(out, y, high, low), iters
