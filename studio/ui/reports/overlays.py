"""Marks that reports leave on the views: markers (a line, or a shaded region when the marker
has a duration) on every waveform lane and on the spectrogram, and curves flagged
`overlay="spectrogram"` (x seconds of the document, y Hz: a pitch track) drawn over the
spectrogram at their frequencies.

Each report's marks replace the earlier marks of the same operation (a second click scan
replaces the first), other operations' marks stay until cleared. The waveform rebuilds its
lanes when the channel count changes, and the spectrogram's frequency scale can change: the
marks are kept as plain data (document seconds, Hz) and redrawn then."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyqtgraph as pg
import shiboken6
from PySide6.QtCore import QTimer

from studio.dsp import tiles as T
from studio.ui.reports.formatting import format_number

MARKER_COLOUR = (80, 200, 255)
OVERLAY_COLOUR = (0, 230, 255)  # cyan: stands apart from every spectrogram colour map's hot end


@dataclass
class Mark:
    """A marker placed in document time."""
    start: float      # seconds in the document
    duration: float   # 0: a point
    label: str

    def describe(self) -> str:
        where = format_number(self.start, "s")
        span = f" · {format_number(1000 * self.duration, 'ms')}" if self.duration else ""
        return f"{where}{span} · {self.label}" if self.label else f"{where}{span}"


@dataclass
class Overlay:
    """A curve drawn over the spectrogram: document seconds against Hz (NaN: a gap)."""
    seconds: np.ndarray
    hz: np.ndarray
    name: str


@dataclass
class _Group:
    marks: list[Mark] = field(default_factory=list)
    overlays: list[Overlay] = field(default_factory=list)


class ViewMarks:
    """Owns the graphics items of every report's marks on the window's two views."""

    def __init__(self, waveform, spectrogram):
        self.waveform, self.spectrogram = waveform, spectrogram
        self.groups: dict[str, _Group] = {}   # op id -> its latest marks
        self._items: list[tuple[object, object]] = []  # (view box, item)
        self._timer = QTimer(singleShot=True, interval=0)
        self._timer.timeout.connect(self.redraw)
        spectrogram.settings_changed.connect(self.schedule_redraw)
        waveform.model.state_changed.connect(self.schedule_redraw)

    # the data ---------------------------------------------------------------------------
    def set_group(self, key: str, marks: list[Mark], overlays: list[Overlay]) -> None:
        if marks or overlays:
            self.groups[key] = _Group(list(marks), list(overlays))
        else:
            self.groups.pop(key, None)
        self.redraw()

    def clear(self) -> None:
        self.groups.clear()
        self.redraw()

    def marks(self) -> list[Mark]:
        return sorted((m for g in self.groups.values() for m in g.marks), key=lambda m: m.start)

    def overlays(self) -> list[Overlay]:
        return [o for g in self.groups.values() for o in g.overlays]

    # the drawing ------------------------------------------------------------------------
    def schedule_redraw(self, *args) -> None:
        self._timer.start()

    def redraw(self) -> None:
        for vb, item in self._items:
            if shiboken6.isValid(vb) and shiboken6.isValid(item):
                vb.removeItem(item)
        self._items = []
        boxes = [p.getViewBox() for p in self.waveform.plots]
        spec_vb = self.spectrogram.vb
        for mark in self.marks():
            for vb in boxes + [spec_vb]:
                self._add(vb, self._mark_item(mark))
        scale, rate = self.spectrogram.settings.scale, self.spectrogram.model.rate
        for ov in self.overlays():
            y = np.asarray(T.hz_to_scale(np.clip(ov.hz, 1e-3, None), scale, rate), float)
            y[~np.isfinite(ov.hz) | (ov.hz <= 0)] = np.nan  # unvoiced frames: gaps
            item = pg.PlotDataItem(ov.seconds, y, connect="finite",
                                   pen=pg.mkPen(OVERLAY_COLOUR, width=3), name=ov.name)
            item.setToolTip(ov.name)
            item.setZValue(20)
            self._add(spec_vb, item)

    def _add(self, vb, item) -> None:
        vb.addItem(item, ignoreBounds=True)
        self._items.append((vb, item))

    @staticmethod
    def _mark_item(mark: Mark):
        if mark.duration > 0:
            item = pg.LinearRegionItem((mark.start, mark.start + mark.duration), movable=False,
                                       brush=pg.mkBrush(*MARKER_COLOUR, 70),
                                       pen=pg.mkPen(*MARKER_COLOUR, 160))
        else:
            item = pg.InfiniteLine(mark.start, angle=90, movable=False,
                                   pen=pg.mkPen(*MARKER_COLOUR, 200, width=1))
        item.setToolTip(mark.describe())
        item.setZValue(15)
        return item

    def items_on(self, vb) -> list:
        """The mark items drawn on one view box (tests: what the user sees)."""
        return [item for box, item in self._items if box is vb]
