"""Undoable commands. `StateCommand` swaps a document between two AudioStates (which share
their untouched blocks); each factory below runs a pure edit from edits.py and wraps it with
the human name shown as "Undo <name>".

Factories take the Document and an optional Selection (default: the document's). Edits that
process a range treat a cursor (no range) as "the whole document"; the clipboard and
length-changing edits act on the selection exactly. Usage:

    doc.execute(commands.fade_in(doc, shape="s-curve"))
    cmd, clip = commands.cut(doc)
    doc.execute(cmd)
"""
from __future__ import annotations

from typing import Any, Hashable

from studio.core import edits
from studio.core.clip import Clip
from studio.core.document import AudioState
from studio.core.selection import Selection
from studio.errors import StudioError


class StateCommand:
    """Set the document to `after` (do) or back to `before` (undo), with the selections."""

    def __init__(self, name: str, before: AudioState, after: AudioState,
                 selection_before: Selection | None = None, selection_after: Selection | None = None,
                 merge_key: Hashable | None = None):
        self.name = name
        self.before, self.after = before, after
        self.selection_before = selection_before
        self.selection_after = selection_after
        self.merge_key = merge_key

    def do(self, doc) -> None:
        if doc.state is not self.before:
            raise StudioError(f"Cannot {self.name.lower()}: the document changed meanwhile")
        doc.set_state(self.after, self.selection_after)

    def undo(self, doc) -> None:
        doc.set_state(self.before, self.selection_before)

    def merge(self, other: Any) -> bool:
        """Absorb a later command of the same kind that started where this one ended."""
        if not isinstance(other, StateCommand) or other.before is not self.after:
            return False
        self.after = other.after
        self.selection_after = other.selection_after
        return True

    def states(self):
        yield self.before
        yield self.after

    def __repr__(self) -> str:
        return f"StateCommand({self.name!r})"


def _sel(doc, sel: Selection | None) -> Selection:
    return (sel if sel is not None else doc.selection).clamp(doc.state.n_frames, doc.state.n_channels)


def _range_or_all(doc, sel: Selection | None) -> Selection:
    """The selection, or the whole document (same channels) when it is only a cursor."""
    s = _sel(doc, sel)
    return s.moved(0, doc.state.n_frames) if s.is_empty else s


def _command(doc, name, after, sel_before, sel_after, merge_key=None) -> StateCommand:
    return StateCommand(name, doc.state, after, sel_before, sel_after, merge_key)


# ----- clipboard and length-changing
def copy(doc, sel: Selection | None = None) -> Clip:
    """Not a command: the selected audio as a Clip sharing the document's blocks."""
    return edits.copy(doc.state, _sel(doc, sel))


def cut(doc, sel: Selection | None = None) -> tuple[StateCommand, Clip]:
    s = _sel(doc, sel)
    after, clip = edits.cut(doc.state, s)
    return _command(doc, "Cut", after, s, Selection.cursor(s.start)), clip


def delete(doc, sel: Selection | None = None) -> StateCommand:
    s = _sel(doc, sel)
    return _command(doc, "Delete", edits.delete(doc.state, s), s, Selection.cursor(s.start))


def paste(doc, clip: Clip, sel: Selection | None = None) -> StateCommand:
    s = _sel(doc, sel)
    after = edits.paste(doc.state, s, clip)
    pasted = after.n_frames - doc.state.n_frames + s.length
    return _command(doc, "Paste", after, s, s.moved(s.start, s.start + pasted))


def trim(doc, sel: Selection | None = None) -> StateCommand:
    s = _sel(doc, sel)
    if s.is_empty:
        raise StudioError("Select the range to keep first")
    after = edits.trim(doc.state, s)
    return _command(doc, "Trim", after, s, s.moved(0, after.n_frames))


def insert_silence(doc, frames: int, at: int | None = None) -> StateCommand:
    s = _sel(doc, None)
    at = s.start if at is None else int(at)
    after = edits.insert_silence(doc.state, at, frames)
    return _command(doc, "Insert Silence", after, s, Selection(at, at + int(frames)))


def replace_range(doc, a: int, b: int, audio, channels=None, name: str = "Apply") -> StateCommand:
    """Apply a processing result (or a take) to [a, b); the new audio is selected after."""
    after = edits.replace_range(doc.state, a, b, audio, channels)
    s = _sel(doc, None)
    new_end = a + (after.n_frames - doc.state.n_frames) + (b - a)
    chans = None if channels is None else frozenset(channels)
    return _command(doc, name, after, s, Selection(a, new_end, s.f_lo, s.f_hi, chans))


def apply_take(doc, take) -> StateCommand:
    return replace_range(doc, take.start, take.end, take.audio, take.channels, name=f"Apply {take.name}")


# ----- length-keeping, on the selection (or everything)
def silence(doc, sel: Selection | None = None) -> StateCommand:
    s = _range_or_all(doc, sel)
    return _command(doc, "Silence", edits.silence(doc.state, s), _sel(doc, sel), s)


def gain(doc, db: float, sel: Selection | None = None, bundle: bool = True) -> StateCommand:
    """Gain in dB. Repeated gains on the same selection within a second bundle into one undo
    step (a slider drag), unless bundle=False."""
    s = _range_or_all(doc, sel)
    key = ("gain", s) if bundle else None
    return _command(doc, "Gain", edits.gain(doc.state, s, db), _sel(doc, sel), s, key)


def normalize_peak(doc, target_dbfs: float = -1.0, sel: Selection | None = None) -> StateCommand:
    s = _range_or_all(doc, sel)
    return _command(doc, "Normalize", edits.normalize_peak(doc.state, s, target_dbfs), _sel(doc, sel), s)


def normalize_loudness(doc, target_lufs: float = -23.0, sel: Selection | None = None) -> StateCommand:
    s = _range_or_all(doc, sel)
    after = edits.normalize_loudness(doc.state, s, target_lufs)
    return _command(doc, "Normalize Loudness", after, _sel(doc, sel), s)


def fade_in(doc, shape: str = "linear", sel: Selection | None = None) -> StateCommand:
    s = _range_or_all(doc, sel)
    return _command(doc, "Fade In", edits.fade_in(doc.state, s, shape), _sel(doc, sel), s)


def fade_out(doc, shape: str = "linear", sel: Selection | None = None) -> StateCommand:
    s = _range_or_all(doc, sel)
    return _command(doc, "Fade Out", edits.fade_out(doc.state, s, shape), _sel(doc, sel), s)


def reverse(doc, sel: Selection | None = None) -> StateCommand:
    s = _range_or_all(doc, sel)
    return _command(doc, "Reverse", edits.reverse(doc.state, s), _sel(doc, sel), s)


# ----- whole document
def change_rate(doc, new_rate: int) -> StateCommand:
    s = _sel(doc, None)
    after = edits.change_rate(doc.state, new_rate)
    scale = after.sample_rate / doc.state.sample_rate
    moved = s.moved(int(round(s.start * scale)), int(round(s.end * scale))).clamp(after.n_frames)
    return _command(doc, "Change Sample Rate", after, s, moved)


def mix_down(doc, sel: Selection | None = None) -> StateCommand:
    s = _sel(doc, sel)
    after = edits.mix_down(doc.state, s)
    return _command(doc, "Mix Down to Mono", after, s, Selection(s.start, s.end, s.f_lo, s.f_hi))
