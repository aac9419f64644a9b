"""Rendering controls as audio: a bank of harmonic oscillators on the pitch contour plus noise
shaped band by band, at any sample rate (batched, differentiable, on the model's device).

The noise is white noise whose short-time spectrum is scaled to the bands' power spectral
density, interpolated in dB between band centres (log frequency) and between frames, so
the bands leave no staircase or frame grid in the sound. A harmonic is silent above 0.98 of
Nyquist, so a 16 kHz render is the 44.1 kHz one band-limited, not aliased.
"""
from __future__ import annotations

import math

import numpy as np
import torch

from studio.models.controls.spec import FLOOR_DB, ControlSpec, split


def _at_samples(x: torch.Tensor, samples: int, frame_rate: float, rate: int) -> torch.Tensor:
    """Frame values (..., T) linearly interpolated at each sample's time (..., samples);
    frame k sits at k / frame_rate seconds."""
    t = x.shape[-1]
    pos = torch.arange(samples, device=x.device, dtype=torch.float64) * (frame_rate / rate)
    i0 = pos.floor().long().clamp(max=t - 1)
    frac = (pos - i0).clamp(0, 1).to(x.dtype)
    i1 = (i0 + 1).clamp(max=t - 1)
    return x[..., i0] * (1 - frac) + x[..., i1] * frac


def _amplitude(db: torch.Tensor) -> torch.Tensor:
    """dB -> linear, with the floor exactly silent."""
    return torch.where(db <= FLOOR_DB + 0.5, torch.zeros_like(db), 10 ** (db / 20))


def noise_fft(rate: int) -> int:
    """The noise's STFT size: about 23 ms (1024 at 44.1/48 kHz)."""
    return 1 << max(7, int(round(math.log2(rate / 43.0))))


def _band_matrix(spec: ControlSpec, freqs: np.ndarray) -> torch.Tensor:
    """(bins, bands) weights that interpolate band values at each bin's frequency, linearly
    in log frequency between band centres (held flat beyond the first and last)."""
    edges = spec.band_edges()
    centres = np.sqrt(np.maximum(edges[:-1], edges[1] / 2) * edges[1:])
    logf = np.log(np.maximum(freqs, 1.0))
    logc = np.log(centres)
    w = np.zeros((len(freqs), spec.bands))
    j = np.clip(np.searchsorted(logc, logf) - 1, 0, spec.bands - 2)
    frac = np.clip((logf - logc[j]) / (logc[j + 1] - logc[j]), 0, 1)
    w[np.arange(len(freqs)), j] = 1 - frac
    w[np.arange(len(freqs)), j + 1] = frac
    return torch.from_numpy(w).float()


def pitch_hz(pitch: torch.Tensor, ref_midi: torch.Tensor) -> torch.Tensor:
    """Pitch features (n, T) (semitones from the reference / 12) -> Hz."""
    midi = ref_midi.reshape(-1, 1).to(pitch) + 12 * pitch
    return 440.0 * 2 ** ((midi - 69) / 12)


def harmonic(f0: torch.Tensor, harm_db: torch.Tensor, spec: ControlSpec, rate: int,
             samples: int, phase: torch.Tensor | None = None) -> torch.Tensor:
    """The oscillator bank: f0 (n, T) Hz, harm_db (n, H, T) -> (n, samples)."""
    f = _at_samples(f0.double(), samples, spec.frame_rate, rate)           # (n, S)
    theta = torch.cumsum(2 * math.pi * f / rate, dim=-1)
    theta = torch.remainder(theta, 2 * math.pi).float()
    k = torch.arange(1, spec.harmonics + 1, device=f0.device, dtype=torch.float32)
    # amplitudes at frame rate, silenced where the partial would pass 0.98 Nyquist
    audible = (k[None, :, None] * f0[:, None, :].float()) < 0.49 * rate
    amp = _amplitude(harm_db.float()) * audible
    amp = _at_samples(amp, samples, spec.frame_rate, rate)                  # (n, H, S)
    arg = k[None, :, None] * theta[:, None, :]
    if phase is not None:
        arg = arg + phase[:, :, None]
    return (amp * torch.sin(arg)).sum(dim=1)


def noise(noise_db: torch.Tensor, spec: ControlSpec, rate: int, samples: int,
          generator: torch.Generator | None = None) -> torch.Tensor:
    """Band noise: noise_db (n, B, T) power spectral density -> (n, samples)."""
    n = noise_db.shape[0]
    n_fft = noise_fft(rate)
    hop = n_fft // 4
    window = torch.hann_window(n_fft, device=noise_db.device)
    white = torch.randn((n, samples), generator=generator, device=noise_db.device)
    spec_w = torch.stft(white, n_fft, hop, window=window, center=True, return_complex=True)
    bins, frames = spec_w.shape[-2:]
    freqs = np.arange(bins) * rate / n_fft
    m = _band_matrix(spec, freqs).to(noise_db.device)                        # (bins, B)
    # the control frames at each STFT frame's time, then the bands at each bin
    pos = torch.arange(frames, device=noise_db.device, dtype=torch.float64) * hop / rate
    i = pos * spec.frame_rate
    t = noise_db.shape[-1]
    i0 = i.floor().long().clamp(max=t - 1)
    frac = (i - i0).clamp(0, 1).float()
    i1 = (i0 + 1).clamp(max=t - 1)
    db = noise_db[..., i0] * (1 - frac) + noise_db[..., i1] * frac          # (n, B, frames)
    db_bins = torch.einsum("fb,nbt->nft", m, db)
    gain = torch.where(db_bins <= FLOOR_DB + 0.5, torch.zeros_like(db_bins),
                       10 ** (db_bins / 20))
    out = torch.istft(spec_w * gain, n_fft, hop, window=window, center=True, length=samples)
    return out


def render(features: torch.Tensor, ref_midi: torch.Tensor, spec: ControlSpec, rate: int,
           samples: int | None = None, generator: torch.Generator | None = None) -> torch.Tensor:
    """Controls (n, F, T) -> audio (n, samples) at `rate` (default: all T frames)."""
    t = features.shape[-1]
    samples = samples or int(round(t * rate / spec.frame_rate))
    pitch, harm_db, noise_db = split(features.float(), spec)
    f0 = pitch_hz(pitch, ref_midi)
    return (harmonic(f0, harm_db, spec, rate, samples)
            + noise(noise_db, spec, rate, samples, generator))
