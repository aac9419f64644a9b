"""The undo history dock: every step by name; click a step to jump there (undo or redo
until the document is at that step)."""
from __future__ import annotations

from PySide6.QtWidgets import QListWidget, QListWidgetItem, QVBoxLayout, QWidget


class HistoryPanel(QWidget):
    def __init__(self, model, parent=None):
        super().__init__(parent)
        self.model = model
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        self.list = QListWidget()
        self.list.setToolTip("Click a step to go back (or forward) to it")
        lay.addWidget(self.list)
        self.list.itemClicked.connect(self._on_item_changed)
        model.history_changed.connect(self.refresh)
        model.state_changed.connect(self.refresh)
        model.document_replaced.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        doc = self.model.document
        self.list.blockSignals(True)
        self.list.clear()
        if doc is not None:
            names = ["Opened"] + list(doc.history.names())
            for i, name in enumerate(names):
                item = QListWidgetItem(name)
                if i > doc.history.index:
                    f = item.font()
                    f.setItalic(True)
                    item.setFont(f)
                    item.setForeground(self.palette().placeholderText())
                self.list.addItem(item)
            self.list.setCurrentRow(doc.history.index)
        self.list.blockSignals(False)

    def jump_to(self, row: int) -> None:
        doc = self.model.document
        if doc is None:
            return
        while doc.history.index > row and doc.can_undo:
            doc.undo()
        while doc.history.index < row and doc.can_redo:
            doc.redo()

    def _on_item_changed(self, item) -> None:
        self.jump_to(self.list.row(item))
