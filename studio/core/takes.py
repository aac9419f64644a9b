"""Takes: named candidate results (audio plus the operation and parameters that made them),
tied to the document range they would replace. The user compares them, then applies one
through commands.replace_range."""
from __future__ import annotations

import dataclasses
import time
import uuid
from dataclasses import dataclass, field
from typing import Callable, Iterator

import numpy as np

from studio.core.take_tracking import TakeTracker


@dataclass(frozen=True)
class Take:
    id: str
    name: str
    start: int                 # document range [start, end) the take replaces
    end: int
    channels: tuple[int, ...]  # document channels, one per row of `audio`
    audio: np.ndarray          # (C, N) float32; N may differ from end - start
    sample_rate: int
    op_id: str = ""
    params: dict = field(default_factory=dict)
    created: float = field(default_factory=time.time)
    report: dict | None = None
    # "" while the audio under it is the audio it was made from; "stale" once that audio was
    # edited; "applied" once its own audio is there (core.take_tracking)
    status: str = ""

    def __post_init__(self):
        audio = np.asarray(self.audio, dtype=np.float32)
        if audio.ndim != 2 or audio.shape[0] != len(self.channels):
            raise ValueError("take audio must be (channels, frames), one row per channel")
        audio.flags.writeable = False
        object.__setattr__(self, "audio", audio)

    @staticmethod
    def new_id() -> str:
        return uuid.uuid4().hex[:12]

    def moved(self, start: int, end: int, status: str) -> "Take":
        return dataclasses.replace(self, start=start, end=end, status=status)


class TakeList:
    """Ordered takes; `on_change()` (if given) is called after every change."""

    def __init__(self, on_change: Callable[[], None] | None = None):
        self._takes: list[Take] = []
        self._on_change = on_change
        self._tracker = TakeTracker()

    def follow(self, old_state, new_state) -> None:
        """Move or mark the takes for the document's change from old_state to new_state."""
        if not self._takes:
            return
        moved = self._tracker.follow(self._takes, old_state, new_state)
        if any(a is not b for a, b in zip(moved, self._takes)):
            self._takes = moved
            self._changed()

    def _changed(self):
        if self._on_change is not None:
            self._on_change()

    def add(self, take: Take) -> Take:
        if any(t.id == take.id for t in self._takes):
            raise ValueError(f"take id {take.id} already present")
        self._takes.append(take)
        self._changed()
        return take

    def remove(self, take_id: str) -> Take:
        take = self.get(take_id)
        self._takes.remove(take)
        self._changed()
        return take

    def get(self, take_id: str) -> Take:
        for t in self._takes:
            if t.id == take_id:
                return t
        raise KeyError(take_id)

    def clear(self):
        if self._takes:
            self._takes.clear()
            self._changed()

    def __iter__(self) -> Iterator[Take]:
        return iter(list(self._takes))

    def __len__(self) -> int:
        return len(self._takes)

    def __contains__(self, take_id: object) -> bool:
        return any(t.id == take_id for t in self._takes)
