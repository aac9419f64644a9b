"""Level guidance for what the restorer redraws: the level of each frequency row inside a
gap or a spectrogram rectangle is brought to the straight line (in dB) between that row's
level just before and just after it, while the restorer's own texture within the row (its
onsets, partials and phase, over less than `smooth_seconds`) is kept.

Why: the restorer decides what sounds there, but an under-trained prior is poor at how loud:
long gaps came back as holes (speech at 500 ms 16 dB under the truth) and spectral repair
left its rectangle 7-8 dB above the sides. The sides are the best estimate of the level a
user expects in a repaired stretch; it is the rule RX's Spectral Repair applies in its
Attenuate mode (each frequency's level interpolated across the selection from its
surroundings). Here the interpolated levels steer the model's fill instead of replacing it.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from studio.models.diffusion.stft2d import Stft
from studio.models.restoration.damage import bin_frequencies, frame_fraction

# the stretch on each side whose level each row is steered to (on the bench's tone burst over
# its two music items, 0.25 s gave a region closer to the truth than 0.1 s; 0.5 s the same)
SIDE_SECONDS = 0.25
# the fill's level is measured over this much, so a fill that fades towards a gap's middle
# is raised there (held-out 500 ms gaps in music, energy against the truth: -2.5 dB at 0.1 s,
# -5.1 at 0.3 s, -11.6 at 1 s); its texture on shorter scales is kept
SMOOTH_SECONDS = 0.1
# levels are compared per row and its two neighbours (a sixth of an octave put a fill's flat
# level where the sides had partials and gaps between them: the region's log-spectral
# distance to the truth rose by 2-5 dB on the burst bench)
BAND_OCTAVES = 0.0
MAX_BOOST_DB = 40.0    # a row is raised by at most this (a silent fill stays near silent)


def _frame(sample_rate: int) -> Stft:
    """~46 ms frames (2048 at 44.1 kHz) at a quarter hop: rows of ~21 Hz."""
    n_fft = 1 << max(6, round(math.log2(0.046 * sample_rate)))
    return Stft(n_fft, n_fft // 4)


def _over_rows(power: torch.Tensor) -> torch.Tensor:
    """power (..., rows, T) averaged over the rows within BAND_OCTAVES/2 of each row (at
    least its two neighbours): levels per band, so a single partial or the chance dips of
    noise in one row are not what the gain corrects."""
    rows = power.shape[-2]
    r = torch.arange(rows, device=power.device, dtype=torch.float64)
    half = 2 ** (BAND_OCTAVES / 2)
    lo = torch.minimum((r / half).floor(), r - 1).clamp_min(0).long()
    hi = torch.maximum((r * half).ceil(), r + 1).clamp_max(rows - 1).long()
    csum = F.pad(power.cumsum(-2), (0, 0, 1, 0))
    return (csum[..., hi + 1, :] - csum[..., lo, :]) / (hi - lo + 1).to(power.dtype)[:, None]


def _over_frames(power: torch.Tensor, weight: torch.Tensor, frames: int) -> torch.Tensor:
    """power (C, rows, T) averaged over `frames` frames, counting each frame by `weight`
    (T,), so that the sides (weight 0) do not pull the fill's level."""
    k = frames | 1
    num = F.avg_pool1d(power * weight, k, 1, k // 2, count_include_pad=False)
    den = F.avg_pool1d(weight[None, None], k, 1, k // 2, count_include_pad=False)[0]
    return num / den.clamp_min(1e-6)


def match_levels(out: torch.Tensor, ref: torch.Tensor, sample_rate: int, start: int,
                 end: int, band: tuple[float, float] | None = None,
                 side_seconds: float = SIDE_SECONDS, smooth_seconds: float = SMOOTH_SECONDS,
                 max_boost_db: float = MAX_BOOST_DB) -> torch.Tensor:
    """`out` (C, T), a repair of samples [start, end) (and of `band`, Hz, if given) of
    `ref` (C, T), with each row's level there steered to the line between `ref`'s level in
    `side_seconds` before and after. The gain reaches each frame by the share of it inside
    [start, end), so the fill meets the untouched audio smoothly; the caller keeps the
    samples it must keep (what lies outside the damage is changed only within half a frame
    of it, and only where the levels disagree)."""
    c, t = out.shape
    frame = _frame(sample_rate).to(out.device)
    pad = (-t) % frame.hop + max(0, frame.n_fft - t)
    co = frame.analysis(F.pad(out.float(), (0, pad)))
    cr = frame.analysis(F.pad(ref.float(), (0, pad)))
    p_out, p_ref = co.square().sum(1), cr.square().sum(1)           # (C, rows, frames)
    mask = torch.zeros(1, t + pad, dtype=torch.bool, device=out.device)
    mask[:, start:end] = True
    share = frame_fraction(frame, mask)[0]                           # (frames,)
    inside = torch.nonzero(share > 0).flatten()
    if inside.numel() == 0:
        return out
    first, last = int(inside[0]), int(inside[-1])
    side = max(1, round(side_seconds * sample_rate / frame.hop))
    left = torch.arange(max(0, first - side), first, device=out.device)
    right = torch.arange(last + 1, min(share.numel(), last + 1 + side), device=out.device)
    if left.numel() + right.numel() == 0:
        return out
    eps = 1e-12
    db_left = (10 * torch.log10(_over_rows(p_ref[..., left]).mean(-1) + eps)
               if left.numel() else None)
    db_right = (10 * torch.log10(_over_rows(p_ref[..., right]).mean(-1) + eps)
                if right.numel() else None)
    db_left = db_right if db_left is None else db_left
    db_right = db_left if db_right is None else db_right
    pos = ((torch.arange(share.numel(), device=out.device) - (first - 0.5))
           / (last - first + 1)).clamp(0, 1)
    # a line in dB: a decaying note's level falls on it (a line in power, tried on held-out
    # 200 ms gaps, left speech 4.0 dB under the truth instead of 6.8, and put the recordings
    # 5.0 dB over it instead of 2.5)
    target = db_left[..., None] + (db_right - db_left)[..., None] * pos   # (C, rows, frames)
    frames = max(1, round(smooth_seconds * sample_rate / frame.hop))
    level = 10 * torch.log10(_over_rows(_over_frames(p_out, share, frames)) + eps)
    gain_db = (target - level).clamp(max=max_boost_db)
    rows = torch.ones(p_out.shape[1], device=out.device)
    if band is not None:
        f = bin_frequencies(frame, sample_rate, out.device)
        rows = ((f >= band[0]) & (f < band[1])).float()
    gain = 10 ** (gain_db * (rows[:, None] * share[None, :]) / 20)
    return frame.synthesis(co * gain[:, None])[:, :t].to(out.dtype)


def level_vs_sides(x: torch.Tensor, sample_rate: int, start: int, end: int,
                   band: tuple[float, float] | None = None,
                   side_seconds: float = SIDE_SECONDS) -> float:
    """The power of x (C, T) in [start, end) (and `band`, Hz) against the mean power of the
    same band in `side_seconds` on each side, in dB: what the repair reports, so a user sees
    whether a fill is a hole (well below 0) or too loud. NaN where there are no sides."""
    frame = _frame(sample_rate).to(x.device)
    t = x.shape[-1]
    pad = (-t) % frame.hop + max(0, frame.n_fft - t)
    p = frame.analysis(F.pad(x.float(), (0, pad))).square().sum(1)     # (C, rows, frames)
    if band is not None:
        f = bin_frequencies(frame, sample_rate, x.device)
        p = p[:, (f >= band[0]) & (f < band[1])]
    mask = torch.zeros(1, t + pad, dtype=torch.bool, device=x.device)
    mask[:, start:end] = True
    share = frame_fraction(frame, mask)[0]
    side = max(1, round(side_seconds * sample_rate / frame.hop))
    inside = torch.nonzero(share > 0.5).flatten()
    touched = torch.nonzero(share > 0).flatten()
    if inside.numel() == 0:
        inside = touched
    if inside.numel() == 0:
        return float("nan")
    first, last = int(touched[0]), int(touched[-1])
    sides = torch.cat([torch.arange(max(0, first - side), first),
                       torch.arange(last + 1, min(share.numel(), last + 1 + side))]).to(x.device)
    if sides.numel() == 0:
        return float("nan")
    p_in, p_sides = p[..., inside].mean(), p[..., sides].mean()
    return float(10 * torch.log10((p_in + 1e-20) / (p_sides + 1e-20)))
