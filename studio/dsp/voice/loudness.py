"""A-weighted frame loudness in dB on the shared frame grid.

The A-weighting curve is IEC 61672's analogue response; its power is summed over each
frame's power spectrum (Parseval), so a full-scale 1 kHz sine reads about -3 dB (its mean
power is 1/2) and a 100 Hz sine of the same level reads about 19 dB lower."""
from __future__ import annotations

import torch

from studio.dsp.voice._frames import hop_for, spectrum_frames

FLOOR_DB = -100.0


def a_weighting(freqs: torch.Tensor) -> torch.Tensor:
    """Power gain of the A curve at `freqs` Hz (1.0 at 1 kHz)."""
    f2 = freqs.double() ** 2
    c1, c2, c3, c4 = 20.598997 ** 2, 107.65265 ** 2, 737.86223 ** 2, 12194.217 ** 2
    ra = (c4 * f2 ** 2) / ((f2 + c1) * torch.sqrt((f2 + c2) * (f2 + c3)) * (f2 + c4))
    gain_db = 20 * torch.log10(ra.clamp(min=1e-20)) + 2.0  # +2.00 dB normalises 1 kHz to 0
    return (10 ** (gain_db / 10)).to(freqs.dtype)


def power_to_loudness(power: torch.Tensor, sr: int, n_fft: int, window: torch.Tensor) -> torch.Tensor:
    """(…, T, K) power spectra of Hann-windowed frames -> A-weighted mean power in dB."""
    freqs = torch.linspace(0, sr / 2, power.shape[-1], device=power.device, dtype=power.dtype)
    w = a_weighting(freqs)
    w[1:-1] *= 2  # one-sided spectrum: interior bins stand for both signs of frequency
    mean_power = (power * w).sum(-1) / (n_fft * window.pow(2).sum())
    return 10 * torch.log10(mean_power.clamp(min=10 ** (FLOOR_DB / 10)))


def frame_loudness(x: torch.Tensor, sr: int, hop: int | None = None,
                   window_s: float = 0.040) -> torch.Tensor:
    """A-weighted loudness (dB re full-scale mean power) of (N,) or (B, N) audio -> (B, T)."""
    if x.dim() == 1:
        x = x.unsqueeze(0)
    hop = hop or hop_for(sr)
    spec, n_fft, win = spectrum_frames(x.float(), sr, hop, window_s)
    return power_to_loudness(spec.abs().pow(2), sr, n_fft, win)
