"""The control representation as plain data: what each of a frame's numbers means, and how
levels in dB become the network's features (roughly unit scale, as diffusion wants them).

A frame holds, in this order:
  0             pitch: semitones from the note's reference pitch / 12 (a melodic note's own
                note; REF_MIDI for drums), so the network learns deviations, not absolute pitch
  1..H          harmonic k's amplitude (dB re full scale) as a feature
  H+1..H+B      the noise's power spectral density in band b (dB per bin of a unit-power
                white noise) as a feature
Levels map as (dB - CENTRE_DB) / SPAN_DB, floored at FLOOR_DB: silence is one known value.
"""
from __future__ import annotations

import torch

from studio.models.diffusion.config import ControlsConfig

REF_MIDI = 45.0          # drums: pitch measured from A2 (110 Hz)
FLOOR_DB = -110.0        # anything quieter is silence
CENTRE_DB, SPAN_DB = -60.0, 30.0


# the bundled representation: 113 numbers a frame
ControlSpec = ControlsConfig
DEFAULT = ControlsConfig(frame_rate=100, harmonics=64, bands=48)


def db_to_feature(db: torch.Tensor) -> torch.Tensor:
    return (db.clamp_min(FLOOR_DB) - CENTRE_DB) / SPAN_DB


CEILING_DB = 0.0        # no partial louder than full scale, no noise denser than unit
MAX_PITCH = 2.0         # two octaves either side of the reference note


def feature_to_db(f: torch.Tensor) -> torch.Tensor:
    """Features back to dB, within FLOOR_DB..CEILING_DB: whatever a network outputs (an
    untrained one, a diverged one) renders as bounded audio."""
    return (f * SPAN_DB + CENTRE_DB).clamp(FLOOR_DB, CEILING_DB)


SILENT = float((FLOOR_DB - CENTRE_DB) / SPAN_DB)


def normalise(features: torch.Tensor, spec: ControlSpec) -> torch.Tensor:
    """Features (n, F, T) -> what the network diffuses: (features - centre) / scale."""
    if not spec.centre:
        return features
    c = torch.tensor(spec.centre, dtype=features.dtype, device=features.device)[:, None]
    s = torch.tensor(spec.scale, dtype=features.dtype, device=features.device)[:, None]
    return (features - c) / s


def denormalise(x: torch.Tensor, spec: ControlSpec) -> torch.Tensor:
    if not spec.centre:
        return x
    c = torch.tensor(spec.centre, dtype=x.dtype, device=x.device)[:, None]
    s = torch.tensor(spec.scale, dtype=x.dtype, device=x.device)[:, None]
    return x * s + c


def statistics(features: torch.Tensor, min_scale: float = 0.05) -> tuple[tuple, tuple]:
    """(centre, scale) per feature of a data set (n, F, T) in float64, for ControlsConfig."""
    x = features.double()
    centre = x.mean(dim=(0, 2))
    scale = x.std(dim=(0, 2)).clamp_min(min_scale)
    return (tuple(round(float(v), 5) for v in centre), tuple(round(float(v), 5) for v in scale))


def split(features: torch.Tensor, spec: ControlSpec):
    """(n, F, frames) -> pitch (n, frames) in semitones / 12, harmonic dB (n, H, frames),
    noise dB (n, B, frames)."""
    h = spec.harmonics
    return (features[:, 0].clamp(-MAX_PITCH, MAX_PITCH), feature_to_db(features[:, 1:1 + h]),
            feature_to_db(features[:, 1 + h:]))


def join(pitch: torch.Tensor, harm_db: torch.Tensor, noise_db: torch.Tensor) -> torch.Tensor:
    return torch.cat([pitch[:, None], db_to_feature(harm_db), db_to_feature(noise_db)], dim=1)
