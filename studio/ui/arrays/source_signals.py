"""What each source of a simulated recording plays: one row per source drawn in the Array
dock, each a test signal, the open document (its selection, or its start), or a file the
user has. The rows give the simulate operation's extra inputs (`source1`, `source2`, ...)."""
from __future__ import annotations

import os

from PySide6.QtWidgets import (QComboBox, QDoubleSpinBox, QFileDialog, QGridLayout, QLabel,
                               QWidget)

from studio.errors import StudioError
from studio.ui.arrays import test_signals

DOCUMENT_MAX_S = 30.0  # a source read from the open document: its selection, or this much
DOCUMENT = "the open document (selection)"
FILE = "a file…"
CHOICES = tuple(f"test: {k}" for k in test_signals.KINDS) + (DOCUMENT, FILE)


class SourceSignals(QWidget):
    def __init__(self, extras, parent=None):
        super().__init__(parent)
        self.extras = tuple(extras)
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.addWidget(QLabel("test signal length"), 0, 0)
        self.seconds = QDoubleSpinBox(minimum=0.1, maximum=60.0, value=2.0, singleStep=0.5,
                                      suffix=" s", decimals=1)
        self.grid.addWidget(self.seconds, 0, 1)
        self.rows: list[tuple[QLabel, QComboBox]] = []
        self.files: dict[int, str] = {}

    def show_sources(self, sources) -> None:
        """One row per source of the layout (as many as the operation takes)."""
        shown = list(sources)[:len(self.extras)]
        while len(self.rows) < len(shown):
            k = len(self.rows)
            label, combo = QLabel(), QComboBox()
            combo.addItems(list(CHOICES))
            combo.setCurrentIndex(k % len(test_signals.KINDS))  # different sources differ
            combo.activated.connect(lambda _i, k=k: self._on_choice_changed(k))
            self.grid.addWidget(label, k + 1, 0)
            self.grid.addWidget(combo, k + 1, 1)
            self.rows.append((label, combo))
        for k, (label, combo) in enumerate(self.rows):
            label.setVisible(k < len(shown))
            combo.setVisible(k < len(shown))
            if k < len(shown):
                s = shown[k]
                label.setText(f"{s.name or f'source {k + 1}'} at ({s.x:.2f}, {s.y:.2f}, "
                              f"{s.z:.2f}) m")
        self._shown = len(shown)

    def _on_choice_changed(self, k: int) -> None:
        combo = self.rows[k][1]
        if combo.currentText() == FILE:
            path, _ = QFileDialog.getOpenFileName(self, f"Signal of source {k + 1}", "",
                                                  "Audio (*.wav *.flac *.ogg *.aiff *.mp3)")
            if path:
                self.files[k] = path
                combo.setItemText(combo.currentIndex(), f"file: {os.path.basename(path)}")
            else:
                combo.setCurrentIndex(0)

    def choose(self, k: int, choice: str) -> None:
        """Pick row k's signal by its text (tests, and a file row once a file is chosen)."""
        combo = self.rows[k][1]
        combo.setCurrentIndex(max(0, combo.findText(choice)))

    def collect(self, rate: int, model) -> dict:
        """{extra name: (audio (C, N), rate)}; `model` is the window's DocumentModel."""
        if not getattr(self, "_shown", 0):
            raise StudioError("The layout has no source: add one in the Array dock "
                              "(Add source), then place it on the plan")
        out = {}
        for k in range(self._shown):
            text = self.rows[k][1].currentText()
            name = self.extras[k].name
            if text.startswith("test: "):
                kind = text[len("test: "):]
                out[name] = (test_signals.make(kind, self.seconds.value(), rate, seed=k + 1), rate)
            elif text == DOCUMENT:
                out[name] = _from_document(model)
            else:
                out[name] = _from_file(self.files.get(k))
        return out


def _from_document(model):
    state = model.state
    if state is None:
        raise StudioError("No document is open to take a source signal from")
    sel = model.selection
    a, b = (sel.start, sel.end) if sel is not None and not sel.is_empty else (0, state.n_frames)
    b = min(b, a + int(DOCUMENT_MAX_S * state.sample_rate))
    return state.read(a, b), state.sample_rate


def _from_file(path: str | None):
    if not path:
        raise StudioError("Choose the source's file first")
    from studio.io.audiofile import probe, read
    info = probe(path)
    if info.frames > DOCUMENT_MAX_S * info.samplerate * 4:
        raise StudioError(f"{os.path.basename(path)} is longer than {4 * DOCUMENT_MAX_S:g} s; "
                          f"choose a shorter clip")
    return read(path)
