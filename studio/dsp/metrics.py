"""Objective measures used by the tests and the benchmarks (numpy, float64 inside)."""
from __future__ import annotations

import numpy as np


def _flat(a) -> np.ndarray:
    return np.asarray(a, dtype=np.float64).reshape(-1)


def sdr(reference, estimate) -> float:
    """Signal-to-distortion ratio in dB: 10 log10(|s|^2 / |s - s_hat|^2)."""
    s, e = _flat(reference), _flat(estimate)
    num = np.sum(s ** 2)
    den = np.sum((s - e) ** 2)
    return float(10 * np.log10(max(num, 1e-20) / max(den, 1e-20)))


def si_sdr(reference, estimate) -> float:
    """Scale-invariant SDR (Le Roux et al. 2019), zero-mean signals."""
    s, e = _flat(reference), _flat(estimate)
    s = s - s.mean()
    e = e - e.mean()
    alpha = np.dot(e, s) / max(np.dot(s, s), 1e-20)
    target = alpha * s
    return float(10 * np.log10(max(np.sum(target ** 2), 1e-20)
                               / max(np.sum((e - target) ** 2), 1e-20)))


def snr(reference, estimate) -> float:
    """Same as `sdr`; the name used for the SNR inside a filled gap."""
    return sdr(reference, estimate)


def power_spectrogram(x, n_fft: int = 512, hop: int = 256) -> np.ndarray:
    """|STFT|^2 with a Hann window, (bins, frames)."""
    x = _flat(x)
    if len(x) < n_fft:
        x = np.pad(x, (0, n_fft - len(x)))
    win = np.hanning(n_fft)
    n = 1 + (len(x) - n_fft) // hop
    idx = np.arange(n_fft)[None, :] + hop * np.arange(n)[:, None]
    return (np.abs(np.fft.rfft(x[idx] * win, axis=1)) ** 2).T


def kurtosis(values) -> float:
    """m4 / m2^2 of the raw values; applied to power-spectrum values as in Uemura et al.,
    whose musical-noise measure uses moments about zero of the power distribution."""
    v = _flat(values)
    m2 = np.mean(v ** 2)
    m4 = np.mean(v ** 4)
    return float(m4 / max(m2 ** 2, 1e-30))


def kurtosis_ratio(noise_before, noise_after, n_fft: int = 512, hop: int = 256) -> float:
    """Musical-noise measure (Uemura et al. 2009, Yu & Fingscheidt 2012): the kurtosis of
    the power spectrogram of the residual noise after processing over that of the noise
    before. Isolated spectral peaks ("musical" tones) raise it; ~1 means no musical noise,
    values above ~2-3 are audible. Measure it on a noise-only stretch."""
    kb = kurtosis(power_spectrogram(noise_before, n_fft, hop)[1:-1])
    ka = kurtosis(power_spectrogram(noise_after, n_fft, hop)[1:-1])
    return float(ka / max(kb, 1e-30))


def detection_f1(true_spans, found_spans, tolerance: int = 0) -> tuple[float, float, float]:
    """(precision, recall, F1) of detected spans [start, end) against true spans: a true
    span counts as found when a detected one overlaps it (within `tolerance` samples), a
    detected span is correct when it overlaps a true one."""
    def hits(a, b):
        return sum(any(s0 - tolerance < e1 and s1 - tolerance < e0 for s1, e1 in b)
                   for s0, e0 in a)
    tp_found = hits(found_spans, true_spans)
    tp_true = hits(true_spans, found_spans)
    precision = tp_found / len(found_spans) if found_spans else (1.0 if not true_spans else 0.0)
    recall = tp_true / len(true_spans) if true_spans else 1.0
    f1 = 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)
    return precision, recall, f1


def between_harmonics_db(x, rate: int, f0: float, start: float = 0.1,
                         seconds: float = 0.5) -> float:
    """How much of a pitched note's energy lies between its partials, in dB of the whole:
    the share of a Hann-windowed segment's spectrum (from `start`, `seconds` long) more than
    f0/4 away from every multiple of f0. A clean sampled instrument sits far below -30 dB;
    broadband noise under the note raises it (white noise alone gives about -3 dB, since half
    of every harmonic spacing counts as "between"). NaN for an unpitched clip (f0 <= 0) or
    one too short for the segment."""
    s = _flat(x)
    a, n = int(round(start * rate)), int(round(seconds * rate))
    if f0 <= 0 or len(s) < a + n:
        return float("nan")
    power = np.abs(np.fft.rfft(s[a:a + n] * np.hanning(n))) ** 2
    freq = np.fft.rfftfreq(n, 1.0 / rate)
    offset = np.abs(freq / f0 - np.round(freq / f0))  # distance to the nearest harmonic, in f0
    between = (offset > 0.25) | (freq < 0.75 * f0)  # below the fundamental is between too
    return float(10 * np.log10(max(power[between].sum(), 1e-30) / max(power.sum(), 1e-30)))


def _frames_inside(n: int, n_fft: int, hop: int, start: int, end: int) -> np.ndarray:
    """Indices k of the frames [k hop, k hop + n_fft) of an n-sample signal with at least
    half their samples in [start, end); where there are none (a span shorter than n_fft / 2),
    the frames that hold the span's middle sample."""
    k = np.arange(max(0, 1 + (n - n_fft) // hop))
    lo, hi = k * hop, k * hop + n_fft
    inside = np.minimum(hi, end) - np.maximum(lo, start)
    sel = k[2 * inside >= n_fft]
    if len(sel) == 0:
        mid = (start + end - 1) // 2
        sel = k[(lo <= mid) & (mid < hi)]
    return sel


def lsd_frames(reference, estimate, n_fft: int = 2048, hop: int = 512, start: int = 0,
               end: int | None = None, floor: float = 1e-10) -> float:
    """Log-spectral distance as NU-Wave and AudioSR report it: per frame
    sqrt(mean over bins of (log10 |X|^2 - log10 |Y|^2)^2), power floored at `floor`, then the
    mean over frames (Hann window, frames [k hop, k hop + n_fft)). Over the frames that lie
    mostly inside [start, end) (default: the whole signal); a span shorter than n_fft / 2
    has no such frame, and then the frames holding its middle sample count (they are mostly
    outside it, so the figure is diluted, but the same for every method)."""
    s, e = _flat(reference), _flat(estimate)
    n = len(s)
    if n < n_fft:
        s, e = np.pad(s, (0, n_fft - n)), np.pad(e, (0, n_fft - n))
    frames = _frames_inside(len(s), n_fft, hop, start, len(s) if end is None else end)
    idx = frames[:, None] * hop + np.arange(n_fft)[None, :]
    win = np.hanning(n_fft)
    ps = np.abs(np.fft.rfft(s[idx] * win, axis=1)) ** 2
    pe = np.abs(np.fft.rfft(e[idx] * win, axis=1)) ** 2
    d = np.log10(np.maximum(ps, floor)) - np.log10(np.maximum(pe, floor))
    return float(np.mean(np.sqrt(np.mean(d ** 2, axis=1))))


def gap_energy_db(reference, estimate) -> float:
    """10 log10 of the estimate's energy over the reference's (0 dB: a fill as loud as the
    truth; below 0 it is too quiet, the usual failure of a long AR fill that decays)."""
    s, e = _flat(reference), _flat(estimate)
    return float(10 * np.log10(max(np.sum(e ** 2), 1e-30) / max(np.sum(s ** 2), 1e-30)))
