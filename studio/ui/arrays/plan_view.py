"""One projection of the array on a metric grid (top: x-y, side: x-z): microphones,
sources and the room, dragged with the mouse. The view only reports gestures (press, drag,
release, rubber band); the editor owns the layout and the undo stack."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPen

from studio.ui.arrays.plots import cache_axes

HIT_PIXELS = 9.0
MIC_BRUSH, MIC_OFF_BRUSH, SELECTED_BRUSH = QColor(60, 140, 230), QColor(150, 150, 150), QColor(250, 160, 30)
SOURCE_BRUSH = QColor(220, 60, 60)


class _PlanViewBox(pg.ViewBox):
    def __init__(self, view: "PlanView"):
        super().__init__(lockAspect=True, invertY=False)
        self._view = view
        self.setMouseMode(pg.ViewBox.PanMode)

    def mouseClickEvent(self, ev):
        if ev.button() == Qt.MouseButton.LeftButton:
            ev.accept()
            self._view.click_at(self.mapToView(ev.pos()), ev.modifiers())
        else:
            super().mouseClickEvent(ev)

    def mouseDragEvent(self, ev, axis=None):
        if ev.button() != Qt.MouseButton.LeftButton:
            return super().mouseDragEvent(ev, axis)
        ev.accept()
        p = self.mapToView(ev.pos())
        if ev.isStart():
            self._view.begin_drag(self.mapToView(ev.buttonDownPos()), ev.modifiers())
        self._view.drag_to(p)
        if ev.isFinish():
            self._view.end_drag(p)


class PlanView(pg.PlotWidget):
    """Signals carry positions in metres in this view's two axes (a, b)."""
    item_pressed = Signal(str, int, object)       # kind ("mic", "source", "room"), index, modifiers
    empty_clicked = Signal(object)                # modifiers
    drag_started = Signal(str, int, object)       # kind, index, modifiers
    drag_moved = Signal(str, int, float, float)   # where the grabbed item should now be
    drag_finished = Signal(str, int, float, float)
    band_selected = Signal(float, float, float, float, object)  # a0, b0, a1, b1, modifiers

    def __init__(self, axes: tuple[int, int] = (0, 1), parent=None):
        self._vb = _PlanViewBox(self)
        super().__init__(parent=parent, viewBox=self._vb)
        self.axes = axes
        names = "xyz"
        self.setLabel("bottom", names[axes[0]], units="m")
        self.setLabel("left", names[axes[1]], units="m")
        self.showGrid(x=True, y=True, alpha=0.25)
        cache_axes(self)
        self.room_item = pg.PlotDataItem(pen=pg.mkPen((120, 120, 120), width=1.5))
        self.room_handle = pg.ScatterPlotItem(symbol="s", size=10, brush=pg.mkBrush(120, 120, 120))
        self.steer_item = pg.PlotDataItem(pen=pg.mkPen((250, 160, 30), width=1, style=Qt.DashLine))
        self.mic_item = pg.ScatterPlotItem(size=11, pen=pg.mkPen("k"))
        self.source_item = pg.ScatterPlotItem(symbol="star", size=16, brush=SOURCE_BRUSH)
        self.band_item = pg.QtWidgets.QGraphicsRectItem()
        self.band_item.setPen(QPen(QColor(250, 160, 30), 0))
        self.band_item.setVisible(False)
        for item in (self.room_item, self.room_handle, self.steer_item, self.mic_item,
                     self.source_item):
            self.addItem(item)
        self._vb.addItem(self.band_item, ignoreBounds=True)
        self._vb.disableAutoRange()  # framed by set_scene(fit=True), see there
        self._fitted = False
        # the same brush objects every time: the scatter item caches its rendered symbols per
        # brush, and fresh brushes on every drag step would re-render all of them
        self._brushes = [pg.mkBrush(MIC_BRUSH), pg.mkBrush(MIC_OFF_BRUSH), pg.mkBrush(SELECTED_BRUSH)]
        self._mics = np.zeros((0, 2))
        self._sources = np.zeros((0, 2))
        self._room_corner: np.ndarray | None = None
        self._drag: tuple[str, int, np.ndarray] | None = None  # kind, index, grab offset
        self._band_start: QPointF | None = None
        self._band_mods = None

    # ---- drawing ------------------------------------------------------------------------
    def set_scene(self, mics: np.ndarray, enabled, selected, sources: np.ndarray,
                  room_size=None, steer: tuple[np.ndarray, np.ndarray] | None = None,
                  fit: bool = False) -> None:
        """Draw the scene; `fit` frames it (a new layout). The range is otherwise left alone,
        so a drag never rescales the view under the mouse nor regenerates the axes."""
        a, b = self.axes
        self._mics = np.asarray(mics, dtype=float).reshape(-1, 3)[:, [a, b]]
        self._sources = np.asarray(sources, dtype=float).reshape(-1, 3)[:, [a, b]]
        brushes = [self._brushes[2 if k in selected else 0 if enabled[k] else 1]
                   for k in range(len(self._mics))]
        self.mic_item.setData(pos=self._mics, brush=brushes, data=list(range(len(self._mics))))
        self.source_item.setData(pos=self._sources)
        if room_size is not None:
            w, h = float(room_size[a]), float(room_size[b])
            self.room_item.setData([0, w, w, 0, 0], [0, 0, h, h, 0])
            self._room_corner = np.array([w, h])
            self.room_handle.setData(pos=self._room_corner[None])
        else:
            self.room_item.setData([], [])
            self.room_handle.setData(pos=np.zeros((0, 2)))
            self._room_corner = None
        if steer is not None:
            origin, direction = steer
            o, d = origin[[a, b]], direction[[a, b]]
            self.steer_item.setData([o[0], o[0] + d[0]], [o[1], o[1] + d[1]])
        else:
            self.steer_item.setData([], [])
        if fit or not self._fitted:
            self._vb.autoRange(padding=0.15)
            self._fitted = True

    # ---- hit testing ----------------------------------------------------------------------
    def _pixel_size(self) -> float:
        px = self._vb.viewPixelSize()
        return float(max(px[0], px[1])) or 1e-3

    def hit(self, p: QPointF) -> tuple[str, int] | None:
        q = np.array([p.x(), p.y()])
        radius = HIT_PIXELS * self._pixel_size()
        for kind, pts in (("source", self._sources), ("mic", self._mics)):
            if len(pts):
                d = np.hypot(*(pts - q).T)
                k = int(np.argmin(d))
                if d[k] <= radius:
                    return kind, k
        if self._room_corner is not None and np.hypot(*(self._room_corner - q)) <= radius:
            return "room", 0
        return None

    def _position_of(self, kind: str, index: int) -> np.ndarray:
        if kind == "mic":
            return self._mics[index]
        if kind == "source":
            return self._sources[index]
        return self._room_corner

    # ---- gestures (the view box calls these; tests and the benchmark may too) ---------------
    def click_at(self, p: QPointF, modifiers=Qt.KeyboardModifier.NoModifier) -> None:
        hit = self.hit(p)
        if hit is None:
            self.empty_clicked.emit(modifiers)
        else:
            self.item_pressed.emit(hit[0], hit[1], modifiers)

    def begin_drag(self, p: QPointF, modifiers=Qt.KeyboardModifier.NoModifier) -> None:
        hit = self.hit(p)
        if hit is None:  # a rubber band selects microphones
            self._drag = None
            self._band_start, self._band_mods = p, modifiers
            return
        kind, index = hit
        grab = self._position_of(kind, index) - np.array([p.x(), p.y()])
        self._drag = (kind, index, grab)
        self.drag_started.emit(kind, index, modifiers)

    def drag_to(self, p: QPointF) -> None:
        if self._drag is not None:
            kind, index, grab = self._drag
            self.drag_moved.emit(kind, index, p.x() + grab[0], p.y() + grab[1])
        elif self._band_start is not None:
            self.band_item.setRect(QRectF(self._band_start, p).normalized())
            self.band_item.setVisible(True)

    def end_drag(self, p: QPointF) -> None:
        if self._drag is not None:
            kind, index, grab = self._drag
            self._drag = None
            self.drag_finished.emit(kind, index, p.x() + grab[0], p.y() + grab[1])
        elif self._band_start is not None:
            s = self._band_start
            self._band_start = None
            self.band_item.setVisible(False)
            self.band_selected.emit(min(s.x(), p.x()), min(s.y(), p.y()), max(s.x(), p.x()),
                                    max(s.y(), p.y()), self._band_mods)

    def mics_in(self, a0: float, b0: float, a1: float, b1: float) -> list[int]:
        m = self._mics
        inside = (m[:, 0] >= a0) & (m[:, 0] <= a1) & (m[:, 1] >= b0) & (m[:, 1] <= b1)
        return np.flatnonzero(inside).tolist()
