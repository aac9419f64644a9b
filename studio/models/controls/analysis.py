"""Measuring controls in real audio: the inverse of `synth`, one clip at a time.

Two short-time analyses centred on the control frames:
- harmonics, with a Hann window of about 4 periods of the note (the shortest that resolves
  neighbouring partials, so attacks stay sharp): the pitch is refined within +-0.7 semitone
  of the note per frame by the harmonic sum of log magnitudes, and each harmonic's amplitude
  is the largest peak within a quarter of f0 of k f0 (which tolerates a piano's stretched
  partials);
- noise, with a Blackman window of 12 periods (sidelobes at -58 dB, main lobe a quarter of
  f0 wide), so that what lies between the partials is seen rather than their leakage: each
  band's power spectral density is the mean over its bins away from every partial. Noise
  more than about 55 dB under the partials reads high (the window's sidelobes); the sampled
  instruments' own noise lies 20-45 dB under them.
An unpitched sound (drums) has no note: its one oscillator follows the strongest peak between
30 and 500 Hz (a kick's or tom's body, a sweep included), and the rest is noise.
"""
from __future__ import annotations

import math

import numpy as np
import torch

from studio.models.controls.spec import FLOOR_DB, REF_MIDI, ControlSpec, join

SEARCH_SEMITONES = 0.7
SEARCH_HARMONICS = 8
HARM_PERIODS, NOISE_PERIODS = 4.2, 12.0
DRUM_LOW_HZ, DRUM_HIGH_HZ = 30.0, 500.0


def _midi_hz(m):
    return 440.0 * 2 ** ((np.asarray(m, dtype=np.float64) - 69) / 12)


def _stft(x: torch.Tensor, win: torch.Tensor, hop: int, frames: int):
    """Magnitudes (frames, bins) of x with `win` centred on frame k * hop (zeros outside)."""
    n_fft = 1 << int(math.ceil(math.log2(2 * len(win))))
    spec = torch.stft(x, n_fft, hop, win_length=len(win), window=win, center=True,
                      pad_mode="constant", return_complex=True)
    mag = spec.abs().T[:frames]
    if mag.shape[0] < frames:
        mag = torch.nn.functional.pad(mag, (0, 0, 0, frames - mag.shape[0]))
    return mag.double(), n_fft


def _interp_bins(mag: torch.Tensor, pos: torch.Tensor) -> torch.Tensor:
    """mag (T, bins) read at fractional bin positions pos (T, K), linearly."""
    bins = mag.shape[1]
    p = pos.clamp(0, bins - 1.001)
    i0 = p.floor().long()
    f = p - i0
    return mag.gather(1, i0) * (1 - f) + mag.gather(1, i0 + 1) * f


def _track_pitch(mag: torch.Tensor, n_fft: int, rate: int, note: float) -> torch.Tensor:
    """Per frame, the f0 (Hz) within +-SEARCH_SEMITONES of `note` whose first harmonics carry
    the most log magnitude; median-smoothed over 5 frames."""
    cand = torch.from_numpy(_midi_hz(note + np.linspace(-SEARCH_SEMITONES, SEARCH_SEMITONES,
                                                        29)))
    k = torch.arange(1, SEARCH_HARMONICS + 1, dtype=torch.float64)
    f = cand[:, None] * k[None]                                    # (C, K)
    ok = f < rate / 2 * 0.95
    pos = (f * n_fft / rate).reshape(1, -1).expand(mag.shape[0], -1)
    # log magnitude over a floor 60 dB under the frame's peak: a probe that falls where there
    # is nothing (a tone with few partials) counts as quiet, not as minus infinity
    floor = 1e-3 * mag.amax(dim=1, keepdim=True) + 1e-12
    score = torch.log(_interp_bins(mag, pos) + floor).reshape(mag.shape[0], *f.shape)
    score = (score * ok).sum(dim=2) / ok.sum(dim=1).clamp_min(1)
    f0 = _refine(mag, n_fft, rate, cand[score.argmax(dim=1)])
    padded = torch.nn.functional.pad(f0[None, None], (2, 2), mode="replicate")[0, 0]
    return padded.unfold(0, 5, 1).median(dim=1).values


def _refine(mag: torch.Tensor, n_fft: int, rate: int, f0: torch.Tensor) -> torch.Tensor:
    """The grid's f0 per frame refined by its first partials' peaks: each partial's peak bin
    within +-2 bins of k f0, interpolated by a parabola on log magnitude, gives f_k / k; the
    estimates are averaged, weighted by their magnitude."""
    k = torch.arange(1, SEARCH_HARMONICS + 1, dtype=torch.float64)
    centre = (f0[:, None] * k[None] * n_fft / rate).round().long()          # (T, K)
    bins = mag.shape[1]
    offsets = torch.arange(-3, 4)
    idx = (centre[:, :, None] + offsets).clamp(0, bins - 1)                  # (T, K, 7)
    vals = mag.gather(1, idx.reshape(len(f0), -1)).reshape(idx.shape)
    best = vals[:, :, 1:-1].argmax(dim=2) + 1                                # inner 5 only
    a, b, c = (torch.log(vals.gather(2, (best + d)[..., None])[..., 0] + 1e-12)
               for d in (-1, 0, 1))
    den = a - 2 * b + c
    shift = torch.where(den.abs() > 1e-12, 0.5 * (a - c) / den, torch.zeros_like(den))
    peak_bin = idx.gather(2, best[..., None])[..., 0] + shift.clamp(-0.5, 0.5)
    est = peak_bin * rate / n_fft / k[None]
    weight = b.exp() * ((k[None] * f0[:, None]) < 0.45 * rate)
    # only estimates near the grid's choice (within a third of a semitone) count
    weight = weight * ((est / f0[:, None]).log2().abs() < 1 / 36)
    total = weight.sum(dim=1)
    return torch.where(total > 0, (est * weight).sum(dim=1) / total.clamp_min(1e-30), f0)


DRUM_PROMINENCE_DB = 12.0  # a drum's body is a tone only this far above its band's median


def _track_drum(mag: torch.Tensor, n_fft: int, rate: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Per frame, the strongest peak between DRUM_LOW_HZ and DRUM_HIGH_HZ (Hz, parabolic),
    and whether it stands DRUM_PROMINENCE_DB over that band's median (a body that rings, not
    a noise peak)."""
    lo, hi = int(DRUM_LOW_HZ * n_fft / rate), int(math.ceil(DRUM_HIGH_HZ * n_fft / rate))
    band = mag[:, lo:hi + 1]
    i = band.argmax(dim=1).clamp(1, band.shape[1] - 2)
    a, b, c = (band.gather(1, (i + d)[:, None])[:, 0] for d in (-1, 0, 1))
    shift = 0.5 * (a - c) / (a - 2 * b + c).where((a - 2 * b + c).abs() > 1e-12,
                                                    torch.full_like(a, -1e-12))
    tonal = b > band.median(dim=1).values * 10 ** (DRUM_PROMINENCE_DB / 20)
    return (lo + i + shift.clamp(-0.5, 0.5)) * rate / n_fft, tonal


def _db(x: torch.Tensor) -> torch.Tensor:
    return 20 * torch.log10(x.clamp_min(1e-12))


def analyse(audio: torch.Tensor, rate: int, note: float | None, spec: ControlSpec,
            frames: int) -> torch.Tensor:
    """One clip (samples,) at `rate` -> features (F, frames). `note` is the MIDI note the
    clip plays (None: unpitched). `rate` must be a multiple of the frame rate."""
    if rate % spec.frame_rate:
        raise ValueError(f"analysis needs a rate that is a multiple of {spec.frame_rate} Hz")
    hop = rate // spec.frame_rate
    x = audio.double().cpu()
    pitched = note is not None
    f_note = float(_midi_hz(note)) if pitched else 110.0
    n_h = max(int(round(HARM_PERIODS * rate / f_note)), int(0.03 * rate)) if pitched \
        else int(0.03 * rate)
    win_h = torch.hann_window(min(n_h, int(0.25 * rate)), periodic=False, dtype=torch.float64)
    mag, n_fft = _stft(x, win_h, hop, frames)
    if pitched:
        f0, tonal = _track_pitch(mag, n_fft, rate, note), None
    else:
        f0, tonal = _track_drum(mag, n_fft, rate)
    harmonics = spec.harmonics if pitched else 1
    k = torch.arange(1, harmonics + 1, dtype=torch.float64)
    # the largest magnitude within a quarter of f0 of each k f0 (5 probes across it)
    probes = torch.linspace(-0.25, 0.25, 5, dtype=torch.float64)
    fk = f0[:, None, None] * (k[None, :, None] + probes[None, None, :])      # (T, K, 5)
    peak = _interp_bins(mag, (fk * n_fft / rate).reshape(frames, -1)).reshape(fk.shape)
    amp = 2 * peak.amax(dim=2) / win_h.sum()
    harm_db = torch.full((spec.harmonics, frames), FLOOR_DB, dtype=torch.float64)
    audible = (f0[:, None] * k[None]) < 0.49 * rate
    if tonal is not None:
        audible &= tonal[:, None]
    harm_db[:harmonics] = torch.where(audible, _db(amp), torch.full_like(amp, FLOOR_DB)).T
    # the pitch of frames where the note has died away is held from the last audible one
    loud = harm_db.amax(dim=0) > FLOOR_DB + 30
    if loud.any():
        idx = torch.where(loud, torch.arange(frames), torch.zeros(frames, dtype=torch.long))
        idx = torch.cummax(idx, dim=0).values
        first = int(torch.nonzero(loud)[0, 0])
        idx[:first] = first
        f0 = f0[idx]
    noise_db = _noise_bands(x, rate, hop, frames, f0, f_note, pitched, spec, tonal)
    harm_db, noise_db = _smooth_frames(harm_db), _smooth_frames(noise_db, NOISE_SMOOTH_FRAMES)
    pitch = (12 * torch.log2(f0 / float(_midi_hz(note if pitched else REF_MIDI)))) / 12
    return join(pitch[None].float(), harm_db[None].float(), noise_db[None].float())[0]


SMOOTH_FRAMES, NOISE_SMOOTH_FRAMES, GATE_DB = 5, 9, 10.0


def _smooth_frames(db: torch.Tensor, width: int = SMOOTH_FRAMES,
                   gate_db: float = GATE_DB) -> torch.Tensor:
    """(rows, frames) dB smoothed along time: each frame's power averaged with its neighbours
    within `width` frames whose level lies within `gate_db` of the window's median.

    A single frame's reading of a noise band or a weak partial scatters like a chi-square
    variable; that scatter is noise no denoiser can predict, and a generator that learns it
    makes notes flutter. A plain moving mean would smear an attack into pre-echo and a median
    reads a chi-square variable low; the gated mean averages power (unbiased) over what is
    alike and leaves the frames across an attack's step out of it."""
    win, alike = gated_windows(db, width, gate_db)
    power = 10 ** (win / 10) * alike
    return 10 * torch.log10(power.sum(dim=2) / alike.sum(dim=2))


def gated_windows(rows: torch.Tensor, width: int, gate: float
                  ) -> tuple[torch.Tensor, torch.Tensor]:
    """Rows (rows, frames) -> each frame's window of `width` frames (rows, frames, width),
    the ends held, and which of the window's values lie within `gate` of its median."""
    half = width // 2
    win = torch.nn.functional.pad(rows[None], (half, half), mode="replicate")[0]
    win = win.unfold(1, width, 1)
    return win, (win - win.median(dim=2, keepdim=True).values).abs() <= gate


def _noise_bands(x, rate, hop, frames, f0, f_note, pitched, spec, tonal=None) -> torch.Tensor:
    """(B, frames) dB: each band's mean power per bin away from the partials."""
    n_w = max(int(round(NOISE_PERIODS * rate / f_note)), int(0.023 * rate)) if pitched \
        else int(0.023 * rate)
    win = torch.blackman_window(min(n_w, int(0.3 * rate)), periodic=False, dtype=torch.float64)
    mag, n_fft = _stft(x, win, hop, frames)
    psd = mag ** 2 / win.square().sum()                        # white noise of power 1 -> 1
    freqs = torch.arange(mag.shape[1], dtype=torch.float64) * rate / n_fft
    # bins within the window's main lobe (3 bins of the unpadded window) of a partial
    lobe = 3.0 * rate / len(win)
    if pitched:
        ratio = freqs[None] / f0[:, None]
        near = (ratio - ratio.round()).abs() * f0[:, None] < lobe
        near &= ratio.round() >= 1
    else:  # a drum: only the bins of a body that rings are the oscillator's
        near = ((freqs[None] - f0[:, None]).abs() < lobe) & tonal[:, None]
    edges = spec.band_edges()
    out = torch.full((spec.bands, frames), math.nan, dtype=torch.float64)
    band_of = np.searchsorted(edges, freqs.numpy(), side="right") - 1
    top = spec.bands
    for b in range(spec.bands):
        sel = torch.from_numpy(band_of == b)
        if edges[b] >= rate / 2:
            top = min(top, b)
            continue
        if not sel.any():
            continue
        p = psd[:, sel]
        free = ~near[:, sel]
        mean_free = (p * free).sum(dim=1) / free.sum(dim=1).clamp_min(1)
        out[b] = torch.where(free.any(dim=1), 10 * torch.log10(mean_free.clamp_min(1e-14)),
                             torch.full_like(mean_free, math.nan))
    # a band narrower than the partials' spacing may hold no free bin: it takes the level
    # of its neighbours (in dB, across bands), never a partial's skirt
    out[:top] = _fill_across_bands(out[:top])
    out[top:] = FLOOR_DB
    return out.clamp_min(FLOOR_DB)


def _fill_across_bands(db: torch.Tensor) -> torch.Tensor:
    """NaN entries of (bands, frames) linearly interpolated along the band axis from the
    measured ones (held at the ends); a frame with none measured is silent."""
    out = db.clone()
    idx = np.arange(db.shape[0])
    for t in range(db.shape[1]):
        col = db[:, t].numpy()
        ok = ~np.isnan(col)
        if ok.all():
            continue
        out[:, t] = torch.from_numpy(np.interp(idx, idx[ok], col[ok]) if ok.any()
                                     else np.full(len(idx), FLOOR_DB))
    return out
