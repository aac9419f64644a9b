"""The compare dialog: up to 4 parameter sets of one operation, each rendered as a take."""
from __future__ import annotations

from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QGroupBox, QHBoxLayout, QLabel,
                               QVBoxLayout)

from studio.engine.params import File
from studio.ui.dialogs.compare_sets import seed_sets
from studio.ui.forms import ParamForm

MAX_SETS = 4


class CompareDialog(QDialog):
    def __init__(self, op, current: dict, n_sets: int = 3, parent=None, uses: str = ""):
        """`uses`: what an empty file parameter stands for in this window (the document's
        learned noise profile): every set runs with it, so each set's field says so."""
        super().__init__(parent)
        self.setWindowTitle(f"Compare settings — {op.title}")
        lay = QVBoxLayout(self)
        self.uses_label = QLabel(f"Every set runs with: {uses}" if uses else "")
        self.uses_label.setVisible(bool(uses))
        lay.addWidget(self.uses_label)
        row = QHBoxLayout()
        self.forms: list[ParamForm] = []
        n_sets = min(MAX_SETS, max(1, n_sets))
        seeds = seed_sets(op, current, n_sets)  # distinct, useful variants to start from
        for i in range(n_sets):
            box = QGroupBox(f"Set {chr(65 + i)}")
            blay = QVBoxLayout(box)
            form = ParamForm(op.schema)
            form.set_values(seeds[i])
            if uses:
                for p in op.schema:
                    if isinstance(p, File) and p.name in form.editors:
                        form.editors[p.name].edit.setPlaceholderText(uses)
            blay.addWidget(form)
            row.addWidget(box)
            self.forms.append(form)
        lay.addLayout(row, 1)  # the sets take the height, not the line above them
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Ok).setText("Render takes")
        lay.addWidget(buttons)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

    def parameter_sets(self) -> list[dict]:
        return [f.values() for f in self.forms]
