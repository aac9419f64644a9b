"""The takes dock: previews and compare results as a list; choose one for B, toggle A/B
(gapless), apply a take through an undoable command, remove takes."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QHBoxLayout, QListWidget, QListWidgetItem, QPushButton,
                               QVBoxLayout, QWidget)

from studio.ui.reports.formatting import format_value

STATUS_TEXT = {"stale": "  · audio edited since", "applied": "  · applied"}
STALE_TIP = ("The audio under this take was edited after it was made: it can be auditioned, "
             "not applied. Undo the edit, or preview again.")


class TakesPanel(QWidget):
    take_chosen = Signal(object)   # Take or None
    ab_toggled = Signal(bool)      # True plays B (the take)
    apply_take = Signal(object)    # Take

    def __init__(self, model, parent=None):
        super().__init__(parent)
        self.model = model
        self._shown: set = set()  # ids of the takes listed last time
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        self.list = QListWidget()
        self.list.setToolTip("Takes: candidate results. Select one, then A/B to audition it")
        lay.addWidget(self.list, 1)
        row = QHBoxLayout()
        self.ab = QPushButton("A/B")
        self.ab.setCheckable(True)
        self.ab.setToolTip("Play the original (A) or the selected take (B) — no gap (B key)")
        self.apply_btn = QPushButton("Apply take")
        self.remove_btn = QPushButton("Remove")
        for b in (self.ab, self.apply_btn, self.remove_btn):
            row.addWidget(b)
        lay.addLayout(row)
        self.list.currentItemChanged.connect(self._on_current_changed)
        self.ab.toggled.connect(self._on_ab_changed)
        self.apply_btn.clicked.connect(self._on_apply_changed)
        self.remove_btn.clicked.connect(self._on_remove_changed)
        model.takes_changed.connect(self.refresh)
        model.document_replaced.connect(self.refresh)
        self.refresh()

    def current_take(self):
        item = self.list.currentItem()
        doc = self.model.document
        if item is None or doc is None:
            return None
        tid = item.data(Qt.UserRole)
        return doc.takes.get(tid) if tid in doc.takes else None

    def refresh(self) -> None:
        doc = self.model.document
        keep = self.list.currentItem().data(Qt.UserRole) if self.list.currentItem() else None
        # a take the list has not shown yet is what the user just asked for: it becomes the
        # current one (B), so A/B plays the newest preview, not an older take
        ids = [t.id for t in doc.takes] if doc is not None else []
        new = [i for i in ids if i not in self._shown]
        if new:
            keep = new[-1]
        self._shown = set(ids)
        self.list.blockSignals(True)
        self.list.clear()
        takes = list(doc.takes) if doc is not None else []
        for t in takes:
            rate = t.sample_rate
            item = QListWidgetItem(f"{t.name}   [{t.start / rate:.2f}–{t.end / rate:.2f} s]"
                                   + STATUS_TEXT.get(t.status, ""))
            item.setData(Qt.UserRole, t.id)
            # rounded, with units, as the Reports dock shows them (never a raw float)
            tip = "\n".join(": ".join(format_value(k, v)) for k, v in (t.report or {}).items())
            if t.status == "stale":  # made from audio that was edited since
                item.setForeground(QColor(150, 150, 150))
                tip = STALE_TIP + ("\n\n" + tip if tip else "")
            if tip:
                item.setToolTip(tip)
            self.list.addItem(item)
            if t.id == keep:
                self.list.setCurrentItem(item)
        if self.list.currentItem() is None and takes:
            self.list.setCurrentRow(self.list.count() - 1)
        self.list.blockSignals(False)
        has = bool(takes)
        for b in (self.ab, self.apply_btn, self.remove_btn):
            b.setEnabled(has)
        if not has and self.ab.isChecked():
            self.ab.setChecked(False)
        self.take_chosen.emit(self.current_take())

    def _on_current_changed(self, *args) -> None:
        self.take_chosen.emit(self.current_take())

    def _on_ab_changed(self, on: bool) -> None:
        self.ab.setText("B: take" if on else "A/B")
        self.ab_toggled.emit(on)

    def _on_apply_changed(self) -> None:
        t = self.current_take()
        if t is not None:
            self.apply_take.emit(t)

    def _on_remove_changed(self) -> None:
        t = self.current_take()
        if t is not None:
            self.model.document.takes.remove(t.id)
