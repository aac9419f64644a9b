"""The compare dialog: up to 4 parameter sets of one operation, each rendered as a take."""
from __future__ import annotations

from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QGroupBox, QHBoxLayout, QVBoxLayout)

from studio.ui.forms import ParamForm

MAX_SETS = 4


class CompareDialog(QDialog):
    def __init__(self, op, current: dict, n_sets: int = 3, parent=None):
        super().__init__(parent)
        self.setWindowTitle(f"Compare settings — {op.title}")
        lay = QVBoxLayout(self)
        row = QHBoxLayout()
        self.forms: list[ParamForm] = []
        for i in range(min(MAX_SETS, max(1, n_sets))):
            box = QGroupBox(f"Set {chr(65 + i)}")
            blay = QVBoxLayout(box)
            form = ParamForm(op.schema)
            form.set_values(current)
            blay.addWidget(form)
            row.addWidget(box)
            self.forms.append(form)
        lay.addLayout(row)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Ok).setText("Render takes")
        lay.addWidget(buttons)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

    def parameter_sets(self) -> list[dict]:
        return [f.values() for f in self.forms]
