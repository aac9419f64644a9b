"""The graphics item that draws one channel from a core `Summary`: the min/max envelope with
the RMS band inside when zoomed out, a line through the samples when zoomed in, and dots on
the samples when zoomed in far. Paths are built once per data change, so a repaint only
strokes them (the redraw budget is a few milliseconds at any zoom)."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainterPath, QPen, QPolygonF

from studio.ui import theme
from studio.ui.views.levels import CLIP_LEVEL

DOTS_MIN_PX = 6.0  # pixels per sample from which each sample gets a dot


def _columns(x: np.ndarray, top: np.ndarray, bottom: np.ndarray) -> QPainterPath:
    """One vertical segment per column (x, bottom)-(x, top). Columns are one pixel wide, so
    the segments fill the envelope; unlike a filled polygon of a jagged envelope (which the
    raster engine must tessellate, ~100x slower), stroking segments costs the same at any zoom."""
    xs = np.repeat(x, 2)
    ys = np.empty(2 * len(x), np.float64)
    ys[0::2] = bottom
    ys[1::2] = top
    return pg.arrayToQPath(xs, ys, connect="pairs", finiteCheck=False)


class EnvelopeItem(pg.GraphicsObject):
    def __init__(self, color: str, rms_color: str):
        super().__init__()
        self._env = QPainterPath()
        self._rms = QPainterPath()
        self._line = QPainterPath()
        self._dots = QPolygonF()
        self._clip = QPainterPath()
        self._bounds = QRectF()
        self.clip_extent = 1.05   # clip marks span the view's level range (set by the view)
        self.clipped_x = np.zeros(0)  # seconds of the columns marked as clipped
        self.set_colors(color, rms_color)

    def set_colors(self, color: str, rms_color: str) -> None:
        c = pg.mkColor(color)
        self._pen = QPen(c, 1.0)
        self._pen.setCosmetic(True)
        self._brush = QBrush(c)
        self._rms_pen = QPen(pg.mkColor(rms_color), 1.0)
        self._rms_pen.setCosmetic(True)
        self._dot_pen = QPen(c, 5.0)
        self._dot_pen.setCosmetic(True)
        self._dot_pen.setCapStyle(Qt.RoundCap)
        self._clip_pen = QPen(pg.mkColor(theme.colors().clip), 1.0)
        self._clip_pen.setCosmetic(True)
        self.update()

    def clear(self) -> None:
        self.prepareGeometryChange()
        self._env = QPainterPath()
        self._rms = QPainterPath()
        self._line = QPainterPath()
        self._dots = QPolygonF()
        self._clip = QPainterPath()
        self.clipped_x = np.zeros(0)
        self._bounds = QRectF()
        self.update()

    def set_summary(self, summary, rate: int, px_per_sample: float) -> None:
        """Draw `summary` (core.summary.Summary); x in seconds."""
        self.prepareGeometryChange()
        edges = np.asarray(summary.edges, np.float64)
        mins = np.asarray(summary.mins, np.float64)
        maxs = np.asarray(summary.maxs, np.float64)
        self._env = QPainterPath()
        self._rms = QPainterPath()
        self._line = QPainterPath()
        self._dots = QPolygonF()
        self._clip = QPainterPath()
        self.clipped_x = np.zeros(0)
        if len(mins) == 0:
            self._bounds = QRectF()
            self.update()
            return
        if summary.level == 1 and np.all(np.diff(edges) == 1):
            # one column per sample: a line, and dots when the samples are far apart
            x = edges[:-1] / rate
            self._line = pg.arrayToQPath(x, mins, connect="all", finiteCheck=False)
            if px_per_sample >= DOTS_MIN_PX:
                self._dots = QPolygonF([QPointF(a, b) for a, b in zip(x, mins)])
        else:
            x = 0.5 * (edges[:-1] + edges[1:]) / rate
            rms = np.minimum(np.asarray(summary.rms, np.float64), np.maximum(maxs, -mins))
            self._env = _columns(x, maxs, mins)
            self._rms = _columns(x, np.minimum(rms, maxs), np.maximum(-rms, mins))
        lo, hi = float(min(mins.min(), 0.0)), float(max(maxs.max(), 0.0))
        # "Show Clipping": a red line through every column holding a sample at or over
        # full scale, the height of the view, so one clipped sample in an hour still shows
        over = (maxs >= CLIP_LEVEL) | (mins <= -CLIP_LEVEL)
        if over.any():
            self.clipped_x = x[over]
            ext = float(self.clip_extent)
            self._clip = _columns(self.clipped_x, np.full(len(self.clipped_x), ext),
                                  np.full(len(self.clipped_x), -ext))
            lo, hi = min(lo, -ext), max(hi, ext)
        self._bounds = QRectF(edges[0] / rate, lo, (edges[-1] - edges[0]) / rate, hi - lo)
        self.update()

    def boundingRect(self) -> QRectF:
        return self._bounds

    def paint(self, painter, *args):
        if not self._clip.isEmpty():  # behind the envelope: the shape over 1 stays readable
            painter.setPen(self._clip_pen)
            painter.drawPath(self._clip)
        if not self._env.isEmpty():
            painter.setBrush(Qt.NoBrush)
            painter.setPen(self._pen)
            painter.drawPath(self._env)
            painter.setPen(self._rms_pen)
            painter.drawPath(self._rms)
        if not self._line.isEmpty():
            painter.setPen(self._pen)
            painter.setBrush(Qt.NoBrush)
            painter.drawPath(self._line)
        if len(self._dots):
            painter.setPen(self._dot_pen)
            painter.drawPoints(self._dots)

