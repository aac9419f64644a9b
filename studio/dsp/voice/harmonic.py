"""Harmonic-plus-filtered-noise synthesis (the DDSP synthesiser, without the network).

Harmonics: one running phase Phi(t) = 2 pi * cumsum(f0 / sr) (float64, wrapped), harmonic h
plays a_h(t) sin(h Phi(t) + phi_h(t)); amplitudes and phase offsets are given per frame and
interpolated linearly to samples; harmonics at or above 0.48 sr are muted, so nothing
aliases. Samples are made in chunks to bound memory (chunk x harmonics floats).

Noise: white noise from the job's generator, STFT'd on the shared frame grid (frame t centred
on t * hop), each bin scaled by the wanted standard deviation, and overlap-added back with
torch.istft; so a per-frame, per-bin noise spectrum plays as a time-varying filter.
"""
from __future__ import annotations

import math

import torch

CHUNK = 8192  # samples per block: few, large tensor ops (each op syncs torch's thread pool)
NYQUIST_GUARD = 0.48


def _frame_positions(start: int, stop: int, hop: int, T: int, device):
    t = torch.arange(start, stop, device=device, dtype=torch.float64) / hop
    i0 = t.floor().long().clamp(0, T - 1)
    i1 = (i0 + 1).clamp(max=T - 1)
    w = (t - i0.to(torch.float64)).clamp(0, 1).float()
    return i0, i1, w


def running_phase(f0: torch.Tensor, hop: int, n_samples: int, sr: int,
                  start_phase: torch.Tensor | float = 0.0) -> torch.Tensor:
    """(B, T) frame f0 in Hz -> (B, N) fundamental phase in [0, 2 pi) (float64)."""
    T = f0.shape[-1]
    i0, i1, w = _frame_positions(0, n_samples, hop, T, f0.device)
    f = f0[..., i0].double() * (1 - w.double()) + f0[..., i1].double() * w.double()
    phase = torch.cumsum(2 * math.pi * f / sr, dim=-1) + start_phase
    return torch.remainder(phase, 2 * math.pi)


def harmonic_synth(f0: torch.Tensor, amplitudes: torch.Tensor, hop: int, n_samples: int,
                   sr: int, phase_offsets: torch.Tensor | None = None,
                   progress=None) -> torch.Tensor:
    """f0 (B, T) Hz (> 0 everywhere; mute with amplitudes), amplitudes (B, T, H) linear peak
    amplitude of harmonic h = 1..H, optional phase offsets (B, T, H) -> (B, N) float32."""
    B, T, H = amplitudes.shape
    device = amplitudes.device
    phase = running_phase(f0, hop, n_samples, sr)                           # (B, N) float64
    h = torch.arange(1, H + 1, device=device, dtype=torch.float32)
    audible = (f0.unsqueeze(-1) * h < NYQUIST_GUARD * sr).float()           # (B, T, H)
    amps = (amplitudes * audible).float()
    out = torch.empty(B, n_samples, device=device, dtype=torch.float32)
    for start in range(0, n_samples, CHUNK):
        stop = min(n_samples, start + CHUNK)
        i0, i1, w = _frame_positions(start, stop, hop, T, device)
        lo, hi = int(i0[0]), int(i1[-1]) + 1
        if not bool(amps[:, lo:hi].any()):  # silent or unvoiced stretch: nothing to play
            out[:, start:stop] = 0.0
            continue
        # only the harmonics some frame of this chunk plays
        n_h = int(amps[:, lo:hi].abs().amax(dim=(0, 1)).nonzero().max()) + 1
        wv = w.view(1, -1, 1)
        a0 = amps[:, i0, :n_h]
        a = torch.addcmul(a0, amps[:, i1, :n_h] - a0, wv)                   # (B, C, H)
        arg = phase[:, start:stop].float().unsqueeze(-1) * h[:n_h]          # (B, C, H)
        if phase_offsets is not None:
            p0 = phase_offsets[:, i0, :n_h].float()
            arg += torch.addcmul(p0, phase_offsets[:, i1, :n_h].float() - p0, wv)
        out[:, start:stop] = (a * torch.sin_(arg)).sum(-1)
        if progress is not None:
            progress(stop / n_samples)
    return out


def filtered_noise(std: torch.Tensor, hop: int, n_samples: int, n_fft: int,
                   generator: torch.Generator | None = None) -> torch.Tensor:
    """std (B, T, n_fft // 2 + 1): the wanted per-sample standard deviation density per bin
    (white noise of variance s^2 has std s in every bin) -> (B, N) noise."""
    B, T, K = std.shape
    device = std.device
    noise = torch.randn(B, n_samples, generator=generator, device=device, dtype=torch.float32)
    win = torch.hann_window(n_fft, device=device)
    spec = torch.stft(noise, n_fft, hop, window=win, center=True, return_complex=True)
    spec = spec[..., :T]
    if spec.shape[-1] < T:
        raise ValueError("noise STFT has fewer frames than the control signal")
    shaped = spec * std.transpose(1, 2).to(spec.real.dtype)
    return torch.istft(shaped, n_fft, hop, window=win, center=True, length=n_samples)


def sample_bins(values: torch.Tensor, freqs: torch.Tensor, sr: int, n_fft: int) -> torch.Tensor:
    """Read (…, K) per-bin values at (…, H) frequencies in Hz (linear interpolation)."""
    K = values.shape[-1]
    pos = (freqs * (n_fft / sr)).clamp(0, K - 1.0001)
    i0 = pos.floor().long()
    w = pos - i0.to(pos.dtype)
    return torch.gather(values, -1, i0) * (1 - w) + torch.gather(values, -1, i0 + 1) * w
