"""What is missing from a clip, in the three shapes users give it, and the two things the
restorer does with it: a map of the missing part over the network's time-frequency grid (the
network's extra input channel), and data consistency (the known part put back exactly).

- a gap: samples [start, end) are missing (a dropout; the window's selection);
- a band: everything above `cutoff` Hz is missing (a low-pass: telephone, old MP3, tape);
- a region: a rectangle of the spectrogram, [t0, t1) samples x [f0, f1) Hz, is to be redrawn
  (RX's spectral repair: a tone burst, a cough over a chord).
Each clip of a batch has one kind (training mixes the kinds across the batch).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from studio.models.diffusion.stft2d import Stft


@dataclass
class Damage:
    """Per clip of a batch of B clips of T samples: `gap` (B, T) bool, True where missing;
    `cutoff` (B,) Hz, the band above it missing (inf: none); `region` (B, T) bool x `band`
    (B, 2) Hz: the time-frequency rectangle (times where `region`, frequencies in
    [band0, band1))."""
    gap: torch.Tensor
    cutoff: torch.Tensor
    region: torch.Tensor
    band: torch.Tensor

    @staticmethod
    def none(b: int, t: int, device=None) -> "Damage":
        return Damage(torch.zeros(b, t, dtype=torch.bool, device=device),
                      torch.full((b,), float("inf"), device=device),
                      torch.zeros(b, t, dtype=torch.bool, device=device),
                      torch.zeros(b, 2, device=device))


def bin_frequencies(stft: Stft, sample_rate: int, device=None) -> torch.Tensor:
    """The centre frequency of each of the frame's n_fft/2 rows (row 0 holds DC and Nyquist,
    counted as DC)."""
    return torch.arange(stft.n_fft // 2, device=device) * (sample_rate / stft.n_fft)


def frame_fraction(stft: Stft, mask: torch.Tensor) -> torch.Tensor:
    """(B, T) bool -> (B, frames): the share of each frame's (squared-window) weight that
    falls on masked samples, frames placed as the tight frame places them (circularly)."""
    n, h = stft.n_fft, stft.hop
    t = mask.shape[-1]
    m = mask.float()
    mp = torch.cat([m[..., t - n // 2:], m, m[..., : n // 2 - h]], dim=-1)
    w2 = stft.window.float().square()
    w2 = (w2 / w2.sum()).to(m.device)
    return F.conv1d(mp[:, None], w2.flip(0)[None, None], stride=h)[:, 0]


def missing_map(stft: Stft, d: Damage, sample_rate: int) -> torch.Tensor:
    """(B, 1, n_fft/2, frames) in [0, 1]: how much of each coefficient is missing."""
    f = bin_frequencies(stft, sample_rate, d.cutoff.device)
    gap = frame_fraction(stft, d.gap)[:, None, :]                       # (B, 1, frames)
    above = (f[None, :] >= d.cutoff[:, None]).float()[:, :, None]        # (B, bins, 1)
    in_band = ((f[None, :] >= d.band[:, :1]) & (f[None, :] < d.band[:, 1:])).float()
    region = in_band[:, :, None] * frame_fraction(stft, d.region)[:, None, :]
    return torch.maximum(torch.maximum(gap.expand_as(region), above.expand_as(region)),
                         region)[:, None]


def low_band(x: torch.Tensor, cutoff: torch.Tensor, sample_rate: int) -> torch.Tensor:
    """(B, T) -> the same with every frequency at or above each clip's cutoff removed (an
    FFT brick wall over the whole clip: the band below is kept to the last bit)."""
    spec = torch.fft.rfft(x.double(), dim=-1)
    f = torch.fft.rfftfreq(x.shape[-1], 1 / sample_rate).to(x.device)
    keep = f[None, :] < cutoff[:, None].double()
    return torch.fft.irfft(spec * keep, n=x.shape[-1], dim=-1).to(x.dtype)


def keep_known(stft: Stft, x: torch.Tensor, y: torch.Tensor, d: Damage,
               sample_rate: int) -> torch.Tensor:
    """Data consistency: `x` (B, T), an estimate of the whole clip, with the known part of
    the damaged clip `y` put back. Regions first (in the frame's coefficients: outside the
    rectangle y's, inside x's), then the band below the cutoff (y's, exactly), then the
    samples outside the gap (y's, exactly)."""
    out = x
    if bool(d.region.any()):
        f = bin_frequencies(stft, sample_rate, x.device)
        in_band = (f[None, :] >= d.band[:, :1]) & (f[None, :] < d.band[:, 1:])
        frames = frame_fraction(stft, d.region) > 0
        inside = (in_band[:, :, None] & frames[:, None, :])[:, None]
        cx, cy = stft.analysis(out.float()), stft.analysis(y.float())
        mixed = stft.synthesis(torch.where(inside, cx, cy)).to(x.dtype)
        has = d.region.any(-1)[:, None]
        out = torch.where(has, mixed, out)
    finite = torch.isfinite(d.cutoff)
    if bool(finite.any()):
        cut = torch.where(finite, d.cutoff, torch.zeros_like(d.cutoff))
        low_y = low_band(y, cut, sample_rate)
        low_x = low_band(out, cut, sample_rate)
        out = torch.where(finite[:, None], out - low_x + low_y, out)
    # a clip with a gap has every sample outside it (a clip has one kind of damage: with a
    # band missing too, the samples outside the gap would be known below the cutoff only)
    has_gap = d.gap.any(-1, keepdim=True)
    return torch.where(has_gap & ~d.gap, y, out)
