"""The clip Interpolate morphs towards (its Extra "other", source "clip"): a side input the
user gives the way they have it — a clip of the Clips bin ("Use as B" there, or just
selected there), a take of the document, or a file — and that the form shows before it runs
("Morph towards: sample kick seed 3 · 0.75 s  [Choose…]"). It used to be asked for only
through a file dialog on Preview, so a clip just generated could not be used and the form
never said which clip a run would use.

The keeper holds the user's explicit choice (a copy of the samples: a bin clip removed or a
take dropped later does not change what the next run uses); with none, the clip selected in
the bin is used; with neither, Preview/Generate asks for a file, and that file becomes the
choice. The clip is given to the op through the same path as the learned noise profile
(menus.Actions._extras asks the side-input providers by Extra.source).
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (QFileDialog, QGroupBox, QHBoxLayout, QLabel, QMenu, QPushButton,
                               QVBoxLayout)

from studio.errors import StudioError

SOURCE = "clip"            # the Extra.source this keeper provides
EXTRA_MAX_S = 120.0        # a further input clip is read whole, at once


def read_clip_file(path: str):
    """(audio (C, N) float32, rate) of an audio file given as a further input clip; a
    StudioError (one line) when it is too long to read at once or unreadable."""
    from studio.io.audiofile import probe, read
    info = probe(path)
    if info.frames > EXTRA_MAX_S * info.samplerate:
        raise StudioError(f"{os.path.basename(path)} is longer than {EXTRA_MAX_S:g} s; "
                          "choose a shorter clip")
    return read(path)


@dataclass(frozen=True)
class ChosenClip:
    label: str            # what it is, as the form shows it ("sample kick seed 3")
    audio: np.ndarray     # (channels, frames) float32
    rate: int

    @property
    def seconds(self) -> float:
        return self.audio.shape[1] / self.rate

    def describe(self) -> str:
        return f"{self.label} · {self.seconds:.2f} s"


def takes_clip(op) -> bool:
    return any(e.source == SOURCE for e in op.extras)


class OtherClip(QObject):
    """Holds and provides the clip to morph towards; `changed` when what a run would use
    changes (a choice, or the bin's selection while nothing is chosen)."""
    changed = Signal()

    def __init__(self, window, parent=None):
        super().__init__(parent or window)
        self.w = window
        self.chosen: ChosenClip | None = None
        window.clip_bin.list.itemSelectionChanged.connect(self._on_bin_selection_changed)

    def _on_bin_selection_changed(self) -> None:
        if self.chosen is None:
            self.changed.emit()

    # choosing ------------------------------------------------------------------------------
    def choose(self, label: str, audio, rate: int) -> ChosenClip:
        self.chosen = ChosenClip(label, np.array(np.atleast_2d(audio), np.float32), int(rate))
        self.changed.emit()
        return self.chosen

    def choose_bin_clip(self, clip) -> ChosenClip:
        self.w.notify(f"Interpolate morphs towards {clip.name}")
        return self.choose(clip.name, clip.audio, clip.rate)

    def choose_take(self, take) -> ChosenClip:
        return self.choose(f"take {take.name}", take.audio, take.sample_rate)

    def choose_file(self) -> ChosenClip | None:
        path, _ = QFileDialog.getOpenFileName(self.w, "Interpolate: the clip to morph towards",
                                              "", _audio_filter())
        if not path:
            return None
        got = self.w.actions_.guarded(lambda: read_clip_file(path))
        return None if got is None else self.choose(os.path.basename(path), *got)

    def clear(self) -> None:
        self.chosen = None
        self.changed.emit()

    # what a run uses -----------------------------------------------------------------------
    def current(self) -> ChosenClip | None:
        """The chosen clip, else the one selected in the Clips bin, else None."""
        if self.chosen is not None:
            return self.chosen
        clip = self.w.clip_bin.current()
        return None if clip is None else ChosenClip(clip.name, clip.audio, clip.rate)

    def provide(self, ask: bool = True):
        """(audio (C, N), rate) for the op's Extra; with nothing chosen or selected, a file
        is asked for (None when the user cancels)."""
        got = self.current() or (self.choose_file() if ask else None)
        return None if got is None else (got.audio, got.rate)


class OtherClipPanel(QGroupBox):
    """Above Interpolate's form: which clip it morphs towards, and Choose… (the bin's clips,
    the document's takes, a file)."""

    def __init__(self, keeper: OtherClip, parent=None):
        super().__init__("Clip B", parent)
        self.keeper = keeper
        self.setObjectName("otherClipPanel")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 4, 6, 4)
        row = QHBoxLayout()
        self.text = QLabel(wordWrap=True)
        self.choose_btn = QPushButton("Choose…")
        self.choose_btn.setToolTip("The clip to morph the selection (A) towards: a clip of "
                                   "the Clips bin, a take, or a file")
        self.menu = QMenu(self)
        self.menu.aboutToShow.connect(self._fill_menu)
        self.choose_btn.setMenu(self.menu)
        row.addWidget(self.text, 1)
        row.addWidget(self.choose_btn)
        lay.addLayout(row)
        keeper.changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        k = self.keeper
        got = k.current()
        if got is None:
            self.text.setText("Morph towards: (none yet) — generate or select a clip in the "
                              "Clips bin and Use as B, or Choose… a take or a file")
        elif k.chosen is None:
            self.text.setText(f"Morph towards: {got.describe()} (selected in the Clips bin)")
        else:
            self.text.setText(f"Morph towards: {got.describe()}")

    def _fill_menu(self) -> None:
        m, k = self.menu, self.keeper
        m.clear()
        clips = k.w.clip_bin.entries()
        doc = k.w.model.document
        takes = list(doc.takes) if doc is not None else []
        m.addSection("Clips bin")
        for clip in clips:
            a = m.addAction(f"{clip.name} · {clip.seconds:.2f} s")
            a.triggered.connect(lambda _=False, c=clip: k.choose_bin_clip(c))
        if not clips:
            m.addAction("(no clips yet)").setEnabled(False)
        m.addSection("Takes")
        for take in takes:
            a = m.addAction(take.name)
            a.triggered.connect(lambda _=False, t=take: k.choose_take(t))
        if not takes:
            m.addAction("(no takes)").setEnabled(False)
        m.addSeparator()
        m.addAction("File…").triggered.connect(lambda: k.choose_file())
        clear = m.addAction("Forget the choice (use the bin's selected clip)")
        clear.setEnabled(k.chosen is not None)
        clear.triggered.connect(k.clear)


def _audio_filter() -> str:
    from studio.ui import file_ops
    return file_ops.AUDIO_FILTER
