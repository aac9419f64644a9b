"""The overview strip: the whole file's envelope (all channels folded into one) with the visible
window as a region you can drag; clicking elsewhere centres the views there."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal

from studio.ui import theme
from studio.ui.views import levels
from studio.ui.waveform_items import EnvelopeItem


class _ClickBox(pg.ViewBox):
    sigClicked = Signal(float)

    def __init__(self):
        super().__init__(enableMenu=False)
        self.setMouseEnabled(x=False, y=False)

    def mouseClickEvent(self, ev):
        if ev.button() == Qt.LeftButton:
            ev.accept()
            self.sigClicked.emit(self.mapSceneToView(ev.scenePos()).x())

    def mouseDragEvent(self, ev, axis=None):
        ev.ignore()

    def wheelEvent(self, ev, axis=None):
        ev.ignore()


class OverviewStrip(pg.PlotWidget):
    sigWindowChanged = Signal(float, float)  # the user moved the visible window (seconds)

    def __init__(self, model, parent=None):
        self._vb = _ClickBox()
        super().__init__(parent, viewBox=self._vb)
        self.model = model
        self.setFixedHeight(46)
        self.hideAxis("left")
        self.hideAxis("bottom")
        self.setMenuEnabled(False)
        self.hideButtons()
        self.getPlotItem().setContentsMargins(0, 2, 0, 2)
        c = theme.colors()
        self.item = EnvelopeItem(c.wave, c.rms)
        self.addItem(self.item)
        self.window = pg.LinearRegionItem(brush=pg.mkColor(c.region), pen=pg.mkPen(c.cursor))
        self.window.setZValue(10)
        self.addItem(self.window, ignoreBounds=True)
        self.playhead = pg.InfiniteLine(angle=90, pen=pg.mkPen(c.playhead, width=1))
        self.addItem(self.playhead, ignoreBounds=True)
        self._setting = False
        self.window.sigRegionChanged.connect(self._on_window_changed)
        self._vb.sigClicked.connect(self._on_click_changed)
        model.document_replaced.connect(self.refresh)
        model.state_changed.connect(self.refresh)
        model.playhead_changed.connect(lambda f: self.playhead.setPos(f / self.model.rate))

    def restyle_theme(self, c) -> None:
        self.item.set_colors(c.wave, c.rms)
        self.window.setBrush(pg.mkColor(c.region))
        for line in self.window.lines:
            line.setPen(pg.mkPen(c.cursor))
        self.playhead.setPen(pg.mkPen(c.playhead, width=1))
        self.item.update()

    def refresh(self) -> None:
        state = self.model.state
        empty = state is None or state.n_frames == 0
        # no document: nothing to frame (the region's default 0-1 drew a grey block from the
        # middle, its edge a yellow line)
        self.window.setVisible(not empty)
        self.playhead.setVisible(not empty)
        if empty:
            self.item.clear()
            return
        width = max(64, int(self.width()))
        sums = [state.summary(ch, 0, state.n_frames, width) for ch in range(state.n_channels)]
        first = sums[0]
        folded = type(first)(edges=first.edges,
                             mins=np.min([s.mins for s in sums], axis=0),
                             maxs=np.max([s.maxs for s in sums], axis=0),
                             rms=np.sqrt(np.mean([np.square(s.rms) for s in sums], axis=0)),
                             level=first.level)
        dur = state.n_frames / state.sample_rate
        # the level range follows overs as the waveform's does (a fixed +-1 cut them off)
        limit = levels.view_limit(float(max(folded.maxs.max(), -folded.mins.min())))
        self.item.clip_extent = limit
        self.item.set_summary(folded, state.sample_rate, width / max(1, state.n_frames))
        self._vb.setLimits(xMin=0, xMax=dur)
        self.setXRange(0, dur, padding=0)
        self.setYRange(-limit, limit, padding=0)
        self.window.setBounds((0, dur))

    def resizeEvent(self, ev):
        super().resizeEvent(ev)
        if "item" in self.__dict__:  # pyqtgraph resizes once inside its own __init__
            self.refresh()

    def set_window(self, t0: float, t1: float) -> None:
        """Show the views' visible range (called when they move)."""
        self._setting = True
        self.window.setRegion((t0, t1))
        self._setting = False

    def _on_window_changed(self) -> None:
        if not self._setting:
            t0, t1 = self.window.getRegion()
            self.sigWindowChanged.emit(t0, t1)

    def _on_click_changed(self, x: float) -> None:
        t0, t1 = self.window.getRegion()
        half = (t1 - t0) / 2
        self.sigWindowChanged.emit(x - half, x + half)
