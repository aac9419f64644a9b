"""One projection of the array on a metric grid (top: x-y, side: x-z): microphones (numbered
as in the table), sources and the room, dragged with the mouse. The view only reports
gestures (press, drag, release, rubber band); the editor owns the layout and the undo stack.

The view is framed only when asked (`fit_to`: the array, or the whole room): a drag, an undo
or a table edit leaves the user's zoom and pan alone. Positions are metres; the axes show
the editor's unit (`set_units`), the same as the table and the boxes."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPen

from studio.ui import theme
from studio.ui.arrays.plots import cache_axes

HIT_PIXELS = 9.0
MAX_NUMBERED = 64     # more labels than this hide the array they label
NUMBER_SPACING_PX = 14.0  # closest microphones at least this far apart on screen to number them
FIT_MARGIN = 0.35     # of the array's extent, on each side, when framing the array
FIT_MARGIN_MIN = 0.02  # metres: a single microphone or a tiny array still gets some room
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
        self.set_units("m", 1.0)
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
        self._vb.disableAutoRange()  # framed by fit_to, see there
        self._fitted = False
        self._numbers: list[pg.TextItem] = []
        self._closest = np.inf  # metres between the two closest microphones
        self._numbered = np.zeros((0, 2))  # where the labels were put (a drag moves a few)
        self._vb.sigRangeChanged.connect(self._on_range_changed)
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
    def set_units(self, name: str, per_metre: float) -> None:
        """Label the axes in `name` (cm: per_metre 100); the data stay in metres."""
        names = "xyz"
        for side, axis in (("bottom", self.axes[0]), ("left", self.axes[1])):
            item = self.getPlotItem().getAxis(side)
            item.enableAutoSIPrefix(False)  # one unit everywhere, not mm here and cm there
            item.setScale(per_metre)
            item.setLabel(f"{names[axis]} ({name})")

    def set_scene(self, mics: np.ndarray, enabled, selected, sources: np.ndarray,
                  room_size=None, steer: tuple[np.ndarray, np.ndarray] | None = None,
                  fit: bool | str = False) -> None:
        """Draw the scene; `fit` frames the array (True, "array": a new layout) or the room
        ("room": a source was added). The range is otherwise left
        alone, so a drag never rescales the view under the mouse nor regenerates the axes."""
        a, b = self.axes
        self._mics = np.asarray(mics, dtype=float).reshape(-1, 3)[:, [a, b]]
        self._sources = np.asarray(sources, dtype=float).reshape(-1, 3)[:, [a, b]]
        brushes = [self._brushes[2 if k in selected else 0 if enabled[k] else 1]
                   for k in range(len(self._mics))]
        self.mic_item.setData(pos=self._mics, brush=brushes, data=list(range(len(self._mics))))
        self._show_numbers()
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
            self.fit_to(fit if isinstance(fit, str) else "array")

    def restyle_theme(self, c) -> None:
        """A theme switch: the numbers in the new text colour (light grey vanished on white)."""
        for label in self._numbers:
            label.setColor(c.text)

    def _show_numbers(self) -> None:
        """Microphone k is labelled k, as row k of the table."""
        n = len(self._mics) if len(self._mics) <= MAX_NUMBERED else 0
        if n > 1:
            d = np.hypot(*(self._mics[:, None, :] - self._mics[None, :, :]).transpose(2, 0, 1))
            self._closest = float(d[np.triu_indices(n, 1)].min())
        while len(self._numbers) < n:
            label = pg.TextItem(str(len(self._numbers) + 1), color=theme.colors().text,
                                anchor=(-0.15, 1.0))
            self._vb.addItem(label, ignoreBounds=True)
            self._numbers.append(label)
        legible = self._numbers_legible()
        old = self._numbered
        for k, label in enumerate(self._numbers):
            if label.isVisible() != (k < n and legible):
                label.setVisible(k < n and legible)
            # only the labels that moved: placing 64 text items every drag frame cost more
            # than the figures
            if k < n and (k >= len(old) or (old[k] != self._mics[k]).any()):
                label.setPos(float(self._mics[k, 0]), float(self._mics[k, 1]))
        self._numbered = self._mics[:n].copy()

    def _numbers_legible(self) -> bool:
        """Numbers only when microphones are apart on screen (zoomed out to the room they
        would be one blot over the array)."""
        return self._closest / self._pixel_size() >= NUMBER_SPACING_PX

    def _on_range_changed(self, *_):
        legible = self._numbers_legible()
        n = len(self._mics) if len(self._mics) <= MAX_NUMBERED else 0
        for k, label in enumerate(self._numbers):
            label.setVisible(k < n and legible)

    def fit_to(self, what: str = "array") -> None:
        """Frame the microphones with a margin ("array"), or the room, the sources and the
        microphones together ("room")."""
        pts = [self._mics]
        if what == "room":
            pts.append(self._sources)
            if self._room_corner is not None:
                pts.append(np.array([[0.0, 0.0], self._room_corner]))
        pts = np.vstack([p for p in pts if len(p)] or [np.zeros((1, 2))])
        lo, hi = pts.min(0), pts.max(0)
        extent = float(max(hi - lo))
        margin = max(FIT_MARGIN * extent, FIT_MARGIN_MIN) if what == "array" else 0.05 * extent
        self._vb.setRange(xRange=(lo[0] - margin, hi[0] + margin),
                          yRange=(lo[1] - margin, hi[1] + margin), padding=0)
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
