"""The audio document: immutable `AudioState`s (one Sequence per channel) and the mutable
`Document` the app edits, which replaces its state through undoable commands.

Listeners subscribe with plain callbacks (no Qt here; the UI adapts them to signals):
callback(kind, detail) for kind in "state", "selection", "takes", "history".
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import numpy as np

from studio.core.history import History
from studio.core.selection import Selection
from studio.core.sequence import Sequence
from studio.core.summary import Summary
from studio.core.takes import TakeList
from studio.errors import BadAudioError

MAX_CHANNELS = 256
MAX_RATE = 1_536_000


def check_rate(rate) -> int:
    r = int(rate)
    if r != rate or not 1 <= r <= MAX_RATE:
        raise BadAudioError(f"Unusable sample rate: {rate}")
    return r


@dataclass(frozen=True)
class AudioState:
    """One immutable version of the document's audio; undo states share its blocks."""
    sample_rate: int
    channels: tuple[Sequence, ...]
    channel_names: tuple[str, ...] = field(default=())

    def __post_init__(self):
        object.__setattr__(self, "channels", tuple(self.channels))
        check_rate(self.sample_rate)
        if not 1 <= len(self.channels) <= MAX_CHANNELS:
            raise BadAudioError(f"Unusable channel count: {len(self.channels)}")
        lengths = {len(s) for s in self.channels}
        if len(lengths) != 1:
            raise ValueError(f"channels differ in length: {sorted(lengths)}")
        names = tuple(self.channel_names) or default_names(len(self.channels))
        if len(names) != len(self.channels):
            raise ValueError("one channel name per channel")
        object.__setattr__(self, "channel_names", names)

    @classmethod
    def from_array(cls, data, rate: int, channel_names: Iterable[str] = ()) -> "AudioState":
        """data shaped (C, N) (a 1-D array is one channel); copied into blocks."""
        data = np.asarray(data, dtype=np.float32)
        if data.ndim == 1:
            data = data[None, :]
        if data.ndim != 2:
            raise BadAudioError(f"Audio must be (channels, frames), got shape {data.shape}")
        return cls(int(rate), tuple(Sequence.from_array(row) for row in data), tuple(channel_names))

    @property
    def n_channels(self) -> int:
        return len(self.channels)

    @property
    def n_frames(self) -> int:
        return len(self.channels[0])

    @property
    def duration(self) -> float:
        return self.n_frames / self.sample_rate

    def read(self, a: int = 0, b: int | None = None, channels=None) -> np.ndarray:
        """A new (C, N) float32 array of frames [a, b) of `channels` (default all)."""
        b = self.n_frames if b is None else b
        chans = range(self.n_channels) if channels is None else channels
        out = np.empty((len(chans), max(0, int(b) - int(a))), np.float32)
        for row, c in enumerate(chans):
            out[row] = self.channels[c].read(a, b)
        return out

    def summary(self, channel: int, a: int, b: int, ncols: int) -> Summary:
        return self.channels[channel].summary(a, b, ncols)

    def with_channels(self, seqs, names=None) -> "AudioState":
        return AudioState(self.sample_rate, tuple(seqs),
                          tuple(names) if names is not None else self.channel_names)

    def blocks(self) -> dict[int, Any]:
        """id -> Block for every block this state holds (for memory accounting)."""
        out: dict[int, Any] = {}
        for s in self.channels:
            out.update(zip(map(id, s.blocks), s.blocks))  # C-level loops: 1 h = 1320 blocks
        return out


def default_names(n: int) -> tuple[str, ...]:
    if n == 1:
        return ("Mono",)
    if n == 2:
        return ("Left", "Right")
    return tuple(f"Channel {i + 1}" for i in range(n))


Listener = Callable[[str, Any], None]


class Document:
    """The mutable holder the app edits: current state, history, selection, takes."""

    def __init__(self, state: AudioState, path=None, source_info: dict | None = None,
                 history: History | None = None):
        self._state = state
        self.history = history or History()
        self._selection = Selection.cursor(0)
        self._listeners: list[Listener] = []
        self.takes = TakeList(on_change=lambda: self._notify("takes", None))
        self.path = path
        self.source_info = dict(source_info or {})
        self._saved_state: AudioState | None = state

    @classmethod
    def from_array(cls, data, rate: int, **kw) -> "Document":
        return cls(AudioState.from_array(data, rate), **kw)

    @classmethod
    def from_state(cls, state: AudioState, **kw) -> "Document":
        return cls(state, **kw)

    # ----- state and selection
    @property
    def state(self) -> AudioState:
        return self._state

    @property
    def selection(self) -> Selection:
        return self._selection

    def set_selection(self, sel: Selection) -> None:
        sel = sel.clamp(self._state.n_frames, self._state.n_channels)
        if sel != self._selection:
            self._selection = sel
            self._notify("selection", sel)

    def set_state(self, state: AudioState, selection: Selection | None = None) -> None:
        """Replace the state (commands call this; everything else goes through execute)."""
        changed = state is not self._state
        old, self._state = self._state, state
        if changed:
            self.takes.follow(old, state)  # takes move with edits, or go stale
            self._notify("state", state)
        self.set_selection(selection if selection is not None else self._selection)

    @property
    def is_modified(self) -> bool:
        return self._state is not self._saved_state

    def mark_saved(self) -> None:
        self._saved_state = self._state
        self._notify("history", None)

    def mark_unsaved(self) -> None:
        """Audio that exists in no file yet (generated, recovered): closing asks first."""
        self._saved_state = None
        self._notify("history", None)

    # ----- commands and history
    def execute(self, command) -> None:
        """Run a command and record it as an undo step (bundled/merged as the history decides).
        A state command that changes nothing (after is before) only moves the selection."""
        command.do(self)
        if getattr(command, "after", None) is not None and command.after is command.before:
            return
        self.history.push(command, self)
        self._notify("history", None)

    def undo(self) -> None:
        if self.history.undo(self):
            self._notify("history", None)

    def redo(self) -> None:
        if self.history.redo(self):
            self._notify("history", None)

    @property
    def can_undo(self) -> bool:
        return self.history.can_undo

    @property
    def can_redo(self) -> bool:
        return self.history.can_redo

    @property
    def undo_name(self) -> str | None:
        return self.history.undo_name

    @property
    def redo_name(self) -> str | None:
        return self.history.redo_name

    # ----- listeners
    def subscribe(self, callback: Listener) -> Callable[[], None]:
        self._listeners.append(callback)

        def unsubscribe():
            if callback in self._listeners:
                self._listeners.remove(callback)
        return unsubscribe

    def _notify(self, kind: str, detail) -> None:
        for cb in list(self._listeners):
            cb(kind, detail)
