"""The editable coordinate table: one row per microphone, positions in the chosen unit."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from studio.arrays.geometry import DIRECTIVITY_ALPHA, Layout

UNITS = {"m": 1.0, "cm": 100.0, "mm": 1000.0}
DECIMALS = {"m": 4, "cm": 2, "mm": 1}  # a tenth of a millimetre in every unit: one width per column
COLUMNS = ("x", "y", "z", "on", "gain", "directivity", "azimuth °")
# shown headers: short, so that the docked table shows every column (the tips say more)
HEADERS = {"directivity": ("pattern", "Directivity pattern: omni, cardioid, figure8"),
           "azimuth °": ("facing °", "The azimuth a directional microphone faces (degrees "
                                     "from +x toward +y)")}
NUMBER_COLUMNS = (0, 1, 2, 4, 6)
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
        self._set_headers()
        # positions first and readable; the rest scrolls when the dock is narrow. Columns
        # are fitted to their text once per new layout, not per cell change (ResizeToContents
        # re-measured every row on each drag frame and cost more than the figures)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.itemChanged.connect(self._on_item_changed)

    def _headers(self):
        return [f"{c} ({self.units})" if c in "xyz" else HEADERS.get(c, (c,))[0]
                for c in COLUMNS]

    def _set_headers(self) -> None:
        self.setHorizontalHeaderLabels(self._headers())
        for i, c in enumerate(COLUMNS):
            if c in HEADERS:
                self.horizontalHeaderItem(i).setToolTip(HEADERS[c][1])

    def set_units(self, units: str, layout: Layout) -> None:
        self.units = units
        self._set_headers()
        self.fill(layout)

    def fill(self, layout: Layout, rows=None) -> None:
        """Show the layout; `rows` limits the refresh to some microphones (during a drag)."""
        self._filling = True
        try:
            if self.rowCount() != len(layout.mics):
                self.setRowCount(len(layout.mics))
                rows = None
            scale, d = UNITS[self.units], DECIMALS[self.units]
            for r in (range(len(layout.mics)) if rows is None else rows):
                m = layout.mics[r]
                values = (f"{m.x * scale:.{d}f}", f"{m.y * scale:.{d}f}",
                          f"{m.z * scale:.{d}f}", None, f"{m.gain:.3g}", m.directivity,
                          f"{m.azimuth:.1f}")
                for c, text in enumerate(values):
                    item = self.item(r, c)
                    if item is None:
                        item = QTableWidgetItem()
                        if c in NUMBER_COLUMNS:  # numbers line up on their decimal point
                            item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                                  | Qt.AlignmentFlag.AlignVCenter)
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
