"""The editable coordinate table: one row per microphone, positions in the chosen unit."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from studio.arrays.geometry import DIRECTIVITY_ALPHA, Layout

UNITS = {"m": 1.0, "cm": 100.0, "mm": 1000.0}
COLUMNS = ("x", "y", "z", "on", "gain", "directivity", "azimuth °")
CHECK_FLAGS = (Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled
               | Qt.ItemFlag.ItemIsSelectable)


class CoordinateTable(QTableWidget):
    # row, field ("x", "y", "z", "enabled", "gain", "directivity", "azimuth"), value (SI)
    edited = Signal(int, str, object)
    rejected = Signal(str)

    def __init__(self, parent=None):
        super().__init__(0, len(COLUMNS), parent)
        self.units = "cm"
        self._filling = False
        self.setHorizontalHeaderLabels(self._headers())
        # positions first and readable; the rest scrolls when the dock is narrow. Columns
        # are fitted to their text once per new layout, not per cell change (ResizeToContents
        # re-measured every row on each drag frame and cost more than the figures)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.itemChanged.connect(self._on_item_changed)

    def _headers(self):
        return [f"{c} ({self.units})" if c in "xyz" else c for c in COLUMNS]

    def set_units(self, units: str, layout: Layout) -> None:
        self.units = units
        self.setHorizontalHeaderLabels(self._headers())
        self.fill(layout)

    def fill(self, layout: Layout, rows=None) -> None:
        """Show the layout; `rows` limits the refresh to some microphones (during a drag)."""
        self._filling = True
        try:
            if self.rowCount() != len(layout.mics):
                self.setRowCount(len(layout.mics))
                rows = None
            scale = UNITS[self.units]
            for r in (range(len(layout.mics)) if rows is None else rows):
                m = layout.mics[r]
                values = (f"{m.x * scale:.6g}", f"{m.y * scale:.6g}", f"{m.z * scale:.6g}", None,
                          f"{m.gain:.6g}", m.directivity, f"{m.azimuth:.6g}")
                for c, text in enumerate(values):
                    item = self.item(r, c)
                    if item is None:
                        item = QTableWidgetItem()
                        self.setItem(r, c, item)
                    if c == 3:
                        if item.flags() != CHECK_FLAGS:
                            item.setFlags(CHECK_FLAGS)
                        state = Qt.CheckState.Checked if m.enabled else Qt.CheckState.Unchecked
                        if item.checkState() != state:
                            item.setCheckState(state)
                    elif item.text() != text:
                        item.setText(text)
            if rows is None:
                self.resizeColumnsToContents()
        finally:
            self._filling = False

    def _on_item_changed(self, item: QTableWidgetItem) -> None:
        if self._filling:
            return
        r, c = item.row(), item.column()
        name = COLUMNS[c]
        try:
            if name in "xyz":
                value = float(item.text()) / UNITS[self.units]
            elif name == "on":
                name, value = "enabled", item.checkState() == Qt.CheckState.Checked
            elif name == "gain":
                value = float(item.text())
            elif name == "directivity":
                value = item.text().strip().lower().replace("-", "")
                if value not in DIRECTIVITY_ALPHA:
                    raise ValueError
            else:
                name, value = "azimuth", float(item.text())
        except ValueError:
            self.rejected.emit(f"'{item.text()}' is not a valid {COLUMNS[c]}")
            return
        self.edited.emit(r, name, value)
