"""The export dialog: file, format, bit depth, sample rate, selection only."""
from __future__ import annotations

import os

from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFileDialog,
                               QFormLayout, QHBoxLayout, QLineEdit, QToolButton, QWidget)

FORMATS = {"WAV": ".wav", "FLAC": ".flac", "OGG Vorbis": ".ogg", "AIFF": ".aiff"}
DEPTHS = {"16-bit": "PCM_16", "24-bit": "PCM_24", "32-bit float": "FLOAT"}
RATES = (0, 22050, 32000, 44100, 48000, 88200, 96000)


class ExportDialog(QDialog):
    def __init__(self, suggested_path: str, rate: int, has_selection: bool, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Export audio")
        form = QFormLayout(self)
        row = QWidget()
        lay = QHBoxLayout(row)
        lay.setContentsMargins(0, 0, 0, 0)
        self.path = QLineEdit(suggested_path)
        browse = QToolButton(text="…")
        lay.addWidget(self.path, 1)
        lay.addWidget(browse)
        form.addRow("File", row)
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
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        form.addRow(buttons)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        browse.clicked.connect(self._on_browse_changed)
        self.format.currentTextChanged.connect(self._on_format_changed)
        ext = os.path.splitext(suggested_path)[1].lower()
        for name, e in FORMATS.items():
            if e == ext:
                self.format.setCurrentText(name)

    def _on_browse_changed(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export to", self.path.text(),
                                              "Audio (*.wav *.flac *.ogg *.aiff)")
        if path:
            self.path.setText(path)

    def _on_format_changed(self, name: str) -> None:
        base = os.path.splitext(self.path.text())[0]
        self.path.setText(base + FORMATS[name])
        vorbis = name == "OGG Vorbis"
        self.depth.setEnabled(not vorbis)
        if name == "FLAC" and self.depth.currentText() == "32-bit float":
            self.depth.setCurrentText("24-bit")

    def options(self) -> dict:
        fmt = self.format.currentText()
        return {"path": self.path.text(), "format": FORMATS[fmt].lstrip("."),
                "subtype": "VORBIS" if fmt == "OGG Vorbis" else DEPTHS[self.depth.currentText()],
                "rate": self.rate.currentData() or None,
                "selection_only": self.selection_only.isChecked()}
