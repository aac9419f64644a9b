"""How much a note's controls flutter from one frame to the next.

Real controls are smooth at the frame rate: the analysis's windows span several periods and
its levels are smoothed over 5-9 frames, so a held note's partials move by about 1 dB and its
pitch by a few hundredths of a semitone from frame to frame. A denoiser that leaves noise in
what it makes shows it here first: partials that flutter by several dB every 10 ms are
amplitude-modulated at up to half the frame rate, which spreads each partial's energy into
sidebands, heard and measured as noise between the partials (a bass's partials lie 30-60 Hz
apart, so 50 Hz of flutter lands between them). Pitch flutter does the same to the upper
partials.
"""
from __future__ import annotations

import torch

from studio.models.controls.spec import ControlSpec, split

SPAN = (10, 60)        # frames: 0.1-0.6 s at 100 frames a second, where a note is held
LOUDEST = 8            # partials looked at: the first ones, where a note's energy lies
WITHIN_DB = 40.0       # of the loudest partial (or band) on average over the span


def _rms_step(db: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
    """RMS of the frame-to-frame steps of the rows of db (n, rows, T) where keep (n, rows)."""
    steps = db.diff(dim=-1).pow(2).mean(dim=-1)
    return (steps * keep).sum(dim=1).div(keep.sum(dim=1).clamp_min(1)).sqrt()


def frame_jitter(features: torch.Tensor, spec: ControlSpec, span: tuple[int, int] = SPAN
                 ) -> dict[str, torch.Tensor]:
    """Per note (n,) over the frames of `span` of controls (n, F, T) as `features` gives
    them (denormalised): "harmonics" and "noise", the RMS step in dB between neighbouring
    frames of the first LOUDEST partials and of the noise bands, each counted only where its
    mean level lies within WITHIN_DB of the loudest; "pitch", the RMS step in semitones."""
    pitch, harm, noise = split(features.double()[..., span[0]:span[1]], spec)
    harm = harm[:, :LOUDEST]
    out = {}
    for name, db in (("harmonics", harm), ("noise", noise)):
        level = db.mean(dim=-1)
        out[name] = _rms_step(db, level >= level.amax(dim=1, keepdim=True) - WITHIN_DB)
    out["pitch"] = (12 * pitch).diff(dim=-1).pow(2).mean(dim=-1).sqrt()
    return out
