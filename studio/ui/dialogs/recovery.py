"""The recovery prompt shown at start when a session did not close cleanly."""
from __future__ import annotations

from PySide6.QtWidgets import QMessageBox


def ask_recover(parent, descriptions: list[str]) -> bool:
    """True when the user wants the unsaved work back."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Question)
    box.setWindowTitle("Recover unsaved work")
    box.setText("The last session did not close cleanly. Recover its unsaved work?")
    box.setInformativeText("\n".join(descriptions[:5]))
    box.setStandardButtons(QMessageBox.Yes | QMessageBox.Discard)
    box.setDefaultButton(QMessageBox.Yes)
    box.setObjectName("recoveryPrompt")
    return box.exec() == QMessageBox.Yes
