"""The waveform view: one compact plot per channel, drawn from the document's summaries at the
view's pixel width (never raw samples when zoomed out), with the time ruler on top, the
selection, the cursor and the playhead. Range changes are throttled: pyqtgraph may report many
per frame while dragging, the summaries are fetched at most once per display frame."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QColor

from studio.core.selection import Selection
from studio.ui import theme
from studio.ui.ruler import TimeAxis
from studio.ui.views import levels
from studio.ui.viewbox import EditViewBox
from studio.ui.waveform_items import EnvelopeItem

REFRESH_MS = 15          # throttle: at most one summary fetch per display frame
SNAP_SEARCH = 2048       # samples searched either side for a zero crossing


def nearest_zero_crossing(state, channel_list, frame: int) -> int:
    """The sign change nearest `frame` in the mix of the given channels (frame if none)."""
    a = max(0, frame - SNAP_SEARCH)
    b = min(state.n_frames, frame + SNAP_SEARCH)
    if b - a < 2:
        return frame
    x = state.read(a, b, channels=channel_list).mean(axis=0)
    s = np.signbit(x)
    idx = np.nonzero(s[1:] != s[:-1])[0] + 1 + a
    if len(idx) == 0:
        return frame
    return int(idx[np.argmin(np.abs(idx - frame))])


class WaveformView(pg.GraphicsLayoutWidget):
    sigHover = Signal(float, int, float)          # seconds, channel, level (linear)
    sigContextMenu = Signal(object, float, int)   # screen pos, seconds, channel
    sigRangeChanged = Signal(float, float)        # seconds, throttled

    def __init__(self, model, parent=None):
        super().__init__(parent)
        self.model = model
        self.snap_to_zero = False
        self.plots: list[pg.PlotItem] = []
        self.items: list[EnvelopeItem] = []
        self._regions: list[pg.LinearRegionItem] = []
        self._playheads: list[pg.InfiniteLine] = []
        self._cursors: list[pg.InfiniteLine] = []
        self._labels: list[pg.TextItem] = []
        self._time_followers: list[pg.ViewBox] = []
        self._fs_lines: list[list[pg.InfiniteLine]] = []
        self._level_limit: float | None = None
        self._over_tags: list[str] = []
        self.ruler = TimeAxis("top")
        self.ci.layout.setSpacing(0)
        self.ci.setContentsMargins(0, 0, 4, 0)
        self.paint_count = 0
        self._timer = QTimer(self, singleShot=True, interval=REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        model.document_replaced.connect(self._on_document_replaced)
        model.state_changed.connect(self._on_state_changed)
        model.selection_changed.connect(self._on_selection_changed)
        model.channels_changed.connect(self._on_channels_changed)
        model.playhead_changed.connect(self._on_playhead_changed)

    # structure ---------------------------------------------------------------------------
    @property
    def master(self) -> EditViewBox | None:
        return self.plots[0].getViewBox() if self.plots else None

    def link_time(self, vb: pg.ViewBox) -> None:
        """Make `vb` (the spectrogram's) share this view's time axis from now on. The link is
        re-made after every rebuild: a rebuild replaces the plot it was linked to, and pyqtgraph
        only copies the range across when the linked view next moves or resizes, so a
        mono file (whose one plot never resizes after the link) left the other view at 0-1 s."""
        self._time_followers.append(vb)
        self._link_followers()

    def _link_followers(self) -> None:
        m = self.master
        for vb in self._time_followers:
            if m is None:
                vb.setXLink(None)
                continue
            limits = m.state["limits"]
            vb.enableAutoRange(x=False)  # the time axis is the waveform's, never the items'
            vb.setLimits(xMin=limits["xLimits"][0], xMax=limits["xLimits"][1],
                         minXRange=limits["xRange"][0])
            vb.setXLink(m)
            (x0, x1), _ = m.viewRange()
            m.blockLink(True)  # a copy now, even before either view has its on-screen size
            try:
                vb.setXRange(x0, x1, padding=0)
            finally:
                m.blockLink(False)
            vb.linkedXChanged()  # then lined up pixel for pixel where both are on screen

    def _build(self) -> None:
        self.clear()  # deletes the old plots and their axes: the ruler is made anew
        old = self.ruler
        self.ruler = TimeAxis("top")
        self.ruler.set_unit(old.unit, old.tempo)
        self.plots, self.items = [], []
        self._regions, self._playheads, self._cursors, self._labels = [], [], [], []
        self._fs_lines, self._level_limit = [], None
        n = self.model.n_channels
        c = theme.colors()
        names = list(getattr(self.model.state, "channel_names", ()) or ())
        for ch in range(n):
            vb = EditViewBox()
            axes = {"top": self.ruler} if ch == 0 else {}
            plot = self.addPlot(row=ch, col=0, viewBox=vb, axisItems=axes)
            plot.showAxis("top", ch == 0)
            plot.hideAxis("bottom")
            # short rows hide the level labels (see _on_row_resized) but keep the axis' width:
            # the waveform's and the spectrogram's plot areas start at the same pixel
            plot.getAxis("left").setWidth(38)
            plot.setMenuEnabled(False)
            plot.hideButtons()
            plot.showGrid(x=True, y=False, alpha=0.15)
            self._fs_lines.append(levels.full_scale_lines(plot))
            if ch > 0:
                vb.setXLink(self.plots[0].getViewBox())
            item = EnvelopeItem(c.wave, c.rms)
            plot.addItem(item)
            region = pg.LinearRegionItem(movable=False, brush=pg.mkColor(c.selection),
                                         pen=pg.mkPen(pg.mkColor(c.cursor).darker(110)))
            region.setZValue(-5)
            region.hide()
            plot.addItem(region, ignoreBounds=True)
            cursor = pg.InfiniteLine(angle=90, pen=pg.mkPen(c.cursor, width=1))
            playhead = pg.InfiniteLine(angle=90, pen=pg.mkPen(c.playhead, width=2))
            for line in (cursor, playhead):
                plot.addItem(line, ignoreBounds=True)
            # on a backdrop: a name over a busy waveform must stay legible in a short row
            backdrop = pg.mkColor(c.background)
            backdrop.setAlpha(170)
            label = pg.TextItem(names[ch] if ch < len(names) and names[ch] else f"Ch {ch + 1}",
                                color=c.text, anchor=(0, 0), fill=backdrop)
            label.setParentItem(vb)
            label.setPos(4, 2)
            vb.sigSelectDrag.connect(lambda *a, ch=ch: self._on_drag_changed(ch, *a))
            vb.sigClicked.connect(lambda x, y, ch=ch: self._on_click_changed(ch, x))
            vb.sigHover.connect(lambda x, y, ch=ch: self._on_hover_changed(ch, x))
            vb.sigContextMenu.connect(lambda pos, x, y, ch=ch: self.sigContextMenu.emit(pos, x, ch))
            vb.sigResized.connect(self.schedule_refresh)
            vb.sigResized.connect(lambda _vb, plot=plot: self._on_row_resized(plot))
            self.plots.append(plot)
            self.items.append(item)
            self._regions.append(region)
            self._cursors.append(cursor)
            self._playheads.append(playhead)
            self._labels.append(label)
        if self.plots:
            m = self.master
            m.sigXRangeChanged.connect(self.schedule_refresh)
            dur = max(self.model.n_frames / self.model.rate, 1e-3)
            m.setLimits(xMin=0, xMax=dur, minXRange=8 / self.model.rate)
            m.setXRange(0, dur, padding=0)
            self.ruler.set_rate(self.model.rate)
        self._link_followers()
        self._fit_levels()
        self._on_selection_changed()
        self._on_channels_changed()
        self._on_playhead_changed(self.model.playhead)

    def _fit_levels(self) -> None:
        """One level range for every channel: +-1.05 FS, or wider when samples are over full
        scale (a fixed range hid them), with dashed lines at +-1 FS and each channel's peak
        named in its label when it is over."""
        state = self.model.state
        peaks = [float(seq.peak()) if state.n_frames else 0.0 for seq in state.channels] \
            if state is not None else []
        self._over_tags = [f"  over full scale: peak {levels.dbfs(p)}" if levels.is_over(p)
                           else "" for p in peaks]
        limit = levels.view_limit(max(peaks, default=0.0))
        if limit != self._level_limit:
            self._level_limit = limit
            for plot, item, lines in zip(self.plots, self.items, self._fs_lines):
                vb = plot.getViewBox()
                vb.setLimits(yMin=-limit, yMax=limit)
                vb.setYRange(-limit, limit, padding=0)
                plot.getAxis("left").setTicks([levels.level_ticks(limit)])
                item.clip_extent = limit
                for line in lines:
                    line.setVisible(limit > levels.HEADROOM)
        self._on_channels_changed()

    def restyle_theme(self, colors) -> None:
        """A theme switch: the rows are rebuilt in the new colours (envelopes, labels on their
        backdrop, selection, cursor), keeping the visible range."""
        rng = self.visible_range()
        self._build()
        if rng is not None:
            self.set_visible_range(*rng)
        self.refresh()

    # model -> view -----------------------------------------------------------------------
    def _on_document_replaced(self) -> None:
        self._build()
        self.schedule_refresh()

    def _on_state_changed(self) -> None:
        if len(self.plots) != self.model.n_channels:
            rng = self.visible_range()
            self._build()
            if rng is not None:
                self.set_visible_range(*rng)
        elif self.plots:
            dur = max(self.model.n_frames / self.model.rate, 1e-3)
            for vb in [self.master, *self._time_followers]:
                vb.setLimits(xMin=0, xMax=dur)
            self._fit_levels()
        self.refresh()

    def _on_selection_changed(self) -> None:
        sel = self.model.selection
        rate = self.model.rate
        for ch, (region, cursor) in enumerate(zip(self._regions, self._cursors)):
            if sel is None:
                region.hide()
                cursor.hide()
                continue
            cursor.setPos(sel.start / rate)
            cursor.show()
            applies = sel.channels is None or ch in sel.channels
            if sel.is_empty or not applies:
                region.hide()
            else:
                region.setRegion((sel.start / rate, sel.end / rate))
                region.show()

    def _on_channels_changed(self) -> None:
        c = theme.colors()
        audible = set(self.model.audible_channels())
        for ch, item in enumerate(self.items):
            on = ch in audible
            item.set_colors(c.wave if on else c.disabled_wave, c.rms if on else c.grid)
            base = self._labels[ch].textItem.toPlainText().split("  ")[0]
            tag = "  [solo]" if self.model.solo == ch else ("" if on else "  [off]")
            over = self._over_tags[ch] if ch < len(self._over_tags) else ""
            self._labels[ch].setText(base + tag + over)

    def _on_playhead_changed(self, frame: int) -> None:
        x = frame / self.model.rate
        for line in self._playheads:
            line.setPos(x)

    # range and drawing -------------------------------------------------------------------
    ROW_LABELS_MIN_PX = 64  # below this a row's -1/0/1 labels run into the next row's

    def _on_row_resized(self, plot) -> None:
        axis = plot.getAxis("left")
        show = plot.getViewBox().height() >= self.ROW_LABELS_MIN_PX
        if axis.style.get("showValues", True) != show:
            axis.setStyle(showValues=show)

    def schedule_refresh(self, *args) -> None:
        if not self._timer.isActive():
            self._timer.start()

    def visible_range(self) -> tuple[float, float] | None:
        if not self.plots:
            return None
        (x0, x1), _ = self.master.viewRange()
        return x0, x1

    def set_visible_range(self, t0: float, t1: float) -> None:
        if self.plots:
            self.master.setXRange(t0, t1, padding=0)

    def pixel_width(self) -> int:
        return max(16, int(self.master.width())) if self.plots else 0

    def refresh(self) -> None:
        """Fetch summaries for the visible range at the view's pixel width and redraw."""
        state = self.model.state
        if state is None or not self.plots or state.n_frames == 0:
            for item in self.items:
                item.clear()
            return
        t0, t1 = self.visible_range()
        rate = state.sample_rate
        a = max(0, int(np.floor(t0 * rate)) - 1)
        b = min(state.n_frames, int(np.ceil(t1 * rate)) + 2)
        if b <= a:
            return
        width = self.pixel_width()
        px_per_sample = width / max(1e-9, (t1 - t0) * rate)
        for ch, item in enumerate(self.items):
            item.set_summary(state.summary(ch, a, b, width), rate, px_per_sample)
        self.paint_count += 1
        self.sigRangeChanged.emit(t0, t1)

    # zoom --------------------------------------------------------------------------------
    def zoom(self, factor: float, centre: float | None = None) -> None:
        rng = self.visible_range()
        if rng is None:
            return
        x0, x1 = rng
        c = (x0 + x1) / 2 if centre is None else centre
        self.set_visible_range(c - (c - x0) / factor, c + (x1 - c) / factor)

    def fit(self) -> None:
        self.set_visible_range(0, max(self.model.n_frames / self.model.rate, 1e-3))

    def zoom_to_frames(self, a: int, b: int) -> None:
        if b > a:
            pad = 0.02 * (b - a)
            self.set_visible_range((a - pad) / self.model.rate, (b + pad) / self.model.rate)

    # mouse -> model ----------------------------------------------------------------------
    def _frame(self, seconds: float, snap: bool = True) -> int:
        f = int(round(max(0.0, seconds) * self.model.rate))
        f = min(f, self.model.n_frames)
        if snap and self.snap_to_zero and self.model.state is not None:
            f = nearest_zero_crossing(self.model.state, self.model.audible_channels() or None, f)
        return f

    def _on_drag_changed(self, ch, x0, y0, x1, y1, finished) -> None:
        a, b = sorted((self._frame(x0, finished), self._frame(x1, finished)))
        self.model.set_selection(Selection(start=a, end=b))

    def _on_click_changed(self, ch, x) -> None:
        f = self._frame(x)
        self.model.set_selection(Selection(start=f, end=f))
        self.model.set_playhead(f)

    def _on_hover_changed(self, ch, x) -> None:
        state = self.model.state
        if state is None or state.n_frames == 0:
            return
        f = min(max(0, int(x * state.sample_rate)), state.n_frames - 1)
        level = float(state.read(f, f + 1, channels=[ch])[0, 0])
        self.sigHover.emit(x, ch, level)
