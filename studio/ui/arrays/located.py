"""What "Locate sources (DOA)" found, drawn where the user placed the array: a ray from the
array's centre toward each found azimuth on the plan, ending in a marker labelled in degrees,
and the azimuth map (the spatial spectrum over azimuth) with the found peaks marked.
Both draw the DOA report's plain data (numpy); nothing here computes."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from studio.ui.arrays.plots import cache_axes

LOCATED_COLOUR = (80, 230, 120)
RAY_LENGTH = 100.0  # metres: past any room wall, so the ray crosses the source at every zoom
MIN_PIXELS = 40.0   # the marker stays at least this far from the centre on screen (room zoom)


class LocatedMarkers:
    """On a top (x-y) plan view: azimuths are measured from +x toward +y."""

    def __init__(self, view: pg.PlotWidget):
        self.view = view
        self.rays = pg.PlotDataItem(pen=pg.mkPen(LOCATED_COLOUR, width=1.5, style=Qt.DashLine),
                                    connect="pairs")
        self.dots = pg.ScatterPlotItem(symbol="o", size=13, pen=pg.mkPen("k"),
                                       brush=pg.mkBrush(*LOCATED_COLOUR))
        vb = view.getViewBox()
        for item in (self.rays, self.dots):
            vb.addItem(item, ignoreBounds=True)  # the plan frames the array, not the rays
        self.labels: list[pg.TextItem] = []
        self.azimuths: list[float] = []
        self._centre, self._directions, self._radius = np.zeros(2), np.zeros((0, 2)), 0.0
        vb.sigRangeChanged.connect(self._place)  # zoomed out to the room: off the array

    def clear(self) -> None:
        self.show(np.zeros(2), [], 0.0)

    def show(self, centre_xy, azimuths_deg, radius: float) -> None:
        """Rays from `centre_xy` (metres) and markers at `radius` from it."""
        self.azimuths = [float(a) for a in np.atleast_1d(azimuths_deg)]
        c = np.asarray(centre_xy, dtype=float)[:2]
        t = np.radians(self.azimuths)
        direction = np.column_stack([np.cos(t), np.sin(t)]).reshape(-1, 2)
        ends = c + RAY_LENGTH * direction
        pairs = np.empty((2 * len(t), 2))
        pairs[0::2], pairs[1::2] = c, ends
        self.rays.setData(pairs[:, 0], pairs[:, 1])
        self._centre, self._directions, self._radius = c, direction, float(radius)
        vb = self.view.getViewBox()
        while len(self.labels) < len(t):
            label = pg.TextItem("", color=LOCATED_COLOUR, anchor=(0.0, 1.2))
            vb.addItem(label, ignoreBounds=True)
            self.labels.append(label)
        for k, label in enumerate(self.labels):
            label.setVisible(k < len(t))
            if k < len(t):
                label.setText(f"{self.azimuths[k]:.1f}°")
        self._place()

    def _place(self, *_):
        """Markers at `radius` from the centre, or further when zoomed out so far that they
        would cover the array (always on their rays)."""
        px = self.view.getViewBox().viewPixelSize()
        r = max(self._radius, MIN_PIXELS * float(max(px[0], px[1])))
        marks = self._centre + r * self._directions
        self.dots.setData(pos=marks, data=self.azimuths)
        for k in range(len(marks)):
            self.labels[k].setPos(float(marks[k, 0]), float(marks[k, 1]))

    def positions(self) -> np.ndarray:
        """(K, 2) where the markers are drawn (metres)."""
        x, y = self.dots.getData()
        return np.column_stack([x, y]) if x is not None else np.zeros((0, 2))

    def label_texts(self) -> list[str]:
        return [label.toPlainText() for label in self.labels if label.isVisible()]


class AzimuthMapPlot(pg.PlotWidget):
    """The DOA azimuth map: normalised spatial spectrum against azimuth, peaks marked."""

    def __init__(self, parent=None):
        super().__init__(parent=parent, title="azimuth map")
        self.setLabel("bottom", "azimuth (°)")
        self.setLabel("left", "spatial spectrum (normalised)")
        self.showGrid(x=True, y=True, alpha=0.25)
        self.setXRange(-180, 180, padding=0)
        self.setYRange(0, 1.05, padding=0)
        self.setMouseEnabled(x=True, y=False)
        cache_axes(self)
        self.curve = self.plot(pen=pg.mkPen((60, 140, 230), width=2))
        self.peaks: list[pg.InfiniteLine] = []
        self.empty_text = pg.TextItem("Run Array › Locate sources to see the azimuth map",
                                      color=(160, 160, 160), anchor=(0.5, 0.5))
        self.addItem(self.empty_text, ignoreBounds=True)
        self.empty_text.setPos(0, 0.5)

    def show(self, grid_deg, spectrum, azimuths_deg, method: str = "") -> None:
        self.empty_text.setVisible(False)
        self.curve.setData(np.asarray(grid_deg, dtype=float), np.asarray(spectrum, dtype=float))
        for line in self.peaks:
            self.removeItem(line)
        self.peaks = []
        for a in np.atleast_1d(azimuths_deg):
            line = pg.InfiniteLine(float(a), angle=90, pen=pg.mkPen(LOCATED_COLOUR, width=1.5),
                                   label=f"{float(a):.1f}°",
                                   labelOpts={"position": 0.92, "color": LOCATED_COLOUR})
            self.addItem(line)
            self.peaks.append(line)
        self.setTitle(f"azimuth map, {method}" if method else "azimuth map")
