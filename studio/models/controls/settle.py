"""Holding what the network makes as smooth in time as real controls are.

The bundled network is under-trained, and what it leaves undone shows at the frame rate: it
removes the slow part of the noise but passes much of the frame-to-frame part, so its notes'
partials flutter by 10-13 dB every 10 ms where real ones move by about 1 dB
(`studio bench generate --only jitter`). That flutter is amplitude modulation at up to 50 Hz,
heard and measured as noise between the partials.

An ideal denoiser's output is an average of real controls, and real controls are smooth at
the frame rate by construction (the analysis's windows span several periods, and it smooths
levels over 5-9 frames). So each denoised estimate is smoothed the way the analysis smooths,
before the sampler uses it: every row (pitch, partial, noise band) is averaged in dB over
WIDTH frames, counting only the frames within GATE_DB of the window's median, so an attack's
step stays in its frame instead of being smeared into pre-echo. Averaging in dB, not power:
averaging power over a fluttering level would raise it by the flutter's spread.
"""
from __future__ import annotations

from typing import Callable

import torch

from studio.models.controls.analysis import gated_windows
from studio.models.controls.spec import ControlSpec, denormalise, join, normalise, split

WIDTH = 5           # frames: the analysis's window for partials
GATE_DB = 6.0       # dB for levels; the pitch is gated in semitones by the same number, so
                    # only a jump to another note stays out of a window

Denoise = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def _gated_mean(rows: torch.Tensor, width: int = WIDTH, gate: float = GATE_DB) -> torch.Tensor:
    """(..., T): each value the mean of its window's values within `gate` of their median
    (the analysis's gated window, averaged in dB instead of power)."""
    win, alike = gated_windows(rows.reshape(-1, rows.shape[-1]), width, gate)
    return ((win * alike).sum(-1) / alike.sum(-1)).reshape(rows.shape)


def smooth(features: torch.Tensor, spec: ControlSpec) -> torch.Tensor:
    """Controls (n, F, T), denormalised, smoothed along time row by row."""
    pitch, harm, noise = split(features, spec)
    pitch = _gated_mean(pitch * 12) / 12
    return join(pitch, _gated_mean(harm), _gated_mean(noise)).to(features.dtype)


def settled(denoise: Denoise, spec: ControlSpec) -> Denoise:
    """`denoise` (on normalised features) whose every estimate is smoothed in time."""
    def settle(x: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
        d = denoise(x, sigma)
        return normalise(smooth(denormalise(d.float(), spec), spec), spec).to(d.dtype)
    return settle
