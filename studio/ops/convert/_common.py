"""What the conversion operations share: the monophonic check and its parameter."""
from __future__ import annotations

import torch

from studio.dsp.voice.f0 import PitchTrack, frame_length
from studio.dsp.voice.polyphony import Monophony, check_monophonic
from studio.engine.params import Choice
from studio.errors import StudioError, TooShort

IF_POLYPHONIC = Choice(
    "if_polyphonic", default="stop", options=("stop", "best_effort"),
    help="Chords or noise cannot be converted faithfully: stop with a message, or convert "
         "the strongest pitch anyway and say so in the report")


def monophony_gate(title: str, x: torch.Tensor, sr: int, track: PitchTrack,
                   mode: str) -> tuple[Monophony, str]:
    """Check the input; raise a one-line StudioError in 'stop' mode, else return a note.
    Audio shorter than one pitch frame is refused first, in any mode: it has no pitch to
    follow, and would be called unpitched (or fail deep in the synthesis) otherwise."""
    if x.shape[-1] < frame_length(sr):
        raise TooShort(frames=frame_length(sr))
    mono = check_monophonic(x, sr, track)
    if mono.ok:
        return mono, ""
    if mode == "stop":
        raise StudioError(f"{title} needs one voice or one instrument: {mono.describe()} "
                          "(set if_polyphonic=best_effort to convert anyway)")
    return mono, f"best-effort mode: {mono.describe()}; the result follows one pitch only"


def as_mono_batch(audio: torch.Tensor) -> torch.Tensor:
    """Channels are converted independently, as a batch (B = channels)."""
    return audio.float()
