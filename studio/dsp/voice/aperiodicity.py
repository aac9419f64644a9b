"""Band aperiodicity: the fraction of each band's power that is not periodic at f0.

The normalised autocorrelation of a frame at lag T0 = sr / f0 is, by Wiener-Khinchin,
r = sum_k P_k cos(2 pi k T0 / n_fft) / sum_k P_k; restricted to the bins of one band it is
that band's periodicity. Windowing scales the autocorrelation of a periodic signal by the
window's own normalised autocorrelation at T0, so dividing by it (Boersma 1993) makes a clean
periodic band read r = 1 and white noise r = 0. Aperiodicity is 1 - r, clamped to [0, 1],
interpolated from band centres to bins; unvoiced frames are fully aperiodic.
"""
from __future__ import annotations

import torch

BAND_EDGES_HZ = (0, 500, 1000, 1500, 2000, 3000, 4000, 5000, 6000, 8000, 11000, 16000, 24000)


def window_autocorrelation(window: torch.Tensor, lags: torch.Tensor) -> torch.Tensor:
    """Normalised autocorrelation of `window` at (possibly fractional) `lags` (linear interp)."""
    n = window.shape[-1]
    full = torch.fft.irfft(torch.fft.rfft(window, n=2 * n).abs().pow(2), n=2 * n)[:n]
    full = full / full[0]
    lags = lags.clamp(0, n - 1.001)
    i0 = lags.floor().long()
    w = lags - i0.to(lags.dtype)
    return full[i0] * (1 - w) + full[(i0 + 1).clamp(max=n - 1)] * w


def band_aperiodicity(power: torch.Tensor, f0: torch.Tensor, sr: int, n_fft: int,
                      window: torch.Tensor) -> torch.Tensor:
    """(…, T, K) power spectra and (…, T) f0 (0 = unvoiced) -> (…, T, K) aperiodicity."""
    K = power.shape[-1]
    dtype, device = power.dtype, power.device
    freqs = torch.arange(K, device=device, dtype=dtype) * (sr / n_fft)
    edges = [e for e in BAND_EDGES_HZ if e < sr / 2] + [sr / 2]
    voiced = f0 > 0
    period = torch.where(voiced, sr / f0.clamp(min=1.0), torch.ones_like(f0))  # samples
    cos = torch.cos(2 * torch.pi * freqs * (period / sr).unsqueeze(-1))      # (…, T, K)
    correction = window_autocorrelation(window.to(dtype), period).clamp(min=0.05)
    centres, values = [], []
    for lo, hi in zip(edges[:-1], edges[1:]):
        band = ((freqs >= lo) & (freqs < hi)).to(dtype)
        p = power * band
        total = p.sum(-1)
        r = (p * cos).sum(-1) / total.clamp(min=1e-20) / correction
        values.append((1 - r).clamp(0, 1))
        centres.append(0.5 * (lo + hi))
    bands = torch.stack(values, -1)                                           # (…, T, nb)
    centres_t = torch.tensor(centres, dtype=dtype, device=device)
    pos = torch.bucketize(freqs, centres_t).clamp(1, len(centres) - 1)
    c0, c1 = centres_t[pos - 1], centres_t[pos]
    w = ((freqs - c0) / (c1 - c0)).clamp(0, 1)
    ap = bands[..., pos - 1] * (1 - w) + bands[..., pos] * w
    return torch.where(voiced.unsqueeze(-1), ap, torch.ones_like(ap))
