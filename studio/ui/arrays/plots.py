"""The array's figures as plots: polar pattern at one frequency, the azimuth x frequency
map with a steering cursor (vertical) and the polar frequency (horizontal) as draggable
lines, white-noise gain and directivity index against frequency (`gains`, placed by the
editor), and inline warnings.
It draws `studio.arrays.live.Figures` (numpy); it computes nothing."""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGraphicsItem, QGridLayout, QLabel, QSizePolicy, QWidget

POLAR_RANGE_DB = 40.0


def cache_axes(plot: pg.PlotWidget) -> None:
    """Let Qt keep each axis (ticks, labels and its grid lines, which span the whole plot) as
    a pixmap: the axes of a plot whose range does not change are then blitted, not redrawn
    from their recorded text and lines, whenever a curve in the plot changes (which marks
    the whole plot area, grid included, for repainting)."""
    for name in ("left", "bottom", "right", "top"):
        axis = plot.getPlotItem().getAxis(name)
        if axis is not None:
            axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)


class FiguresPanel(QWidget):
    steer_moved = Signal(float)      # degrees, from the map's cursor
    polar_freq_moved = Signal(float)  # Hz

    def __init__(self, parent=None):
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        # short titles: a plot's title is as wide as its text at least, and a docked
        # column narrower than that crops the plot instead of shrinking it
        self.polar = pg.PlotWidget(title="polar")
        self.polar.setAspectLocked(True)
        self.polar.hideAxis("bottom")
        self.polar.hideAxis("left")
        self.polar.setMouseEnabled(False, False)
        # fixed ranges everywhere: an auto-ranged plot re-measures its items and regenerates
        # its axes on every update, which cost more than the figures themselves
        self.polar.setRange(xRange=(-POLAR_RANGE_DB, POLAR_RANGE_DB),
                            yRange=(-POLAR_RANGE_DB, POLAR_RANGE_DB), padding=0.02)
        self.polar.disableAutoRange()
        for level in (10, 20, 30, 40):  # rings every 10 dB
            t = np.linspace(0, 2 * np.pi, 121)
            r = level
            self.polar.plot(r * np.cos(t), r * np.sin(t), pen=pg.mkPen((90, 90, 90), width=0.5))
        self.polar_curve = self.polar.plot(pen=pg.mkPen((60, 140, 230), width=2))
        self.polar_steer = self.polar.plot(pen=pg.mkPen((250, 160, 30), style=Qt.DashLine))
        self.map = pg.PlotWidget(title="response (dB)")
        self.map.setLabel("bottom", "azimuth", units="°")
        self.map.setLabel("left", "frequency", units="Hz")
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setColorMap(pg.colormap.get("inferno"))
        self.map.addItem(self.image)
        self.map.disableAutoRange()
        self.steer_line = pg.InfiniteLine(0.0, angle=90, movable=True,
                                          pen=pg.mkPen((80, 220, 255), width=2))
        self.freq_line = pg.InfiniteLine(1000.0, angle=0, movable=True,
                                         pen=pg.mkPen((80, 255, 120), width=1))
        self.map.addItem(self.steer_line)
        self.map.addItem(self.freq_line)
        self.steer_line.sigPositionChanged.connect(self._on_steer_line_changed)
        self.freq_line.sigPositionChanged.connect(self._on_freq_line_changed)
        self.gains = pg.PlotWidget(title="white-noise gain, directivity")
        self.gains.setLabel("bottom", "frequency", units="Hz")
        self.gains.setLabel("left", "dB")
        self.gains.addLegend(offset=(5, 5))
        self.gains.disableAutoRange()
        self.wng_curve = self.gains.plot(pen=pg.mkPen((60, 140, 230), width=2), name="WNG")
        self.di_curve = self.gains.plot(pen=pg.mkPen((230, 90, 60), width=2), name="DI")
        for plot in (self.polar, self.map, self.gains):
            cache_axes(plot)
        self.summary = QLabel(wordWrap=True)
        self.warnings = QLabel(wordWrap=True)
        self.warnings.setStyleSheet("color: #d9822b;")
        # texts that change on every drag frame must not move the splitters: a label's
        # width would otherwise follow its text, and the plan beside it would shrink and
        # grow under the mouse (its scale with it)
        for label in (self.summary, self.warnings):
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        line = self.summary.fontMetrics().lineSpacing()
        self.summary.setFixedHeight(2 * line + 2)
        self.warnings.setFixedHeight(2 * line + 2)
        # the gains plot is not laid out here: the editor gives it a tab of its own, so the
        # polar pattern and the map keep the (short) docked height
        self.polar.setMinimumSize(140, 140)
        self.map.setMinimumHeight(140)
        grid.addWidget(self.polar, 0, 0)
        grid.addWidget(self.map, 0, 1)
        grid.setColumnStretch(0, 2)
        grid.setColumnStretch(1, 3)
        grid.setRowStretch(0, 1)
        grid.addWidget(self.summary, 1, 0, 1, 2)
        grid.addWidget(self.warnings, 2, 0, 1, 2)
        self._quiet = False
        self._map_rect = None
        self._gains_range = None
        self._polar_title = None
        self.frames = 0  # figures drawn (the benchmark counts them)

    def _on_steer_line_changed(self) -> None:
        if not self._quiet:
            self.steer_moved.emit(float(self.steer_line.value()))

    def _on_freq_line_changed(self) -> None:
        if not self._quiet:
            self.polar_freq_moved.emit(float(self.freq_line.value()))

    def _fit_gains(self, lo: float, hi: float) -> None:
        """Keep the dB axis on 10 dB steps, changed only when the curves leave it or use less
        than half of it (not on every frame of a drag)."""
        lo, hi = float(lo), float(hi)  # float32 limits would overflow in pyqtgraph's checks
        want = (10 * math.floor(lo / 10), 10 * math.ceil(hi / 10) + (10 if hi % 10 == 0 else 0))
        cur = self._gains_range
        if (cur is None or lo < cur[0] or hi > cur[1]
                or (want[1] - want[0]) < 0.5 * (cur[1] - cur[0])):
            self.gains.setYRange(*want, padding=0.02)
            self._gains_range = want

    def show_figures(self, fig, steer_deg: float) -> None:
        self._quiet = True
        try:
            r = np.clip(fig.polar_db + POLAR_RANGE_DB, 0, None)
            t = np.radians(np.append(fig.azimuth, fig.azimuth[0]))
            r = np.append(r, r[0])
            self.polar_curve.setData(r * np.cos(t), r * np.sin(t))
            s = np.radians(steer_deg)
            self.polar_steer.setData([0, POLAR_RANGE_DB * np.cos(s)], [0, POLAR_RANGE_DB * np.sin(s)])
            title = f"polar, {fig.polar_hz:.0f} Hz"
            if title != self._polar_title:  # a new title re-lays the plot out
                self.polar.setTitle(title)
                self._polar_title = title
            az, f = fig.azimuth, fig.freqs
            step_a, step_f = az[1] - az[0], f[1] - f[0]
            self.image.setImage(fig.map_db, autoLevels=False, levels=(-40.0, 0.0))
            rect = (az[0] - step_a / 2, f[0] - step_f / 2, step_a * len(az), step_f * len(f))
            if rect != self._map_rect:
                self.image.setRect(*rect)
                self.map.setRange(xRange=(rect[0], rect[0] + rect[2]),
                                  yRange=(rect[1], rect[1] + rect[3]), padding=0)
                self.gains.setRange(xRange=(0.0, float(f[-1])), padding=0.02)
                self._map_rect = rect
            self.steer_line.setValue(steer_deg)
            self.freq_line.setValue(fig.polar_hz)
            wng, di = np.nan_to_num(fig.wng_db, nan=-60.0), np.nan_to_num(fig.di_db, nan=-60.0)
            self.wng_curve.setData(f, wng)
            self.di_curve.setData(f, di)
            self._fit_gains(min(wng.min(), di.min()), max(wng.max(), di.max()))
            cond = "" if fig.condition is None else f"   cond(A) {fig.condition:.3g}"
            self.summary.setText(
                f"beamwidth {fig.beamwidth_deg:.1f}°   sidelobes "
                f"{'none' if fig.sidelobe_db == float('-inf') else f'{fig.sidelobe_db:.1f} dB'}   "
                f"aliasing above {fig.aliasing_hz:.0f} Hz{cond}   ({fig.compute_ms:.1f} ms)")
            self.warnings.setText("\n".join(f"⚠ {w}" for w in fig.warnings))
            self.frames += 1
        finally:
            self._quiet = False
