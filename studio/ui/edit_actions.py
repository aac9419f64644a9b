"""Edits from menus, context menus and shortcuts. Each is a pure core edit (studio.core.edits)
wrapped in core's generic StateCommand, so every one is a named undo step; the window keeps
the clipboard (a core Clip: shared blocks, no copy)."""
from __future__ import annotations

from PySide6.QtWidgets import QInputDialog

from studio.core import edits
from studio.core.selection import Selection
from studio.errors import StudioError


class EditActions:
    def __init__(self, window):
        self.w = window
        self.clipboard = None

    @property
    def doc(self):
        return self.w.model.document

    def _sel(self, need_range: bool = True):
        doc = self.doc
        if doc is None:
            return None
        sel = doc.selection
        if need_range and sel.is_empty:
            self.w.notify("Select a range first (drag in the waveform)")
            return None
        return sel

    def run(self, name: str, fn, need_range: bool = True, selection_after=None) -> bool:
        """Apply `fn(state, sel) -> state` as one undoable step named `name`."""
        from studio.core.commands import StateCommand
        sel = self._sel(need_range)
        if sel is None:
            return False
        doc = self.doc
        before = doc.state
        try:
            after = fn(before, sel)
        except StudioError as e:
            self.w.notify(str(e))
            return False
        if after is before:
            return False
        new_sel = selection_after(sel, after) if selection_after else sel.clamp(
            after.n_frames, after.n_channels)
        doc.execute(StateCommand(name, before, after, sel, new_sel))
        return True

    # clipboard ----------------------------------------------------------------------------
    def copy(self) -> None:
        sel = self._sel()
        if sel is not None:
            self.clipboard = edits.copy(self.doc.state, sel)
            self.w.notify(f"Copied {sel.length / self.doc.state.sample_rate:.3f} s")

    def cut(self) -> None:
        sel = self._sel()
        if sel is None:
            return
        clip = edits.copy(self.doc.state, sel)
        if self.run("Cut", lambda st, s: edits.cut(st, s)[0],
                    selection_after=lambda s, st: Selection.cursor(s.start)):
            self.clipboard = clip

    def paste(self) -> None:
        if self.clipboard is None:
            self.w.notify("The clipboard is empty")
            return
        clip = self.clipboard
        n = _clip_frames(clip)
        self.run("Paste", lambda st, s: edits.paste(st, s, clip), need_range=False,
                 selection_after=lambda s, st: Selection(s.start, s.start + n))

    def delete(self) -> None:
        self.run("Delete", edits.delete, selection_after=lambda s, st: Selection.cursor(s.start))

    def trim(self) -> None:
        self.run("Trim", edits.trim,
                 selection_after=lambda s, st: Selection(0, st.n_frames))

    def silence(self) -> None:
        self.run("Silence", edits.silence)

    def insert_silence(self, seconds: float | None = None) -> None:
        if self.doc is None:
            return
        if seconds is None:
            seconds, ok = QInputDialog.getDouble(self.w, "Insert silence", "Seconds:", 1.0,
                                                 0.001, 3600.0, 3)
            if not ok:
                return
        frames = int(round(seconds * self.doc.state.sample_rate))
        self.run("Insert silence", lambda st, s: edits.insert_silence(st, s.start, frames),
                 need_range=False, selection_after=lambda s, st: Selection(s.start, s.start + frames))

    def gain(self, db: float | None = None) -> None:
        if db is None:
            db, ok = QInputDialog.getDouble(self.w, "Gain", "Gain (dB):", -3.0, -96.0, 48.0, 1)
            if not ok:
                return
        self.run(f"Gain {db:+.1f} dB", lambda st, s: edits.gain(st, s, db))

    def normalize(self, target: float | None = None) -> None:
        if target is None:
            target, ok = QInputDialog.getDouble(self.w, "Normalize", "Peak (dBFS):", -1.0,
                                                -60.0, 0.0, 1)
            if not ok:
                return
        self.run(f"Normalize to {target:.1f} dBFS",
                 lambda st, s: edits.normalize_peak(st, s, target))

    def normalize_loudness(self, target: float | None = None) -> None:
        if target is None:
            target, ok = QInputDialog.getDouble(self.w, "Normalize loudness", "Loudness (LUFS):",
                                                -23.0, -70.0, 0.0, 1)
            if not ok:
                return
        self.run(f"Loudness to {target:.1f} LUFS",
                 lambda st, s: edits.normalize_loudness(st, s, target))

    def fade_in(self) -> None:
        self.run("Fade in", lambda st, s: edits.fade_in(st, s, "s-curve"))

    def fade_out(self) -> None:
        self.run("Fade out", lambda st, s: edits.fade_out(st, s, "s-curve"))

    def reverse(self) -> None:
        self.run("Reverse", edits.reverse)

    def mix_down(self) -> None:
        self.run("Mix to mono", lambda st, s: edits.mix_down(st), need_range=False,
                 selection_after=lambda s, st: s.clamp(st.n_frames, 1))

    def change_rate(self, rate: int | None = None) -> None:
        if self.doc is None:
            return
        if rate is None:
            rate, ok = QInputDialog.getInt(self.w, "Change sample rate", "New rate (Hz):",
                                           self.doc.state.sample_rate, 1000, 384000)
            if not ok:
                return
        old = self.doc.state.sample_rate
        self.run(f"Resample to {rate} Hz", lambda st, s: edits.change_rate(st, rate),
                 need_range=False, selection_after=lambda s, st: Selection(
                     int(s.start * rate / old), int(s.end * rate / old)).clamp(st.n_frames))

    def apply_take(self, take) -> None:
        """Replace the take's range with its audio (undoable)."""
        doc = self.doc
        if doc is None or take is None:
            return
        if take.status == "stale":  # computed from audio that is no longer there
            self.w.notify(f"{take.name} was made from audio edited since: undo the edit, "
                          "or preview again")
            return
        a, b = take.start, take.end
        self.run(f"Apply {take.name}",
                 lambda st, s: edits.replace_range(st, a, b, take.audio, list(take.channels)),
                 need_range=False,
                 selection_after=lambda s, st: Selection(a, a + take.audio.shape[1]))

    # selection -----------------------------------------------------------------------------
    def select_all(self) -> None:
        if self.doc is not None:
            self.w.model.set_selection(Selection.all(self.doc.state.n_frames))

    def select_none(self) -> None:
        if self.doc is not None:
            self.w.model.set_selection(Selection.cursor(self.doc.selection.start))


def _clip_frames(clip) -> int:
    n = getattr(clip, "n_frames", None)
    if n is not None:
        return int(n)
    audio = getattr(clip, "audio", None) or getattr(clip, "channels", None)
    return len(audio[0]) if audio else 0
