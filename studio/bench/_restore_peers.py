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


def _gap_block(y: np.ndarray, start: int, end: int, ctx: int):
    """[lo, hi) = the gap with `ctx` samples each side; that block in float64 with the gap
    zeroed, and the gap's mask within it."""
    lo, hi = max(0, start - ctx), min(len(y), end + ctx)
    seg = y[lo:hi].astype(np.float64)
    miss = np.zeros(len(seg), bool)
    miss[start - lo: end - lo] = True
    seg[miss] = 0
    return lo, hi, seg, miss


def _ar_autocorr_fft(x: np.ndarray, p: int) -> np.ndarray:
    """Yule-Walker AR coefficients (biased autocorrelation of the whole block, Levinson)."""
    from scipy.linalg import solve_toeplitz
    from scipy.fft import next_fast_len
    n = len(x)
    nfft = next_fast_len(2 * n, real=True)
    X = np.fft.rfft(x, nfft)
    r = np.fft.irfft(np.abs(X) ** 2, nfft)[: p + 1] / n
    r[0] = r[0] * (1 + 1e-9) + 1e-30  # a silent block gives the zero model
    return solve_toeplitz(r[:p], r[1:p + 1])


def _lsar_toeplitz(x: np.ndarray, start: int, end: int, a: np.ndarray) -> np.ndarray:
    """The same least squares as `_lsar_numpy` (the errors e(t) = sum_k b_k x(t - k) for
    t = p..N-1, whose history lies in the block) for one contiguous gap [start, end) at
    least p samples from both ends of the block, by its normal equations: R x_m = -g with
    R[i, j] = r_b(|i - j|) (Toeplitz, the autocorrelation of b = [1, -a]; Levinson) and
    g = A_m^T e0, e0 the errors with the gap zeroed. No (N x N) matrix is built."""
    from scipy.linalg import solve_toeplitz
    from scipy.signal import fftconvolve
    p, n, m = len(a), len(x), end - start
    if start < p or n - end < p:
        miss = np.zeros(n, bool)
        miss[start:end] = True
        return _lsar_numpy(x, miss, a)
    b = np.r_[1.0, -a]
    z = x.astype(np.float64).copy()
    z[start:end] = 0
    # only the errors at t in [start, end + p) involve the gap
    e0 = fftconvolve(z[start - p:end + p], b, "valid")  # e0(t) for t = start..end+p-1
    # g(i) = sum_k b_k e0(i + k), i = start..end-1
    g = fftconvolve(e0, b[::-1], "valid")
    rb = np.correlate(b, b, "full")[p:]  # r_b(0..p)
    col = np.zeros(m)
    col[: min(p + 1, m)] = rb[: min(p + 1, m)]
    z[start:end] = solve_toeplitz(col, -g)
    return z


def janssen_literature(y: np.ndarray, start: int, end: int, sr: int,
                       iterations: int = 20) -> np.ndarray:
    """Janssen, Veldhuis & Vries (1986) as the literature sets it up (Oudre 2018,
    "Interpolation of missing samples in sound signals based on autoregressive modeling"):
    order p = min(3 m + 2, round(0.023 sr)) for a gap of m samples, a block of the gap with
    max(2 m, round(0.05 sr)) samples each side, the gap zeroed, then `iterations` times: the
    autocorrelation AR fit on the whole block with the current fill, and LSAR with it."""
    m = end - start
    p = min(3 * m + 2, round(0.023 * sr))
    ctx = max(2 * m, round(0.05 * sr))
    lo, hi, seg, _ = _gap_block(y, start, end, ctx)
    s, e = start - lo, end - lo
    for _ in range(iterations):
        a = _ar_autocorr_fft(seg, p)
        seg = _lsar_toeplitz(seg, s, e, a)
    out = y.copy()
    out[lo:hi] = seg
    return out.astype(np.float32)


def lsar_audacity(y: np.ndarray, start: int, end: int) -> np.ndarray:
    """Audacity's Repair: LSAR with an AR model fitted on the context around the gap
    (Audacity allows at most 128 samples; here any length, order min(3 m + 2, 100))."""
    m = end - start
    p = min(3 * m + 2, 100)
    ctx = max(2 * m, 4 * p)
    lo, hi, seg, _ = _gap_block(y, start, end, ctx)
    a = _ar_autocorr_fft(seg, p)
    out = y.copy()
    out[lo:hi] = _lsar_toeplitz(seg, start - lo, end - lo, a)
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
