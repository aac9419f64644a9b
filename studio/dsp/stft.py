"""Short-time Fourier transforms shared by the spectral operations (torch, any device).

Thin wrappers over torch.stft/istft with the conventions every op here uses: a periodic
Hann window, `center=True` so the first and last samples are covered, and a frame size
picked from the sample rate so that a frame is about the same duration at any rate.
"""
from __future__ import annotations

import math

import torch


def frame_size_for(sample_rate: int, seconds: float = 0.032) -> int:
    """The power of two closest to `seconds` of audio (>= 64)."""
    n = max(64, int(round(seconds * sample_rate)))
    return 1 << max(6, int(round(math.log2(n))))


def stft(x: torch.Tensor, n_fft: int, hop: int) -> torch.Tensor:
    """(..., frames) real -> (..., bins, frames) complex, Hann window, centred frames."""
    shape = x.shape[:-1]
    win = torch.hann_window(n_fft, periodic=True, device=x.device, dtype=x.dtype)
    X = torch.stft(x.reshape(-1, x.shape[-1]), n_fft, hop, n_fft, win, center=True,
                   pad_mode="constant", return_complex=True)
    return X.reshape(*shape, X.shape[-2], X.shape[-1])


def istft(X: torch.Tensor, n_fft: int, hop: int, length: int) -> torch.Tensor:
    """Inverse of `stft` (least-squares overlap-add); exact for an unmodified spectrum."""
    shape = X.shape[:-2]
    win = torch.hann_window(n_fft, periodic=True, device=X.device, dtype=X.real.dtype)
    x = torch.istft(X.reshape(-1, X.shape[-2], X.shape[-1]), n_fft, hop, n_fft, win,
                    center=True, length=length)
    return x.reshape(*shape, length)


def bin_frequencies(n_fft: int, sample_rate: int) -> torch.Tensor:
    return torch.arange(n_fft // 2 + 1) * (sample_rate / n_fft)


def frames(x: torch.Tensor, size: int, hop: int) -> tuple[torch.Tensor, int]:
    """Cut the last axis into frames (..., n_frames, size) after zero-padding so that every
    sample is covered by size/hop frames; returns the frames and the padding in front."""
    n = x.shape[-1]
    pad_front = size - hop
    n_frames = max(1, math.ceil((n + pad_front) / hop))
    total = (n_frames - 1) * hop + size
    xp = torch.nn.functional.pad(x, (pad_front, total - n - pad_front))
    return xp.unfold(-1, size, hop), pad_front


def overlap_add(fr: torch.Tensor, hop: int, length: int, pad_front: int,
                window: torch.Tensor | None = None,
                norm_window: torch.Tensor | None = None) -> torch.Tensor:
    """Inverse of `frames`: window (optional), overlap-add, divide by the overlap-added
    `norm_window` (default: the window itself; pass window**2 after analysis windowing)."""
    *lead, n_frames, size = fr.shape
    if window is None:
        window = torch.ones(size, device=fr.device, dtype=fr.dtype)
    total = (n_frames - 1) * hop + size
    flat = (fr * window).reshape(-1, n_frames, size).transpose(1, 2)  # (B, size, n_frames)
    out = torch.nn.functional.fold(flat, (1, total), (1, size), stride=(1, hop))
    if norm_window is None:
        norm_window = window
    norm = torch.nn.functional.fold(
        norm_window.reshape(1, size, 1).expand(1, size, n_frames).contiguous(), (1, total),
        (1, size), stride=(1, hop))
    out = out.reshape(*lead, total) / norm.reshape(total).clamp_min(1e-8)
    return out[..., pad_front:pad_front + length]
