"""The array's figures as plots: polar pattern at one frequency, the azimuth x frequency
map with a steering cursor (vertical) and the polar frequency (horizontal) as draggable
lines, white-noise gain and directivity index against frequency, and inline warnings.
It draws `studio.arrays.live.Figures` (numpy); it computes nothing."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QWidget

POLAR_RANGE_DB = 40.0


class FiguresPanel(QWidget):
    steer_moved = Signal(float)      # degrees, from the map's cursor
    polar_freq_moved = Signal(float)  # Hz

    def __init__(self, parent=None):
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        self.polar = pg.PlotWidget(title="polar pattern")
        self.polar.setAspectLocked(True)
        self.polar.hideAxis("bottom")
        self.polar.hideAxis("left")
        self.polar.setMouseEnabled(False, False)
        for level in (10, 20, 30, 40):  # rings every 10 dB
            t = np.linspace(0, 2 * np.pi, 121)
            r = level
            self.polar.plot(r * np.cos(t), r * np.sin(t), pen=pg.mkPen((90, 90, 90), width=0.5))
        self.polar_curve = self.polar.plot(pen=pg.mkPen((60, 140, 230), width=2))
        self.polar_steer = self.polar.plot(pen=pg.mkPen((250, 160, 30), style=Qt.DashLine))
        self.map = pg.PlotWidget(title="response (dB): azimuth × frequency")
        self.map.setLabel("bottom", "azimuth", units="°")
        self.map.setLabel("left", "frequency", units="Hz")
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setColorMap(pg.colormap.get("inferno"))
        self.map.addItem(self.image)
        self.steer_line = pg.InfiniteLine(0.0, angle=90, movable=True,
                                          pen=pg.mkPen((80, 220, 255), width=2))
        self.freq_line = pg.InfiniteLine(1000.0, angle=0, movable=True,
                                         pen=pg.mkPen((80, 255, 120), width=1))
        self.map.addItem(self.steer_line)
        self.map.addItem(self.freq_line)
        self.steer_line.sigPositionChanged.connect(self._on_steer_line_changed)
        self.freq_line.sigPositionChanged.connect(self._on_freq_line_changed)
        self.gains = pg.PlotWidget(title="white-noise gain / directivity index")
        self.gains.setLabel("bottom", "frequency", units="Hz")
        self.gains.setLabel("left", "dB")
        self.gains.addLegend(offset=(5, 5))
        self.wng_curve = self.gains.plot(pen=pg.mkPen((60, 140, 230), width=2), name="WNG")
        self.di_curve = self.gains.plot(pen=pg.mkPen((230, 90, 60), width=2), name="DI")
        self.summary = QLabel()
        self.warnings = QLabel(wordWrap=True)
        self.warnings.setStyleSheet("color: #d9822b;")
        grid.addWidget(self.polar, 0, 0)
        grid.addWidget(self.map, 0, 1)
        grid.addWidget(self.gains, 1, 0, 1, 2)
        grid.addWidget(self.summary, 2, 0, 1, 2)
        grid.addWidget(self.warnings, 3, 0, 1, 2)
        self._quiet = False
        self.frames = 0  # figures drawn (the benchmark counts them)

    def _on_steer_line_changed(self) -> None:
        if not self._quiet:
            self.steer_moved.emit(float(self.steer_line.value()))

    def _on_freq_line_changed(self) -> None:
        if not self._quiet:
            self.polar_freq_moved.emit(float(self.freq_line.value()))

    def show_figures(self, fig, steer_deg: float) -> None:
        self._quiet = True
        try:
            r = np.clip(fig.polar_db + POLAR_RANGE_DB, 0, None)
            t = np.radians(np.append(fig.azimuth, fig.azimuth[0]))
            r = np.append(r, r[0])
            self.polar_curve.setData(r * np.cos(t), r * np.sin(t))
            s = np.radians(steer_deg)
            self.polar_steer.setData([0, POLAR_RANGE_DB * np.cos(s)], [0, POLAR_RANGE_DB * np.sin(s)])
            self.polar.setTitle(f"polar pattern at {fig.polar_hz:.0f} Hz")
            az, f = fig.azimuth, fig.freqs
            step_a, step_f = az[1] - az[0], f[1] - f[0]
            self.image.setImage(fig.map_db, autoLevels=False, levels=(-40.0, 0.0))
            self.image.setRect(az[0] - step_a / 2, f[0] - step_f / 2, step_a * len(az),
                               step_f * len(f))
            self.steer_line.setValue(steer_deg)
            self.freq_line.setValue(fig.polar_hz)
            self.wng_curve.setData(f, np.nan_to_num(fig.wng_db, nan=-60.0))
            self.di_curve.setData(f, np.nan_to_num(fig.di_db, nan=-60.0))
            cond = "" if fig.condition is None else f"   cond(A) {fig.condition:.3g}"
            self.summary.setText(
                f"beamwidth {fig.beamwidth_deg:.1f}°   sidelobes "
                f"{'none' if fig.sidelobe_db == float('-inf') else f'{fig.sidelobe_db:.1f} dB'}   "
                f"aliasing above {fig.aliasing_hz:.0f} Hz{cond}   ({fig.compute_ms:.1f} ms)")
            self.warnings.setText("\n".join(f"⚠ {w}" for w in fig.warnings))
            self.frames += 1
        finally:
            self._quiet = False
