"""The Clips bin: where every generated clip lands, in the one window.

Why a bin and not a window or a document per clip: a musician generating one-shots works the
way a sample browser (Splice, XO, a DAW's browser) and stable-audio-tools' Gradio page let
them: press Generate again and again with the same settings or a new seed, listen to each
result at once, keep the good ones, and drop one into the piece they are working on. Opening
a window per clip buried the piece under copies and reset the form each time; a "Generated"
document with takes would still replace the piece in this single-document window. So the
clips collect in a dock beside the Takes dock, which outlives the open document, and the
operation form is left as it was (the next Generate runs the same settings).

Each entry is named by what made it (op, class, seed, note) and its length. From the bin a
clip is:
- auditioned: Play (or double-click) plays it on the chosen output, from the top;
- compared: select two and toggle A/B: the player switches between them at the same
  position, as the Takes dock does for a take against the document;
- inserted into the open document at the cursor, or dragged onto the waveform and inserted
  where it is dropped (resampled to the document's rate, on every channel), as one undoable
  step, "Insert <clip>";
- exported as a file (the format follows the extension), or opened as a document of its own.
Closing the window asks first when some clip was none of these (it exists nowhere else).
"""
from __future__ import annotations

import itertools
import os
import re
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtWidgets import (QFileDialog, QHBoxLayout, QLabel, QListWidget, QListWidgetItem,
                               QPushButton, QVBoxLayout, QWidget)

from studio.ui._clip_player import ClipPlayer

_ids = itertools.count(1)
CLIP_MIME = "application/x-studio-bin-clip"  # a drag from the bin: the clip's id


@dataclass(frozen=True)
class BinClip:
    name: str
    audio: np.ndarray          # (channels, frames) float32
    rate: int
    op_id: str = ""
    params: dict = field(default_factory=dict)
    id: int = field(default_factory=lambda: next(_ids))

    @property
    def seconds(self) -> float:
        return self.audio.shape[1] / self.rate


def clips_of(gen) -> list[BinClip]:
    """The clips of a generator's result (jobs.Generated): each take, or the one clip."""
    if not gen.takes:
        return [BinClip(gen.name, np.atleast_2d(gen.audio), gen.rate, gen.op_id,
                        dict(gen.params))]
    base = gen.stem or gen.name  # the take names say their own seed and note
    out = []
    for take_name, audio in gen.takes:
        rest = re.sub(r"^take \d+ ", "", take_name)  # "take 2 seed 6 C3" -> "seed 6 C3"
        out.append(BinClip(f"{base} {rest}".strip(), np.atleast_2d(audio), gen.rate,
                           gen.op_id, dict(gen.params)))
    return out


class _ClipList(QListWidget):
    """The bin's list; dragging entries out carries their ids (drop on the waveform)."""

    def mimeTypes(self):
        return [CLIP_MIME]

    def mimeData(self, items):
        data = QMimeData()
        data.setData(CLIP_MIME, ",".join(str(i.data(Qt.UserRole)) for i in items).encode())
        return data


class ClipBin(QWidget):
    insert_requested = Signal(object)   # BinClip
    export_requested = Signal(object, str)  # BinClip, path
    open_requested = Signal(object)     # BinClip
    use_as_b_requested = Signal(object)  # BinClip: the clip Interpolate morphs towards
    notice = Signal(str)

    def __init__(self, output_device=lambda: None, parent=None):
        super().__init__(parent)
        self.clips: dict[int, BinClip] = {}
        self.kept: set[int] = set()  # exported, inserted or opened: they exist elsewhere
        self.player = ClipPlayer(output_device, self)
        self._playing_id: int | None = None
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        self.hint = QLabel("Generated clips land here: press Generate in the Operations "
                           "dock (Generate menu).", wordWrap=True)
        lay.addWidget(self.hint)
        self.list = _ClipList()
        self.list.setSelectionMode(QListWidget.ExtendedSelection)
        self.list.setDragEnabled(True)
        self.list.setDragDropMode(QListWidget.DragOnly)
        self.list.setToolTip("Double-click to play; drag a clip onto the waveform to insert "
                             "it there")
        self.list.setAlternatingRowColors(True)
        lay.addWidget(self.list, 1)
        row1, row2 = QHBoxLayout(), QHBoxLayout()
        self.play_btn = QPushButton("▶ Play")
        self.play_btn.setToolTip("Play the selected clip (double-click a clip to play it)")
        self.ab = QPushButton("A/B")
        self.ab.setCheckable(True)
        self.ab.setToolTip("With two clips selected: off plays the first (A), on the second "
                           "(B); switching while playing keeps the position")
        self.insert_btn = QPushButton("Insert at cursor")
        self.insert_btn.setToolTip("Insert the clip into the open document at the cursor "
                                   "(undoable)")
        self.export_btn = QPushButton("Export…")
        self.export_btn.setToolTip("Save the clip as an audio file")
        self.open_btn = QPushButton("Open")
        self.open_btn.setToolTip("Open the clip as a document of its own")
        self.remove_btn = QPushButton("Remove")
        self.use_b_btn = QPushButton("Use as B")
        self.use_b_btn.setToolTip("Interpolate morphs the document's selection (A) towards "
                                  "this clip (B)")
        for b in (self.play_btn, self.ab, self.insert_btn):
            row1.addWidget(b)
        for b in (self.export_btn, self.open_btn, self.use_b_btn, self.remove_btn):
            row2.addWidget(b)
        lay.addLayout(row1)
        lay.addLayout(row2)
        self.play_btn.clicked.connect(self._on_play_changed)
        self.ab.toggled.connect(self._on_ab_changed)
        self.insert_btn.clicked.connect(lambda: self._emit_current(self.insert_requested))
        self.open_btn.clicked.connect(lambda: self._emit_current(self.open_requested))
        self.use_b_btn.clicked.connect(lambda: self._emit_current(self.use_as_b_requested))
        self.export_btn.clicked.connect(self._on_export_changed)
        self.remove_btn.clicked.connect(self._on_remove_changed)
        self.list.itemDoubleClicked.connect(lambda item: self.play(self._clip(item)))
        self.list.itemSelectionChanged.connect(self._on_selection_changed)
        self.player.playing_changed.connect(self._on_playing_changed)
        self._on_selection_changed()

    # contents ----------------------------------------------------------------------------
    def add(self, clips: list[BinClip]) -> None:
        """List `clips` at the end and select them (the newest is what the user hears next)."""
        self.list.clearSelection()
        for clip in clips:
            self.clips[clip.id] = clip
            n = self.list.count() + 1
            item = QListWidgetItem(f"{n}. {clip.name} · {clip.seconds:.2f} s · "
                                   f"{clip.rate / 1000:g} kHz")
            item.setData(Qt.UserRole, clip.id)
            item.setToolTip(", ".join(f"{k}={v}" for k, v in clip.params.items()))
            self.list.addItem(item)
            item.setSelected(True)
        if clips:
            self.list.setCurrentRow(self.list.count() - 1, _keep_selection())
            self.list.scrollToBottom()

    def from_mime(self, mime) -> list[BinClip]:
        """The clips a drag from this bin carries ([] for any other drag)."""
        if not mime.hasFormat(CLIP_MIME):
            return []
        ids = bytes(mime.data(CLIP_MIME)).decode().split(",")
        return [self.clips[int(i)] for i in ids if i.isdigit() and int(i) in self.clips]

    def unkept(self) -> list[BinClip]:
        """The clips that exist only here (closing the window would lose them)."""
        return [c for c in self.entries() if c.id not in self.kept]

    def entries(self) -> list[BinClip]:
        return [self._clip(self.list.item(i)) for i in range(self.list.count())]

    def selected(self) -> list[BinClip]:
        items = sorted(self.list.selectedItems(), key=self.list.row)
        return [self._clip(i) for i in items]

    def current(self) -> BinClip | None:
        sel = self.selected()
        if len(sel) >= 2:
            return sel[1] if self.ab.isChecked() else sel[0]
        return sel[0] if sel else None

    def _clip(self, item) -> BinClip:
        return self.clips[item.data(Qt.UserRole)]

    # playing -----------------------------------------------------------------------------
    def play(self, clip: BinClip | None) -> bool:
        if clip is None:
            return False
        if not self.player.play(clip.audio, clip.rate):
            self.notice.emit("No audio output to play the clip on")
            return False
        self._playing_id = clip.id
        self.notice.emit(f"Playing {clip.name}")
        return True

    def _on_play_changed(self) -> None:
        if self.player.playing:
            self.player.stop()
        else:
            self.play(self.current())

    def _on_ab_changed(self, on: bool) -> None:
        self.ab.setText("A/B: B" if on else "A/B")
        clip = self.current()
        if self.player.playing and clip is not None and clip.id != self._playing_id:
            self.player.switch(clip.audio)  # same position, the other clip
            self._playing_id = clip.id

    def _on_playing_changed(self, on: bool) -> None:
        self.play_btn.setText("■ Stop" if on else "▶ Play")
        if not on:
            self._playing_id = None

    # actions -----------------------------------------------------------------------------
    def _emit_current(self, signal) -> None:
        clip = self.current()
        if clip is not None:
            signal.emit(clip)

    def _on_export_changed(self, path: str | None = None) -> None:
        clip = self.current()
        if clip is None:
            return
        if not isinstance(path, str) or not path:
            from studio.ui.dialogs.save_places import user_folder
            # in the user's folder, not wherever the app was started from
            base = os.path.join(user_folder(),
                                re.sub(r"[^\w.-]+", "-", clip.name).strip("-") + ".wav")
            path, _ = QFileDialog.getSaveFileName(self, "Export clip", base,
                                                  "WAV (*.wav);;FLAC (*.flac);;All files (*)")
            if not path:
                return
        if not os.path.splitext(path)[1]:
            path += ".wav"
        self.kept.add(clip.id)
        self.export_requested.emit(clip, path)

    def _on_remove_changed(self) -> None:
        for item in self.list.selectedItems():
            self.clips.pop(item.data(Qt.UserRole), None)
            self.list.takeItem(self.list.row(item))
        self._on_selection_changed()

    def _on_selection_changed(self) -> None:
        n = len(self.list.selectedItems())
        for b in (self.play_btn, self.insert_btn, self.export_btn, self.open_btn,
                  self.use_b_btn):
            b.setEnabled(n >= 1)
        self.remove_btn.setEnabled(n >= 1)
        self.ab.setEnabled(n >= 2)
        self.hint.setVisible(self.list.count() == 0)


def _keep_selection():
    from PySide6.QtCore import QItemSelectionModel
    return QItemSelectionModel.NoUpdate
