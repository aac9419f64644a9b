"""A clip: audio copied out of a document (the clipboard), as Sequences sharing its blocks."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from studio.core.sequence import Sequence


@dataclass(frozen=True)
class Clip:
    audio: tuple[Sequence, ...]  # one per channel, equal lengths
    sample_rate: int

    @classmethod
    def from_array(cls, data, sample_rate: int) -> "Clip":
        data = np.atleast_2d(np.asarray(data, dtype=np.float32))
        return cls(tuple(Sequence.from_array(row) for row in data), int(sample_rate))

    @property
    def n_channels(self) -> int:
        return len(self.audio)

    @property
    def n_frames(self) -> int:
        return len(self.audio[0]) if self.audio else 0

    def to_array(self) -> np.ndarray:
        return np.stack([s.read() for s in self.audio]) if self.audio else np.zeros((0, 0), np.float32)
