"""The peers the restoration benchmark runs beside our operations, written plainly (numpy,
scipy) from their published descriptions so they are independent of studio.dsp."""
from __future__ import annotations

import numpy as np
from scipy.interpolate import CubicSpline
from scipy.signal import filtfilt, iirnotch, istft, stft


# --- denoise -------------------------------------------------------------------------

def wiener_dd(y: np.ndarray, sr: int, noise: np.ndarray, n_fft: int = 512,
              alpha: float = 0.98, xi_min: float = 10 ** -2.5) -> np.ndarray:
    """Decision-directed Wiener filter (Scalart & Filho 1996), frame by frame, noise PSD
    from a noise-only clip."""
    hop = n_fft // 4
    _, _, N = stft(noise, sr, nperseg=n_fft, noverlap=n_fft - hop)
    lam = np.mean(np.abs(N) ** 2, axis=1)
    _, _, Y = stft(y, sr, nperseg=n_fft, noverlap=n_fft - hop)
    P = np.abs(Y) ** 2
    G = np.zeros_like(P)
    prev = np.zeros(P.shape[0])
    for t in range(P.shape[1]):
        gamma = np.minimum(P[:, t] / lam, 1e4)
        xi = np.maximum(alpha * prev / lam + (1 - alpha) * np.maximum(gamma - 1, 0), xi_min)
        G[:, t] = xi / (1 + xi)
        prev = G[:, t] ** 2 * P[:, t]
    _, out = istft(G * Y, sr, nperseg=n_fft, noverlap=n_fft - hop)
    return out[: len(y)].astype(np.float32)


def noisereduce_stationary(y, sr, noise):
    import noisereduce as nr
    return nr.reduce_noise(y=y, sr=sr, y_noise=noise, stationary=True).astype(np.float32)


def noisereduce_default(y, sr, noise=None):
    import noisereduce as nr
    return nr.reduce_noise(y=y, sr=sr).astype(np.float32)


# --- declip --------------------------------------------------------------------------

def clipfix_spline(y: np.ndarray, threshold: float, context: int = 4) -> np.ndarray:
    """Audacity-style Clip Fix: each clipped run is replaced by a cubic spline through the
    unclipped samples on both sides, kept only where it goes beyond the clip level."""
    out = y.astype(np.float64).copy()
    clipped = np.abs(y) >= threshold
    edges = np.flatnonzero(np.diff(np.r_[0, clipped.astype(np.int8), 0]))
    for s, e in zip(edges[0::2], edges[1::2]):
        left = np.arange(max(0, s - context), s)
        right = np.arange(e, min(len(y), e + context))
        known = np.r_[left, right]
        if len(left) < 2 or len(right) < 2:
            continue
        fill = CubicSpline(known, y[known])(np.arange(s, e))
        sign = np.sign(y[s])
        out[s:e] = np.where(sign * fill > threshold, fill, y[s:e])
    return out.astype(np.float32)


# --- gaps ----------------------------------------------------------------------------

def linear_fill(y: np.ndarray, start: int, end: int) -> np.ndarray:
    out = y.copy()
    a = y[start - 1] if start > 0 else 0.0
    b = y[end] if end < len(y) else 0.0
    out[start:end] = np.linspace(a, b, end - start + 2)[1:-1]
    return out


def _lsar_numpy(x: np.ndarray, missing: np.ndarray, a: np.ndarray) -> np.ndarray:
    """min ||A x||^2 over the missing samples, A the (N-p, N) prediction-error matrix."""
    p = len(a)
    b = np.r_[1.0, -a]
    N = len(x)
    A = np.zeros((N - p, N))
    for i in range(p + 1):
        A[np.arange(N - p), np.arange(N - p) + p - i] = b[i]
    mi, ki = np.flatnonzero(missing), np.flatnonzero(~missing)
    out = x.astype(np.float64).copy()
    out[mi] = np.linalg.lstsq(A[:, mi], -A[:, ki] @ out[ki], rcond=None)[0]
    return out


def _ar_autocorr(x: np.ndarray, p: int) -> np.ndarray:
    from scipy.linalg import solve_toeplitz
    r = np.correlate(x, x, "full")[len(x) - 1: len(x) + p] / len(x)
    r[0] *= 1 + 1e-9
    return solve_toeplitz(r[:p], r[1:p + 1])


def _gap_block(y: np.ndarray, start: int, end: int, ctx: int):
    """[lo, hi) = the gap with `ctx` samples each side; that block in float64 with the gap
    zeroed, and the gap's mask within it."""
    lo, hi = max(0, start - ctx), min(len(y), end + ctx)
    seg = y[lo:hi].astype(np.float64)
    miss = np.zeros(len(seg), bool)
    miss[start - lo: end - lo] = True
    seg[miss] = 0
    return lo, hi, seg, miss


def lsar_audacity(y: np.ndarray, start: int, end: int) -> np.ndarray:
    """Audacity's Repair: LSAR with an AR model fitted on the context around the gap
    (Audacity allows at most 128 samples; here any length, order min(3 m + 2, 100))."""
    m = end - start
    p = min(3 * m + 2, 100)
    ctx = max(2 * m, 4 * p)
    lo, hi, seg, miss = _gap_block(y, start, end, ctx)
    a = _ar_autocorr(seg, p)
    out = y.copy()
    out[lo:hi] = _lsar_numpy(seg, miss, a)
    return out.astype(np.float32)


def janssen_plain(y: np.ndarray, start: int, end: int, iterations: int = 20) -> np.ndarray:
    """Janssen, Veldhuis & Vries (1986): alternate the autocorrelation AR fit on the whole
    block (gap filled with the current estimate, zeros at first) and LSAR; order
    min(3 m + 2, 400), block = gap with 3 p of context each side... bounded for speed."""
    m = end - start
    p = min(3 * m + 2, 400)
    ctx = max(3 * p, 2 * m)
    lo, hi, seg, miss = _gap_block(y, start, end, ctx)
    for _ in range(iterations):
        a = _ar_autocorr(seg, p)
        seg = _lsar_numpy(seg, miss, a)
    out = y.copy()
    out[lo:hi] = seg
    return out.astype(np.float32)


# --- hum -----------------------------------------------------------------------------

def notch_filters(y: np.ndarray, sr: int, f0: float, harmonics: int = 8, q: float = 30.0):
    """scipy iirnotch at each harmonic of the nominal mains frequency, zero-phase."""
    out = y.astype(np.float64)
    for h in range(1, harmonics + 1):
        if h * f0 < sr / 2 - 10:
            b, a = iirnotch(h * f0, q, sr)
            out = filtfilt(b, a, out)
    return out.astype(np.float32)
