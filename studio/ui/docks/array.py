"""The "Array" dock: the microphone-array layout editor from studio.ui.arrays when that
package provides it (imported lazily: the window works without it), else a placeholder."""
from __future__ import annotations

import importlib

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

CANDIDATES = ("LayoutEditor", "ArrayEditor", "ArrayLayoutEditor", "ArrayPanel")


def make_array_widget(parent=None) -> QWidget:
    try:
        mod = importlib.import_module("studio.ui.arrays")
        for name in CANDIDATES:
            cls = getattr(mod, name, None)
            if cls is not None:
                return cls(parent)
    except Exception as e:  # noqa: BLE001 - the array editor must never stop the window
        return _placeholder(f"The array editor could not start: {type(e).__name__}: {e}", parent)
    return _placeholder("The microphone-array layout editor is not installed in this build.",
                        parent)


def _placeholder(text: str, parent=None) -> QWidget:
    w = QWidget(parent)
    lay = QVBoxLayout(w)
    label = QLabel(text, wordWrap=True, alignment=Qt.AlignCenter)
    lay.addWidget(label)
    w.setObjectName("arrayPlaceholder")
    return w
