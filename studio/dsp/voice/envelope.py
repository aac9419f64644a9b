"""Spectral envelopes: cepstral smoothing and the true envelope, frequency warping, and the
minimum phase that goes with an envelope.

Envelopes are natural-log amplitudes over the rfft bins of the analysis frames. Cepstral
smoothing keeps the low quefrencies of log|X|, which for a harmonic spectrum runs between
the harmonic peaks and the valleys (too low). The true envelope (Röbel & Rodet 2005) lifts
the smoothed curve iteratively, A <- max(A, smooth(A)), until it rides on the harmonic
peaks; with the cepstral order tied to f0 (order ~ sr / (2 f0)) it cannot follow single
harmonics. Unvoiced (noise) frames use plain smoothing plus Euler's gamma: the mean of the
log of an exponentially distributed power is log(mean) - 0.5772.
"""
from __future__ import annotations

import torch

from studio.dsp.voice._frames import hop_for, spectrum_frames

EULER_GAMMA = 0.5772156649
UNVOICED_F0 = 200.0  # the order used for noise frames, as if f0 were 200 Hz
DYNAMIC_RANGE = 120.0  # dB below a frame's peak that log|X| is floored at


def cepstral_order(f0: torch.Tensor, sr: int) -> torch.Tensor:
    """Cepstral order per frame: half the period in samples (Röbel's choice for the true envelope)."""
    f = torch.where(f0 > 0, f0, torch.full_like(f0, UNVOICED_F0))
    return (0.5 * sr / f).floor().clamp(min=4)


def _lifter(order: torch.Tensor, n_fft: int) -> torch.Tensor:
    """(…,) orders -> (…, n_fft) low-quefrency masks (symmetric, so the envelope stays real)."""
    q = torch.arange(n_fft, device=order.device)
    q = torch.minimum(q, n_fft - q).to(order.dtype)
    return (q <= order.unsqueeze(-1)).to(order.dtype)


def cepstral_smooth(log_mag: torch.Tensor, order: torch.Tensor | float) -> torch.Tensor:
    """Low-quefrency part of (…, K) log amplitudes; order (…,) or a number."""
    n_fft = 2 * (log_mag.shape[-1] - 1)
    order = torch.as_tensor(order, dtype=log_mag.dtype, device=log_mag.device)
    order = order.expand(log_mag.shape[:-1])
    ceps = torch.fft.irfft(log_mag, n=n_fft)
    return torch.fft.rfft(ceps * _lifter(order, n_fft), n=n_fft).real


def true_envelope(log_mag: torch.Tensor, order: torch.Tensor | float,
                  iterations: int = 12, tolerance_db: float = 1.0,
                  progress=None) -> torch.Tensor:
    """Röbel's true envelope of (…, K) log amplitudes; stops early once every frame is
    within `tolerance_db` of its peaks. `progress(fraction)` after each iteration."""
    n_fft = 2 * (log_mag.shape[-1] - 1)
    order = torch.as_tensor(order, dtype=log_mag.dtype, device=log_mag.device)
    mask = _lifter(order.expand(log_mag.shape[:-1]), n_fft)
    target = log_mag
    tol = tolerance_db / 20 * 2.302585
    env = target
    for _ in range(iterations):
        env = torch.fft.rfft(torch.fft.irfft(target, n=n_fft) * mask, n=n_fft).real
        if progress is not None:
            progress((_ + 1) / iterations)
        if (log_mag - env).amax() < tol:
            break
        target = torch.maximum(target, env)
    return env


def log_magnitude(spec: torch.Tensor) -> torch.Tensor:
    mag = spec.abs()
    floor = mag.amax(-1, keepdim=True) * 10 ** (-DYNAMIC_RANGE / 20) + 1e-12
    return torch.log(torch.maximum(mag, floor))


def spectral_envelope(spec: torch.Tensor, f0: torch.Tensor, sr: int,
                      progress=None) -> torch.Tensor:
    """Envelope (…, T, K) of complex frames: true envelope where f0 > 0, else smoothed noise
    (`progress(fraction)` follows the true envelope's iterations)."""
    report = progress or (lambda _f: None)
    log_mag = log_magnitude(spec)
    order = cepstral_order(f0, sr)
    env = cepstral_smooth(log_mag, order) + 0.5 * EULER_GAMMA
    report(0.15)  # about two of the true envelope's iterations
    voiced = f0 > 0
    if voiced.any():  # the iterative true envelope only where there are harmonics to ride on
        env[voiced] = true_envelope(log_mag[voiced], order[voiced],
                                    progress=lambda f: report(0.15 + 0.85 * f))
    report(1.0)
    return env


def analyze_envelope(x: torch.Tensor, f0: torch.Tensor, sr: int, hop: int | None = None,
                     window_s: float = 0.040) -> tuple[torch.Tensor, int, torch.Tensor]:
    """Envelope of (B, N) audio on the f0 grid -> ((B, T, K) log amplitude, n_fft, window)."""
    hop = hop or hop_for(sr)
    spec, n_fft, win = spectrum_frames(x, sr, hop, window_s, count=f0.shape[-1])
    return spectral_envelope(spec, f0, sr), n_fft, win


def warp_frequency(values: torch.Tensor, ratio: torch.Tensor | float) -> torch.Tensor:
    """values'(f) = values(f / ratio) over the last (bin) axis: ratio > 1 moves formants up.
    Bins that would read beyond Nyquist hold the last value. ratio: a number or (…,) per frame."""
    K = values.shape[-1]
    ratio = torch.as_tensor(ratio, dtype=values.dtype, device=values.device)
    src = torch.arange(K, device=values.device, dtype=values.dtype) / ratio.unsqueeze(-1) \
        if ratio.dim() else torch.arange(K, device=values.device, dtype=values.dtype) / ratio
    src = src.clamp(0, K - 1).expand(values.shape)
    i0 = src.floor().long().clamp(max=K - 2)
    w = src - i0.to(src.dtype)
    return torch.gather(values, -1, i0) * (1 - w) + torch.gather(values, -1, i0 + 1) * w


def minimum_phase(log_env: torch.Tensor) -> torch.Tensor:
    """Phase (radians, unwrapped) of the minimum-phase filter whose log amplitude is
    `log_env` (…, K): fold the real cepstrum onto positive quefrencies."""
    n_fft = 2 * (log_env.shape[-1] - 1)
    ceps = torch.fft.irfft(log_env, n=n_fft)
    fold = torch.zeros_like(ceps)
    fold[..., 0] = ceps[..., 0]
    fold[..., 1:n_fft // 2] = 2 * ceps[..., 1:n_fft // 2]
    fold[..., n_fft // 2] = ceps[..., n_fft // 2]
    return torch.fft.rfft(fold, n=n_fft).imag
