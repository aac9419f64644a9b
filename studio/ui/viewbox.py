"""The editing ViewBox shared by the waveform and spectrogram views.

Left drag selects (Shift+drag or middle drag pans), a click places the cursor, the wheel zooms
time around the mouse (Shift+wheel scrolls), right click asks for the view's context menu.
The Y axis stays put: only time is zoomed and panned, and all views link their X ranges.
"""
from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal

WHEEL_ZOOM = 1.0015  # per wheel-delta unit (one notch = 120 -> ~1.2x)


class EditViewBox(pg.ViewBox):
    # x0, y0, x1, y1 (view coordinates), finished
    sigSelectDrag = Signal(float, float, float, float, bool)
    sigClicked = Signal(float, float)                  # x, y
    sigContextMenu = Signal(object, float, float)      # screen QPoint, x, y
    sigHover = Signal(float, float)                    # x, y under the mouse

    def __init__(self, **kw):
        super().__init__(enableMenu=False, **kw)
        self.setMouseEnabled(x=True, y=False)
        self._drag_origin: QPointF | None = None

    # zoom/pan ----------------------------------------------------------------------------
    def wheelEvent(self, ev, axis=None):
        delta = ev.delta() if hasattr(ev, "delta") else ev.angleDelta().y()
        (x0, x1), _ = self.viewRange()
        span = x1 - x0
        if ev.modifiers() & Qt.ShiftModifier:
            self.setXRange(x0 - delta / 1200 * span, x1 - delta / 1200 * span, padding=0)
        else:
            centre = self.mapSceneToView(ev.scenePos()).x()
            s = WHEEL_ZOOM ** (-delta)
            self.setXRange(centre - (centre - x0) * s, centre + (x1 - centre) * s, padding=0)
        ev.accept()

    def mouseDragEvent(self, ev, axis=None):
        pan = ev.button() == Qt.MiddleButton or (
            ev.button() == Qt.LeftButton and ev.modifiers() & Qt.ShiftModifier)
        if pan:
            ev.accept()
            last = self.mapSceneToView(ev.lastScenePos())
            now = self.mapSceneToView(ev.scenePos())
            dx = last.x() - now.x()
            (x0, x1), _ = self.viewRange()
            self.setXRange(x0 + dx, x1 + dx, padding=0)
            return
        if ev.button() != Qt.LeftButton:
            ev.ignore()
            return
        ev.accept()
        start = self.mapSceneToView(ev.buttonDownScenePos())
        now = self.mapSceneToView(ev.scenePos())
        self.sigSelectDrag.emit(start.x(), start.y(), now.x(), now.y(), bool(ev.isFinish()))

    def mouseClickEvent(self, ev):
        p = self.mapSceneToView(ev.scenePos())
        if ev.button() == Qt.LeftButton:
            ev.accept()
            self.sigClicked.emit(p.x(), p.y())
        elif ev.button() == Qt.RightButton:
            ev.accept()
            self.sigContextMenu.emit(ev.screenPos().toPoint(), p.x(), p.y())

    def hoverEvent(self, ev):
        if not ev.isExit():
            p = self.mapSceneToView(ev.scenePos())
            self.sigHover.emit(p.x(), p.y())
