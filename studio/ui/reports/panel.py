"""The Reports dock: the latest report of each finished job, drawn by kind (see the package
docstring): a readout of its values (the headline ones large, like a meter), a plot of its
curves, the list of its markers (click one to select it and bring it into view) and its text.
Earlier reports stay reachable from the list at the top."""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (QComboBox, QGridLayout, QHBoxLayout, QHeaderView, QLabel,
                               QListWidget, QListWidgetItem, QPushButton, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from studio.ui import theme
from studio.ui.reports.formatting import (format_number, format_value, headline_keys,
                                          unit_of_label)
from studio.ui.reports.overlays import Mark

KEEP_REPORTS = 30
PLOT_PENS = [(255, 200, 80), (80, 200, 255), (255, 120, 160), (160, 255, 120)]


class PlainAxis(pg.AxisItem):
    """Tick labels as numbers people read: on a log axis "20", "100", "1k", "10k" rather than
    exponents (pyqtgraph's own log labels also pick up an SI scale: 1 kHz read 10^-6)."""

    def tickStrings(self, values, scale, spacing):
        if not self.logMode:
            return super().tickStrings(values, scale, spacing)
        out = []
        for v in values:
            x = 10.0 ** float(v)
            # 1, 2 and 5 of each decade: the labels of 30, 40, 60, 70... ran into each other
            mantissa = round(x / 10.0 ** math.floor(math.log10(x) + 1e-9), 6)
            if mantissa not in (1.0, 2.0, 5.0):
                out.append("")
                continue
            out.append(f"{x / 1000:g}k" if x >= 1000 else f"{x:g}")
        return out


@dataclass
class Shown:
    """A report as the dock keeps it: its job's title and op, when it came, its marks in
    document time, and the report itself."""
    title: str
    op_id: str
    when: float
    report: object
    marks: list[Mark]


class ReportsPanel(QWidget):
    mark_chosen = Signal(object)   # Mark: select it and bring it into view
    clear_marks = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.shown: list[Shown] = []
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        top = QHBoxLayout()
        self.history = QComboBox()
        self.history.setToolTip("Earlier reports of this session")
        self.clear_button = QPushButton("Clear marks")
        self.clear_button.setToolTip("Remove every report's markers and overlays from the views")
        top.addWidget(self.history, 1)
        top.addWidget(self.clear_button)
        lay.addLayout(top)
        self.empty = QLabel("Run an analysis (Process › Operations › Analyze, then Analyze): "
                            "its results appear here.")
        self.empty.setWordWrap(True)
        lay.addWidget(self.empty)
        self.headline = QWidget()
        self.headline_grid = QGridLayout(self.headline)
        self.headline_grid.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.headline)
        body = QHBoxLayout()
        self.table = QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels(["Measure", "Value"])
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setEditTriggers(QTableWidget.NoEditTriggers)
        self.table.setMaximumWidth(300)
        self.plot = pg.PlotWidget(axisItems={"bottom": PlainAxis("bottom"),
                                             "left": PlainAxis("left")})
        self.plot.showGrid(x=True, y=True, alpha=0.25)
        self.plot.addLegend(offset=(-10, 10))
        self.plot.setMinimumHeight(100)
        self.hover = pg.TextItem(anchor=(0, 1), color=(230, 230, 230))
        self.hover.setZValue(50)
        self.plot.plotItem.vb.scene().sigMouseMoved.connect(self._on_plot_hover_changed)
        self.markers = QListWidget()
        self.markers.setMaximumWidth(320)
        self.markers.setToolTip("Click a marker to select it and bring it into view")
        body.addWidget(self.table)
        body.addWidget(self.plot, 1)
        body.addWidget(self.markers)
        body.addStretch(0)  # without a plot the readout stays on the left
        lay.addLayout(body, 1)
        self.overlay_note = QLabel("")
        self.overlay_note.setWordWrap(True)
        lay.addWidget(self.overlay_note)
        self.text = QLabel("")
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextSelectableByMouse)
        lay.addWidget(self.text)
        self.history.currentIndexChanged.connect(self._on_history_changed)
        self.markers.itemClicked.connect(self._on_marker_clicked)
        self.clear_button.clicked.connect(self.clear_marks.emit)
        self._plot_units = ("", "")
        self._log_x = False
        self._show(None)

    # input ------------------------------------------------------------------------------
    def add(self, shown: Shown) -> None:
        self.shown.append(shown)
        if len(self.shown) > KEEP_REPORTS:
            self.shown.pop(0)
            self.history.removeItem(0)
        stamp = time.strftime("%H:%M:%S", time.localtime(shown.when))
        self.history.addItem(f"{shown.title} · {stamp}")
        self.history.setCurrentIndex(self.history.count() - 1)  # shows it

    def current(self) -> Shown | None:
        i = self.history.currentIndex()
        return self.shown[i] if 0 <= i < len(self.shown) else None

    def _on_history_changed(self, index: int) -> None:
        self._show(self.current())

    # drawing ----------------------------------------------------------------------------
    def _show(self, shown: Shown | None) -> None:
        report = None if shown is None else shown.report
        self.empty.setVisible(report is None)
        self._show_headline(report)
        self._show_values(report)
        self._show_curves(report)
        self._show_markers(shown)
        over = [] if report is None else [c.name or "curve" for c in report.curves if c.overlay]
        self.overlay_note.setText(f"Drawn over the spectrogram: {', '.join(over)}" if over
                                  else "")
        self.overlay_note.setVisible(bool(over))
        text = "" if report is None else (report.text or "")
        self.text.setText(text)
        self.text.setVisible(bool(text))

    def _show_headline(self, report) -> None:
        while self.headline_grid.count():
            w = self.headline_grid.takeAt(0).widget()
            if w is not None:
                w.deleteLater()
        keys = [] if report is None else headline_keys(report)
        self.headline_labels: dict[str, QLabel] = {}
        big = QFont(self.font())
        big.setPointSizeF(big.pointSizeF() * 1.9)
        big.setBold(True)
        for col, key in enumerate(keys):
            label, text = format_value(key, report.values[key])
            value = QLabel(text)
            value.setFont(big)
            value.setAlignment(Qt.AlignCenter)
            value.setToolTip(f"{label}: {text}")
            caption = QLabel(label)
            caption.setAlignment(Qt.AlignCenter)
            self.headline_grid.addWidget(value, 0, col)
            self.headline_grid.addWidget(caption, 1, col)
            self.headline_labels[key] = value
        self.headline.setVisible(bool(keys))

    def _show_values(self, report) -> None:
        values = {} if report is None else report.values
        self.table.setRowCount(len(values))
        for row, (key, v) in enumerate(values.items()):
            label, text = format_value(key, v)
            for col, s in enumerate((label, text)):
                item = QTableWidgetItem(s)
                item.setToolTip(f"{label}: {text}")
                self.table.setItem(row, col, item)
        self.table.setVisible(bool(values))

    def plotted(self) -> list:
        """The curves drawn in the dock's plot (tests)."""
        return [c for c in self.plot.plotItem.listDataItems()]

    def _show_curves(self, report) -> None:
        self.plot.clear()
        self.plot.addItem(self.hover, ignoreBounds=True)
        self.hover.setText("")
        curves = [] if report is None else [c for c in report.curves if not c.overlay]
        self.plot.setVisible(bool(curves))
        if not curves:
            return
        first = curves[0]
        self._log_x = bool(first.log_x)
        self.plot.setLogMode(x=self._log_x, y=False)
        self.plot.setLabel("bottom", first.x_label)
        self.plot.setLabel("left", first.y_label)
        # axis numbers are plain: the units are in the labels (no SI prefix guessing)
        for side in ("bottom", "left"):
            self.plot.getAxis(side).enableAutoSIPrefix(False)
        self._plot_units = (unit_of_label(first.x_label), unit_of_label(first.y_label))
        lo, hi = np.inf, -np.inf
        for i, c in enumerate(curves):
            x, y = np.asarray(c.x, float), np.asarray(c.y, float)
            keep = x > 0 if self._log_x else np.ones_like(x, bool)
            self.plot.plot(x[keep], y[keep], pen=pg.mkPen(PLOT_PENS[i % len(PLOT_PENS)]),
                           name=c.name or None, connect="finite")
            finite = y[keep][np.isfinite(y[keep])]
            if finite.size:
                lo, hi = min(lo, finite.min()), max(hi, finite.max())
        self.plot.enableAutoRange()
        if np.isfinite(lo):
            # a flat curve (a steady tone's loudness) would zoom into rounding noise and
            # label the axis -17.11878: keep at least a span of the values' own magnitude
            span = 10.0 ** np.floor(np.log10(max(abs(lo), abs(hi), 1e-9)))
            if hi - lo < span:
                mid = 0.5 * (lo + hi)
                self.plot.setYRange(mid - span / 2, mid + span / 2, padding=0.05)

    def _on_plot_hover_changed(self, pos) -> None:
        vb = self.plot.plotItem.vb
        if not self.plot.isVisible() or not vb.sceneBoundingRect().contains(pos):
            self.hover.setText("")
            return
        p = vb.mapSceneToView(pos)
        x = 10 ** p.x() if self._log_x else p.x()
        ux, uy = self._plot_units
        self.hover.setColor(theme.colors().text)  # the theme now (light grey vanished on white)
        self.hover.setText(f"{format_number(x, ux)} · {format_number(p.y(), uy)}")
        self.hover.setPos(p.x(), p.y())

    def _show_markers(self, shown: Shown | None) -> None:
        self.markers.clear()
        marks = [] if shown is None else shown.marks
        for mark in marks:
            item = QListWidgetItem(mark.describe())
            item.setData(Qt.UserRole, mark)
            item.setToolTip(mark.describe())
            self.markers.addItem(item)
        self.markers.setVisible(bool(marks))

    def _on_marker_clicked(self, item: QListWidgetItem) -> None:
        self.mark_chosen.emit(item.data(Qt.UserRole))
