"""The "Array" dock: the microphone-array layout editor from studio.ui.arrays (owned by the
arrays area), built the first time the dock is shown (it holds several plots and costs
seconds to build on a loaded machine; most sessions never open it), and the bridge that keeps
its layout in the session manifest's `extensions["array_layout"]` (the editor's
`get_layout()` dict, i.e. `studio.arrays.geometry.Layout.to_dict()`).

Editor contract used here: `ArrayEditor(parent)`, `get_layout() -> dict`,
`set_layout(dict | None)`, signal `layout_changed(dict)`."""
from __future__ import annotations

import importlib

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow, QVBoxLayout, QWidget

EXTENSION_KEY = "array_layout"
DOCK_SHARE = 0.45  # of the window's height, given to the dock when the editor first opens


def _editor_class():
    """The editor class, or a one-line reason why there is none."""
    try:
        mod = importlib.import_module("studio.ui.arrays")
    except ImportError:
        return None, "The microphone-array layout editor is not part of this build."
    except Exception as e:  # noqa: BLE001 - the array editor must never stop the window
        return None, f"The array editor could not start: {type(e).__name__}: {e}"
    cls = getattr(mod, "ArrayEditor", None)
    return (cls, "") if cls is not None else (None, "studio.ui.arrays has no ArrayEditor.")


class ArrayDock(QWidget):
    """Holds the editor once built; until then it keeps the layout to show as a dict."""
    layout_changed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("arrayDockHost")
        self._lay = QVBoxLayout(self)
        self._lay.setContentsMargins(0, 0, 0, 0)
        self.editor: QWidget | None = None
        self.error = ""
        self._pending: dict | None = None

    def ensure_editor(self) -> QWidget | None:
        if self.editor is not None or self.error:
            return self.editor
        cls, self.error = _editor_class()
        if cls is not None:
            try:
                self.editor = cls(self)
            except Exception as e:  # noqa: BLE001 - see _editor_class
                self.error = f"The array editor could not start: {type(e).__name__}: {e}"
        if self.editor is None:
            label = QLabel(self.error, wordWrap=True, alignment=Qt.AlignCenter)
            label.setObjectName("arrayPlaceholder")
            self._lay.addWidget(label)
            label.show()
            return None
        self._lay.addWidget(self.editor)
        self.editor.show()  # added to a host already on screen: Qt does not show it by itself
        self._give_room()
        if self._pending is not None:
            self.editor.set_layout(self._pending)
            self._pending = None
        self.editor.layout_changed.connect(lambda *_: self.layout_changed.emit())
        return self.editor

    def _give_room(self) -> None:
        """The bottom dock area was sized for the jobs list (about 120 px); the editor's plan
        and map need a good part of the window's height when it first opens (later the user's
        own splitter position stands)."""
        dock, window = self.parentWidget(), self.window()
        if not isinstance(dock, QDockWidget) or not isinstance(window, QMainWindow):
            return
        want = max(self.editor.minimumSizeHint().height() + 30,
                   int(DOCK_SHARE * window.height()))
        window.resizeDocks([dock], [want], Qt.Vertical)

    def on_dock_visibility_changed(self, visible: bool) -> None:
        """Connected to the dock's visibilityChanged, which (unlike showEvent) says whether
        its tab is the current one: a hidden tab must not build the editor, whose minimum
        height would stretch the whole bottom dock area."""
        if visible:
            self.ensure_editor()

    def layout_dict(self) -> dict | None:
        """The layout to store (None when the editor was never built nor given one)."""
        if self.editor is not None:
            return self.editor.get_layout()
        return self._pending

    def set_layout_dict(self, data: dict | None) -> None:
        """Show a stored layout (None: the editor's default)."""
        if self.editor is not None:
            self.editor.set_layout(data)
        else:
            self._pending = data
