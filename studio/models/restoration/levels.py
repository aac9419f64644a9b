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
from dataclasses import dataclass

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
# a row's level is measured with this many rows on either side (a gap's fill: one, so a
# single partial of the fill that falls between two of the sides' is not blown up alone)
ROW_HALF_WIDTH = 1
# a fill within this of the line is left alone (a dead zone): the level is an estimate, and
# moving a fill that is nearly right costs its waveform. Held-out 100 ms gaps (fluidsynth
# seed 1, festival slt/kal 2-3, four ALSA recordings), the restorer started from Janssen,
# music / speech / recordings: SNR 6.6 / -2.3 / -1.0 dB at 0 dB, 9.5 / -1.6 / 0.4 at 3 dB,
# 10.1 / -1.0 / 1.3 at 6 dB; LSD 1.41 / 2.07 / 2.91, 1.44 / 1.93 / 2.93, 1.52 / 1.82 / 2.97;
# energy against the truth -0.1 / -0.9 / 1.3, -0.3 / -2.1 / 0.1, -0.5 / -3.3 / -0.8 dB
TOLERANCE_DB = 3.0
# spectral repair redraws what stands this far above its sides' level line (keep_what_fits)
STANDS_OUT_DB = 6.0
# the level gain is eased in over this much at a gap's edges (ease_in)
EDGE_SECONDS = 0.02
MAX_BOOST_DB = 40.0    # a row is raised by at most this (a silent fill stays near silent)
# A long fill drawn from noise (no waveform of the truth to keep) is steered all the way
# (no dead zone) to the line in power, not in dB: across half a second the level inside is
# unknown, and the expected power is the sides' mean power, of which a line in dB (their
# geometric mean) falls short by the spread of the levels. Held-out 500 ms gaps (fluidsynth
# seed 1, festival sentences 2-3, the Rear/Side ALSA recordings), music / speech /
# recordings, energy against the truth: -2.0 / -3.9 / -5.2 dB with the dB line and its dead
# zone, -0.5 / -2.9 / -4.3 with no dead zone, +0.2 / -0.2 / -2.1 in power; LSD 1.44 / 1.94
# / 2.91, 1.37 / 1.95 / 2.80, 1.43 / 1.97 / 2.85. At 200 ms, started from Janssen, the line
# in power put the recordings' fills 8 dB over the truth (5 in dB): short fills keep it.
LONG_FILL = {"in_power": True, "tolerance_db": 0.0}


def _frame(sample_rate: int) -> Stft:
    """~46 ms frames (2048 at 44.1 kHz) at a quarter hop: rows of ~21 Hz."""
    n_fft = 1 << max(6, round(math.log2(0.046 * sample_rate)))
    return Stft(n_fft, n_fft // 4)


def _analyse(frame: Stft, x: torch.Tensor, start: int, end: int
             ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The frame's coefficients of x (C, T), padded with a frame of zeros on each side (the
    frame reads circularly: a damage at the file's start must not see its end); each
    frame's share inside [start, end); and which frames lie wholly in x (the padding is no
    side to take a level from)."""
    n, t = frame.n_fft, x.shape[-1]
    tail = n + (-(2 * n + t)) % frame.hop
    coefs = frame.analysis(F.pad(x.float(), (n, tail)))
    mask = torch.zeros(2, n + t + tail, dtype=torch.bool, device=x.device)
    mask[0, n + start:n + end] = True
    mask[1, n:n + t] = True
    share = frame_fraction(frame, mask)
    return coefs, share[0], share[1] > 0.999


def _damage_frames(share: torch.Tensor, real: torch.Tensor, side: int):
    """From each frame's share inside the damage: the frames that lie inside it (those
    wholly inside, or the most inside for a damage shorter than a frame); up to `side`
    frames of the audio before and after it that do not touch it; and the first and last
    frame that touch it. None when nothing is touched or there is no side."""
    touched = torch.nonzero(share > 0).flatten()
    if touched.numel() == 0:
        return None
    first, last = int(touched[0]), int(touched[-1])
    at = torch.arange(share.numel(), device=share.device)
    left, right = at[:first][real[:first]][-side:], at[last + 1:][real[last + 1:]][:side]
    if left.numel() + right.numel() == 0:
        return None
    return share >= min(0.99, float(share.max())), left, right, first, last


def _over_rows(power: torch.Tensor, half_width: int) -> torch.Tensor:
    """power (..., rows, T) averaged over each row and `half_width` rows on either side."""
    if half_width <= 0:
        return power
    k = 2 * half_width + 1
    flat = power.movedim(-2, -1).reshape(-1, 1, power.shape[-2])
    out = F.avg_pool1d(flat, k, 1, half_width, count_include_pad=False)
    return out.reshape(*power.movedim(-2, -1).shape).movedim(-1, -2)


def _over_frames(power: torch.Tensor, weight: torch.Tensor, frames: int) -> torch.Tensor:
    """power (C, rows, T) averaged over `frames` frames, counting each frame by `weight`
    (T,), so that the sides (weight 0) do not pull the fill's level."""
    k = frames | 1
    num = F.avg_pool1d(power * weight, k, 1, k // 2, count_include_pad=False)
    den = F.avg_pool1d(weight[None, None], k, 1, k // 2, count_include_pad=False)[0]
    return num / den.clamp_min(1e-6)


@dataclass
class _Framed:
    """A repair and its reference on the level frame, with the damage's place in it."""
    frame: Stft
    out: torch.Tensor        # coefficients (C, 2, rows, frames)
    ref: torch.Tensor
    share: torch.Tensor      # (frames,) each frame's share inside the damage
    core: torch.Tensor       # (frames,) the frames inside it
    target: torch.Tensor     # (C, rows, frames) the line between the sides' levels, dB
    rows: torch.Tensor       # (rows,) 1 in the damaged band

    def back(self, coefs: torch.Tensor, length: int, dtype) -> torch.Tensor:
        n = self.frame.n_fft
        return self.frame.synthesis(coefs)[:, n:n + length].to(dtype)


_EPS = 1e-12


def _side_line(out, ref, sample_rate, start, end, band, side_seconds,
               row_half_width, in_power: bool = False) -> _Framed | None:
    """Both signals on the level frame, and each row's level line across the damage: in dB,
    from its mean level over `side_seconds` before to that after (one side only: flat);
    `in_power`: the straight line in power between the two, in dB."""
    frame = _frame(sample_rate).to(out.device)
    co, share, real = _analyse(frame, out, start, end)
    cr, _, _ = _analyse(frame, ref, start, end)
    found = _damage_frames(share, real, max(1, round(side_seconds * sample_rate / frame.hop)))
    if found is None:
        return None
    core, left, right, first, last = found
    p_ref = cr.square().sum(1)
    sides = [10 * torch.log10(_over_rows(p_ref[..., at], row_half_width).mean(-1) + _EPS)
             for at in (left, right) if at.numel()]
    db_left, db_right = sides[0], sides[-1]
    at = torch.arange(share.numel(), device=out.device)
    pos = ((at - (first - 0.5)) / (last - first + 1)).clamp(0, 1)
    if in_power:
        p_left, p_right = 10 ** (db_left / 10), 10 ** (db_right / 10)
        target = 10 * torch.log10(p_left[..., None] + (p_right - p_left)[..., None] * pos
                                  + _EPS)
    else:
        # a line in dB: a decaying note's level falls on it (a line in power, tried on
        # held-out 200 ms gaps, left speech 4.0 dB under the truth instead of 6.8, and put
        # the recordings 5.0 dB over it instead of 2.5)
        target = db_left[..., None] + (db_right - db_left)[..., None] * pos
    rows = torch.ones(co.shape[2], device=out.device)
    if band is not None:
        f = bin_frequencies(frame, sample_rate, out.device)
        rows = ((f >= band[0]) & (f < band[1])).float()
    return _Framed(frame, co, cr, share, core, target, rows)


def match_levels(out: torch.Tensor, ref: torch.Tensor, sample_rate: int, start: int,
                 end: int, band: tuple[float, float] | None = None,
                 side_seconds: float = SIDE_SECONDS, smooth_seconds: float = SMOOTH_SECONDS,
                 row_half_width: int = ROW_HALF_WIDTH, max_boost_db: float = MAX_BOOST_DB,
                 tolerance_db: float = TOLERANCE_DB, in_power: bool = False) -> torch.Tensor:
    """`out` (C, T), a repair of samples [start, end) (and of `band`, Hz, if given) of
    `ref` (C, T), with each row's level there steered to the line between `ref`'s level in
    `side_seconds` before and after (in dB, or `in_power`: see LONG_FILL). The gain reaches
    each frame by the share of it inside [start, end), so the fill meets the untouched
    audio smoothly; the caller keeps the
    samples it must keep (what lies outside the damage is changed only within half a frame
    of it, and only where the levels disagree)."""
    fr = _side_line(out, ref, sample_rate, start, end, band, side_seconds, row_half_width,
                    in_power)
    if fr is None:
        return out
    # the fill's level from the frames inside the damage only: a frame across its edge
    # holds the sides too, and where they are far louder than the fill they would set it
    frames = max(1, round(smooth_seconds * sample_rate / fr.frame.hop))
    p_out = fr.out.square().sum(1)
    level = 10 * torch.log10(
        _over_rows(_over_frames(p_out, fr.core.float(), frames), row_half_width) + _EPS)
    gain_db = (fr.target - level).clamp(max=max_boost_db)
    # within `tolerance_db` of the line a fill is left as it is (a dead zone, continuous)
    gain_db = gain_db.sign() * (gain_db.abs() - tolerance_db).clamp_min(0)
    gain = 10 ** (gain_db * (fr.rows[:, None] * fr.share[None, :]) / 20)
    return fr.back(fr.out * gain[:, None], out.shape[-1], out.dtype)


def keep_what_fits(out: torch.Tensor, ref: torch.Tensor, sample_rate: int, start: int,
                   end: int, band: tuple[float, float] | None = None,
                   stands_out_db: float = STANDS_OUT_DB, side_seconds: float = SIDE_SECONDS
                   ) -> torch.Tensor:
    """`out` (C, T), a redraw of the damage in `ref` (C, T), taken only where `ref` stands out
    of its sides' level line by about `stands_out_db` or more (a whistle's rows, a cough's
    frames); where `ref` fits the line, `ref` itself is kept (its coefficients, blended
    over +-3 dB around the threshold so there is no hard edge). What a selection holds
    besides the damage (the chord under a whistle) is then the recording's own, not a
    redraw of it."""
    fr = _side_line(out, ref, sample_rate, start, end, band, side_seconds, 1)
    if fr is None:
        return out
    level = 10 * torch.log10(_over_rows(_over_frames(
        fr.ref.square().sum(1), torch.ones_like(fr.share), 3), 1) + _EPS)
    excess = level - fr.target
    redraw = ((excess - stands_out_db + 3.0) / 6.0).clamp(0, 1)
    redraw = redraw * (fr.rows[:, None] * (fr.share[None, :] > 0))
    mixed = fr.ref + redraw[:, None] * (fr.out - fr.ref)
    return fr.back(mixed, out.shape[-1], out.dtype)


def ease_in(fill: torch.Tensor, steered: torch.Tensor, start: int, end: int,
            sample_rate: int, seconds: float = EDGE_SECONDS) -> torch.Tensor:
    """`steered` (C, T) inside [start, end), reached from `fill` over `seconds` at each edge
    (raised cosine), `fill` elsewhere. A gap's samples are pasted between untouched ones: the
    level gain, spread by the frame across the edge, would otherwise step the first and last
    samples away from their neighbours (a click), where the fill itself joins them."""
    out = fill.clone()
    out[:, start:end] = steered[:, start:end]
    r = min(int(seconds * sample_rate), (end - start) // 2)
    if r < 1:
        return out
    w = 0.5 - 0.5 * torch.cos(torch.pi * (torch.arange(r, device=fill.device) + 0.5) / r)
    w = w.to(fill.dtype)
    for sl, ww in ((slice(start, start + r), w), (slice(end - r, end), w.flip(0))):
        out[:, sl] = fill[:, sl] + ww * (steered[:, sl] - fill[:, sl])
    return out


def level_vs_sides(x: torch.Tensor, sample_rate: int, start: int, end: int,
                   band: tuple[float, float] | None = None,
                   side_seconds: float = SIDE_SECONDS) -> float:
    """The power of x (C, T) in [start, end) (and `band`, Hz) against the mean power of the
    same band in `side_seconds` on each side, in dB: what the repair reports, so a user sees
    whether a fill is a hole (well below 0) or too loud. NaN where there are no sides, or
    where the damage is shorter than a frame (~46 ms: its level cannot be told apart from
    the sides')."""
    frame = _frame(sample_rate).to(x.device)
    coefs, share, real = _analyse(frame, x, start, end)
    p = coefs.square().sum(1)                                         # (C, rows, frames)
    if band is not None:
        f = bin_frequencies(frame, sample_rate, x.device)
        p = p[:, (f >= band[0]) & (f < band[1])]
    side = max(1, round(side_seconds * sample_rate / frame.hop))
    found = _damage_frames(share, real, side)
    if found is None or float(share.max()) < 0.99:
        return float("nan")
    core, left, right, _, _ = found
    p_in, p_sides = p[..., core].mean(), p[..., torch.cat([left, right])].mean()
    return float(10 * torch.log10((p_in + 1e-20) / (p_sides + 1e-20)))
