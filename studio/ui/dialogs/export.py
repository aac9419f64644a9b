"""The export dialog: file, format, bit depth, sample rate, selection only, and what to do
with samples over full scale when the chosen format cannot hold them (an integer format clips
them): write 32-bit float, normalise to -0.1 dBFS, or clip, chosen with the count in view."""
from __future__ import annotations

import os

from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFileDialog,
                               QFormLayout, QHBoxLayout, QLabel, QLineEdit, QToolButton,
                               QWidget)

from studio.ui.views.levels import dbfs

FORMATS = {"WAV": ".wav", "FLAC": ".flac", "OGG Vorbis": ".ogg", "AIFF": ".aiff"}
# a typed extension chooses the format: the file must hold what its name says
EXTENSIONS = {**{e: name for name, e in FORMATS.items()}, ".oga": "OGG Vorbis", ".aif": "AIFF"}
PATH_WIDTH = (420, 900)  # px: the suggested path shows whole, within reason
DEPTHS = {"16-bit": "PCM_16", "24-bit": "PCM_24", "32-bit float": "FLOAT"}
RATES = (0, 22050, 32000, 44100, 48000, 88200, 96000)
FLOAT_FORMATS = ("WAV", "AIFF")  # the formats here that hold 32-bit float samples
NORMALISE_DBFS = -0.1
OVERS = {"float": "Write 32-bit float (keeps them)",
         "normalise": f"Normalise to {NORMALISE_DBFS} dBFS",
         "clip": "Clip them"}


class ExportDialog(QDialog):
    def __init__(self, suggested_path: str, rate: int, has_selection: bool, parent=None,
                 overs=None):
        """`overs(selection_only) -> (count, peak, exact)` counts the samples over full scale
        in what would be exported (None: the dialog does not ask)."""
        super().__init__(parent)
        self._count_overs = overs
        self.setWindowTitle("Export audio")
        form = QFormLayout(self)
        row = QWidget()
        lay = QHBoxLayout(row)
        lay.setContentsMargins(0, 0, 0, 0)
        self.path = QLineEdit(suggested_path)
        self.path.setMinimumWidth(min(max(PATH_WIDTH[0], QFontMetrics(self.path.font())
                                          .horizontalAdvance(suggested_path) + 24),
                                      PATH_WIDTH[1]))
        browse = QToolButton(text="…")
        lay.addWidget(self.path, 1)
        lay.addWidget(browse)
        form.addRow("File", row)
        self.problem = QLabel("")  # one line when the typed name cannot be exported
        self.problem.setStyleSheet("color: #d9534f")
        self.problem.setVisible(False)
        form.addRow("", self.problem)
        self.format = QComboBox()
        self.format.addItems(list(FORMATS))
        form.addRow("Format", self.format)
        self.depth = QComboBox()
        self.depth.addItems(list(DEPTHS))
        self.depth.setCurrentText("24-bit")
        form.addRow("Bit depth", self.depth)
        self.rate = QComboBox()
        for r in RATES:
            self.rate.addItem(f"{r} Hz" if r else f"Document rate ({rate} Hz)", r)
        form.addRow("Sample rate", self.rate)
        self.selection_only = QCheckBox("Selection only")
        self.selection_only.setEnabled(has_selection)
        form.addRow("", self.selection_only)
        self.overs_label = QLabel("")
        self.overs_label.setWordWrap(True)
        self.overs_choice = QComboBox()
        form.addRow(self.overs_label)
        form.addRow("Over 0 dBFS", self.overs_choice)
        self._overs_rows = (self.overs_label, self.overs_choice,
                            form.labelForField(self.overs_choice))
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        self.export_button = buttons.button(QDialogButtonBox.Ok)
        self.export_button.setText("Export")
        form.addRow(buttons)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        browse.clicked.connect(self._on_browse_changed)
        self.format.currentTextChanged.connect(self._on_format_changed)
        self.depth.currentTextChanged.connect(self._on_overs_changed)
        self.selection_only.toggled.connect(self._on_overs_changed)
        self.path.textChanged.connect(self._on_path_changed)
        self._on_path_changed(suggested_path)
        self._on_overs_changed()

    def _writes_float(self) -> bool:
        return self.format.currentText() != "OGG Vorbis" and \
            DEPTHS[self.depth.currentText()] == "FLOAT"

    def _on_overs_changed(self, *_) -> None:
        """Ask only when there are overs and the chosen format would clip them."""
        count, peak, exact = (self._count_overs(self.selection_only.isChecked())
                              if self._count_overs else (0, 0.0, True))
        ask = count > 0 and not self._writes_float()
        for w in self._overs_rows:
            w.setVisible(ask)
        if not ask:
            return
        depth = "Vorbis" if self.format.currentText() == "OGG Vorbis" else \
            self.depth.currentText()
        self.overs_label.setText(
            f"⚠ Samples over 0 dBFS: {count}{'' if exact else '+'} (peak {dbfs(peak)}). "
            f"{depth} cannot hold them: they would be clipped.")
        keep = self.overs_choice.currentData()
        self.overs_choice.clear()
        for key, text in OVERS.items():
            if key != "float" or self.format.currentText() in FLOAT_FORMATS:
                self.overs_choice.addItem(text, key)
        i = self.overs_choice.findData(keep)
        self.overs_choice.setCurrentIndex(i if i >= 0 else self.overs_choice.findData("normalise"))

    def _on_browse_changed(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export to", self.path.text(),
                                              "Audio (*.wav *.flac *.ogg *.aiff)")
        if path:
            self.path.setText(path)

    def _extension(self) -> str:
        return os.path.splitext(self.path.text())[1].lower()

    def _on_path_changed(self, _text: str = "") -> None:
        """The format follows a known extension; an unknown one is refused here, in one
        line, before anything is written (no extension: the format's is added)."""
        ext = self._extension()
        known = not ext or ext in EXTENSIONS
        names = list(FORMATS.values())
        self.problem.setText("" if known else f"Cannot export {ext}: name the file "
                             f"{', '.join(names[:-1])} or {names[-1]}")
        self.problem.setVisible(not known)
        self.export_button.setEnabled(known)
        if ext in EXTENSIONS and self.format.currentText() != EXTENSIONS[ext]:
            self.format.setCurrentText(EXTENSIONS[ext])

    def accept(self) -> None:
        if self.export_button.isEnabled():
            super().accept()

    def _on_format_changed(self, name: str) -> None:
        if EXTENSIONS.get(self._extension()) != name:  # a name that says otherwise follows
            self.path.setText(os.path.splitext(self.path.text())[0] + FORMATS[name])
        vorbis = name == "OGG Vorbis"
        self.depth.setEnabled(not vorbis)
        if name == "FLAC" and self.depth.currentText() == "32-bit float":
            self.depth.setCurrentText("24-bit")
        self._on_overs_changed()

    def options(self) -> dict:
        """What to write; "overs" is None, "normalise" or "clip" (float is a subtype)."""
        fmt = self.format.currentText()
        subtype = "VORBIS" if fmt == "OGG Vorbis" else DEPTHS[self.depth.currentText()]
        overs = self.overs_choice.currentData() if self.overs_choice.isVisibleTo(self) else None
        if overs == "float":
            subtype, overs = "FLOAT", None
        path = self.path.text() if self._extension() else self.path.text() + FORMATS[fmt]
        return {"path": path, "format": FORMATS[fmt].lstrip("."),
                "subtype": subtype, "rate": self.rate.currentData() or None,
                "selection_only": self.selection_only.isChecked(), "overs": overs}
