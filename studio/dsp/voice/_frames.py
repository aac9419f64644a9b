"""The frame grid every voice analyser shares: frame t is centred on sample t * hop."""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

HOP_SECONDS = 0.005


def hop_for(sr: int, hop_seconds: float = HOP_SECONDS) -> int:
    return max(1, int(round(sr * hop_seconds)))


def n_frames(n_samples: int, hop: int) -> int:
    return n_samples // hop + 1


def frame(x: torch.Tensor, length: int, hop: int, count: int | None = None,
          left: int | None = None) -> torch.Tensor:
    """(..., N) -> (..., T, length) frames; frame t starts at t * hop - left (left defaults
    to length // 2, i.e. centred on t * hop), zero padded at the edges."""
    count = n_frames(x.shape[-1], hop) if count is None else count
    left = length // 2 if left is None else left
    need = (count - 1) * hop + length
    right = max(0, need - left - x.shape[-1])
    lead = x.shape[:-1]
    xp = F.pad(x.reshape(-1, 1, x.shape[-1]), (left, right)).reshape(*lead, -1)
    return xp.unfold(-1, length, hop)[..., :count, :]


def next_pow2(n: int) -> int:
    return 1 << int(math.ceil(math.log2(max(2, n))))


def spectrum_frames(x: torch.Tensor, sr: int, hop: int, window_s: float = 0.040,
                    count: int | None = None) -> tuple[torch.Tensor, int, torch.Tensor]:
    """Hann-windowed complex spectra on the shared grid: ((..., T, K) complex, n_fft, window)."""
    length = int(round(window_s * sr)) | 1  # odd, so the window is centred on a sample
    n_fft = next_pow2(length)
    win = torch.hann_window(length, periodic=False, dtype=x.dtype, device=x.device)
    frames = frame(x, length, hop, count) * win
    return torch.fft.rfft(frames, n=n_fft), n_fft, win


def frames_to_samples(values: torch.Tensor, hop: int, n_samples: int) -> torch.Tensor:
    """Linear interpolation of (..., T) frame values to (..., N) samples."""
    t = torch.arange(n_samples, device=values.device, dtype=torch.float64) / hop
    return _interp(values, t, t.floor().long())


def _interp(values: torch.Tensor, t: torch.Tensor, i0: torch.Tensor) -> torch.Tensor:
    last = values.shape[-1] - 1
    i0 = i0.clamp(0, last)
    i1 = (i0 + 1).clamp(max=last)
    w = (t - i0.to(t.dtype)).clamp(0, 1).to(values.dtype)
    return values[..., i0] * (1 - w) + values[..., i1] * w
