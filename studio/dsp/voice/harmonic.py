"""Harmonic-plus-filtered-noise synthesis (the DDSP synthesiser, without the network).

Harmonics: one running phase Phi(t) = 2 pi * cumsum(f0 / sr) (float64, wrapped), harmonic h
plays a_h(t) sin(h Phi(t) + phi_h(t)); amplitudes and phase offsets are given per frame and
interpolated linearly (as complex amplitudes) to samples; harmonics at or above 0.48 sr are
muted, so nothing aliases. Samples are made in blocks to bound memory (block x harmonics).

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
    amplitude of harmonic h = 1..H, optional phase offsets (B, T, H) -> (B, N) float32.

    a sin(h Phi + phi) = (a cos phi) sin(h Phi) + (a sin phi) cos(h Phi): each frame's
    harmonics become two coefficient vectors, interpolated between frames as a complex
    amplitude (so a phase offset that steps by 2 pi between frames does not spin). Samples
    between frames t and t + 1 share those two frames, so the sum over harmonics is one
    batched matrix product per block of frames, (hop, 2H) @ (2H, 2), rather than
    per-sample gathers and interpolations of (N, H) tensors."""
    B, T, H = amplitudes.shape
    device = amplitudes.device
    phase = running_phase(f0, hop, n_samples, sr)                           # (B, N) float64
    h = torch.arange(1, H + 1, device=device, dtype=torch.float32)
    audible = (f0.unsqueeze(-1) * h < NYQUIST_GUARD * sr).float()           # (B, T, H)
    amps = (amplitudes * audible).float()
    if phase_offsets is None:
        coef = amps                                                         # sin terms only
    else:
        off = phase_offsets.float()
        coef = torch.cat([amps * torch.cos(off), amps * torch.sin(off)], -1)  # (B, T, 2H)
    # frame t covers samples [t hop, (t + 1) hop) and reads coefficients t and t + 1
    n_seg = -(-n_samples // hop)
    nxt = torch.arange(1, n_seg + 1, device=device).clamp(max=T - 1)
    cur = torch.arange(n_seg, device=device).clamp(max=T - 1)
    w = (torch.arange(hop, device=device, dtype=torch.float32) / hop)       # (hop,)
    phase = torch.nn.functional.pad(phase, (0, n_seg * hop - n_samples)).view(B, n_seg, hop)
    out = torch.zeros(B, n_seg, hop, device=device, dtype=torch.float32)
    step = max(1, CHUNK // hop)
    for s0 in range(0, n_seg, step):
        s1 = min(n_seg, s0 + step)
        c0, c1 = coef[:, cur[s0:s1]], coef[:, nxt[s0:s1]]                  # (B, S, 2H)
        live = (c0.abs() + c1.abs()).amax(dim=(0, 1))
        if not bool(live.any()):  # silent or unvoiced stretch: nothing to play
            continue
        # only the harmonics some frame of this block plays
        n_h = int(live[:H].nonzero().max()) + 1 if phase_offsets is None else \
            int(torch.maximum(live[:H], live[H:]).nonzero().max()) + 1
        arg = phase[:, s0:s1].float().unsqueeze(-1) * h[:n_h]              # (B, S, hop, n_h)
        if phase_offsets is None:
            basis = torch.sin_(arg)
            k = torch.stack([c0[..., :n_h], c1[..., :n_h]], -1)             # (B, S, n_h, 2)
        else:
            basis = torch.cat([torch.sin(arg), torch.cos_(arg)], -1)
            pick = torch.cat([torch.arange(n_h), H + torch.arange(n_h)]).to(device)
            k = torch.stack([c0[..., pick], c1[..., pick]], -1)             # (B, S, 2n_h, 2)
        both = torch.matmul(basis, k)                                       # (B, S, hop, 2)
        out[:, s0:s1] = torch.lerp(both[..., 0], both[..., 1], w)
        if progress is not None:
            progress(s1 / n_seg)
    return out.reshape(B, -1)[:, :n_samples]


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
