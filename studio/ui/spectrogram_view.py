"""The spectrogram view: STFT tiles of the visible range only (studio.dsp.tiles), computed on the
engine's task runner (tiles lane, visible tiles first) and cached by bytes (TileFeeder); linear, log or mel frequency axis; dB range and
gain; colour map; a rectangular time-frequency selection (sets Selection.f_lo/f_hi); hover
reports time, frequency and level. Its X range is linked to the waveform view's."""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, QTimer, Signal
from PySide6.QtWidgets import QGraphicsRectItem

from studio.core.selection import Selection
from studio.dsp import tiles as T
from studio.ui import theme
from studio.ui.ruler import format_frequency
from studio.ui.tile_scheduler import TileFeeder
from studio.ui.viewbox import EditViewBox

COLORMAPS = ("inferno", "magma", "viridis", "plasma", "turbo", "grey")
PREFETCH_TILES = 1  # computed either side of the view, after the visible ones


@dataclass(frozen=True)
class SpectrogramSettings:
    nfft: int = 2048
    window: str = "hann"
    overlap: float = 0.75
    scale: str = "log"
    range_db: float = 100.0
    gain_db: float = 0.0
    colormap: str = "inferno"
    rows: int = 512


class FreqAxis(pg.AxisItem):
    """Left axis in Hz for a view whose y runs 0..1 on the chosen frequency scale."""

    def __init__(self):
        super().__init__("left")
        self.freq_scale = "log"
        self.rate = 48000
        self.enableAutoSIPrefix(False)

    def tickValues(self, minVal, maxVal, size):
        top = self.rate / 2
        if self.freq_scale == "linear":
            step = max(100.0, 10 ** np.floor(np.log10(top / 4)))
            hz = np.arange(0, top + 1, step)
        else:
            hz = np.array([50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000], float)
            hz = hz[hz < top]
        ys = T.hz_to_scale(hz, self.freq_scale, self.rate)
        return [(1.0, [float(y) for y in ys if minVal <= y <= maxVal])]

    def tickStrings(self, values, scale, spacing):
        # rounded first: 999.99 Hz back from the scale read "1000" beside "2k"
        hz = np.round(T.scale_to_hz(np.asarray(values), self.freq_scale, self.rate))
        return [f"{h / 1000:g}k" if h >= 1000 else f"{h:.0f}" for h in hz]


class SpectrogramView(pg.GraphicsLayoutWidget):
    sigHover = Signal(float, float, float)   # seconds, Hz, dB
    sigContextMenu = Signal(object, float, float)
    settings_changed = Signal()  # overlays drawn in Hz re-map to a new frequency scale

    def __init__(self, model, tasks, parent=None):
        super().__init__(parent)
        self.model = model
        self.settings = SpectrogramSettings()
        self.ci.setContentsMargins(0, 0, 4, 0)
        self.axis = FreqAxis()
        self.vb = EditViewBox()
        self.plot = self.addPlot(viewBox=self.vb, axisItems={"left": self.axis})
        self.plot.hideAxis("bottom")
        self.plot.getAxis("left").setWidth(38)
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.vb.setYRange(0, 1, padding=0)
        self.vb.setLimits(yMin=0, yMax=1)
        self.feeder = TileFeeder(tasks, parent=self)
        self.feeder.tile_ready.connect(self._on_tile_changed)
        self._images: dict = {}                   # key -> ImageItem on screen
        self._token = 0                           # bumps when the audio or channels change
        self._wanted: set = set()
        self._lut = None
        self._set_lut()
        c = theme.colors()
        self._sel_rect = QGraphicsRectItem()
        self._style_selection(c)
        self._sel_rect.setZValue(20)
        self._sel_rect.hide()
        self.vb.addItem(self._sel_rect, ignoreBounds=True)
        self.playhead = pg.InfiniteLine(angle=90, pen=pg.mkPen(c.playhead, width=2))
        self.playhead.setZValue(30)
        self.plot.addItem(self.playhead, ignoreBounds=True)
        self._timer = QTimer(self, singleShot=True, interval=15)
        self._timer.timeout.connect(self.refresh)
        self.vb.sigXRangeChanged.connect(self.schedule_refresh)
        self.vb.sigResized.connect(self.schedule_refresh)
        self.vb.sigSelectDrag.connect(self._on_drag_changed)
        self.vb.sigClicked.connect(self._on_click_changed)
        self.vb.sigHover.connect(self._on_hover_changed)
        self.vb.sigContextMenu.connect(self.sigContextMenu.emit)
        model.document_replaced.connect(self._on_audio_changed)
        model.state_changed.connect(self._on_audio_changed)
        model.channels_changed.connect(self._on_audio_changed)
        model.selection_changed.connect(self._on_selection_changed)
        model.playhead_changed.connect(lambda f: self.playhead.setPos(f / self.model.rate))

    def _style_selection(self, c) -> None:
        """The selection outlined, with a faint tint: a band selected for spectral repair
        must leave the damage under it visible (the waveform's stronger tint would hide a
        whistle's line)."""
        self._sel_rect.setPen(pg.mkPen(c.cursor, width=1.5))
        tint = pg.mkColor(c.selection)
        tint.setAlpha(min(tint.alpha(), 28))
        self._sel_rect.setBrush(tint)

    def restyle_theme(self, c) -> None:
        self._style_selection(c)
        self.playhead.setPen(pg.mkPen(c.playhead, width=2))

    # settings ----------------------------------------------------------------------------
    def set_settings(self, **changes) -> None:
        new = replace(self.settings, **changes)
        if new == self.settings:
            return
        old, self.settings = self.settings, new
        if (old.colormap, old.range_db, old.gain_db) != (new.colormap, new.range_db, new.gain_db):
            self._set_lut()
            for img in self._images.values():
                self._style(img)
        if (old.nfft, old.window, old.overlap, old.scale, old.rows) != (
                new.nfft, new.window, new.overlap, new.scale, new.rows):
            self._clear_images()
            self.axis.freq_scale = new.scale
            self.axis.picture = None
            self.axis.update()
            self._on_selection_changed()
        self.schedule_refresh()
        self.settings_changed.emit()

    def _set_lut(self) -> None:
        name = self.settings.colormap
        cmap = pg.ColorMap([0, 1], [(0, 0, 0), (255, 255, 255)]) if name == "grey" \
            else pg.colormap.get(name)
        self._lut = cmap.getLookupTable(0.0, 1.0, 256)

    def _style(self, img: pg.ImageItem) -> None:
        s = self.settings
        img.setLookupTable(self._lut)
        img.setLevels((-s.range_db - s.gain_db, -s.gain_db))

    # tiles -------------------------------------------------------------------------------
    def current_spec(self) -> T.TileSpec | None:
        state = self.model.state
        if state is None or not self.vb.width():
            return None
        (x0, x1), _ = self.vb.viewRange()
        spp = max(1e-9, (x1 - x0) * state.sample_rate / max(1.0, self.vb.width()))
        s = self.settings
        return T.TileSpec(rate=state.sample_rate, nfft=s.nfft,
                          hop=T.hop_for(s.nfft, s.overlap, spp), window=s.window,
                          scale=s.scale, rows=s.rows)

    def _reader(self):
        state = self.model.state
        chans = self.model.audible_channels() or list(range(state.n_channels))

        def read(a, b):
            x = state.read(a, b, channels=chans)
            return x.mean(axis=0) if x.shape[0] > 1 else x[0]
        return read

    def schedule_refresh(self, *args) -> None:
        if not self._timer.isActive():
            self._timer.start()

    def refresh(self) -> None:
        spec = self.current_spec()
        state = self.model.state
        if spec is None or state.n_frames == 0:
            self._clear_images()
            return
        (x0, x1), _ = self.vb.viewRange()
        a = max(0, int(x0 * spec.rate))
        b = min(state.n_frames + spec.nfft, int(np.ceil(x1 * spec.rate)) + 1)
        n = state.n_frames
        last = (n + spec.nfft - 1) // spec.tile_frames  # the last tile holding any signal
        visible = [i for i in T.visible_tiles(spec, a, b) if i <= last]
        if not visible:
            self._clear_images()
            return
        # visible tiles from the centre outwards, then one neighbour either side
        mid = 0.5 * (visible[0] + visible[-1])
        order = sorted(visible, key=lambda i: abs(i - mid))
        extra = [i for k in range(1, PREFETCH_TILES + 1) for i in (visible[0] - k, visible[-1] + k)
                 if 0 <= i <= last]
        key = lambda i: (self._token, spec, i)  # noqa: E731
        self._wanted = {key(i) for i in visible}
        for k in list(self._images):
            if k not in self._wanted:
                self.vb.removeItem(self._images.pop(k))
        read = self._reader()
        wanted = [(key(i), lambda i=i: T.compute_tile(read, n, spec, i), 2) for i in order]
        wanted += [(key(i), lambda i=i: T.compute_tile(read, n, spec, i), 1) for i in extra]
        for k, data in self.feeder.request(wanted):
            if k in self._wanted and k not in self._images:
                self._show(k, data)

    def _on_tile_changed(self, key, data) -> None:
        if key in self._wanted and key not in self._images:
            self._show(key, data)

    def _show(self, key, data) -> None:
        spec, index = key[1], key[2]
        img = pg.ImageItem(data, autoLevels=False, axisOrder="col-major")
        self._style(img)
        f0 = index * spec.frames
        # frame k is centred on k*hop: the pixel spans [k*hop - hop/2, k*hop + hop/2)
        img.setRect(QRectF((f0 * spec.hop - spec.hop / 2) / spec.rate, 0,
                           spec.frames * spec.hop / spec.rate, 1.0))
        img.setZValue(-10)
        self.vb.addItem(img, ignoreBounds=True)
        self._images[key] = img

    def _clear_images(self) -> None:
        for img in self._images.values():
            self.vb.removeItem(img)
        self._images.clear()
        self._wanted = set()
        self.feeder.retain(())

    def is_ready(self) -> bool:
        """True when every visible tile is on screen (screenshots wait for this)."""
        return self.model.state is None or (bool(self._wanted) and
                                            all(k in self._images for k in self._wanted))

    def _on_audio_changed(self) -> None:
        self._token += 1
        self._clear_images()
        self.feeder.cache.clear()
        self.axis.rate = self.model.rate
        self.axis.picture = None
        self.axis.update()
        self.schedule_refresh()

    # selection and hover -----------------------------------------------------------------
    def _to_frame(self, x: float) -> int:
        return min(max(0, int(round(x * self.model.rate))), self.model.n_frames)

    def _to_hz(self, y: float) -> float:
        return float(T.scale_to_hz(y, self.settings.scale, self.model.rate))

    def _on_drag_changed(self, x0, y0, x1, y1, finished) -> None:
        a, b = sorted((self._to_frame(x0), self._to_frame(x1)))
        lo, hi = sorted((self._to_hz(y0), self._to_hz(y1)))
        if hi - lo < 1.0:
            lo, hi = None, None
        self.model.set_selection(Selection(start=a, end=b, f_lo=lo, f_hi=hi))

    def _on_click_changed(self, x, y) -> None:
        f = self._to_frame(x)
        self.model.set_selection(Selection(start=f, end=f))
        self.model.set_playhead(f)

    def _on_selection_changed(self) -> None:
        sel = self.model.selection
        if sel is None or sel.is_empty:
            self._sel_rect.hide()
            return
        rate = self.model.rate
        if sel.has_freq_range:
            y0 = float(T.hz_to_scale(sel.f_lo, self.settings.scale, rate))
            y1 = float(T.hz_to_scale(sel.f_hi, self.settings.scale, rate))
        else:
            y0, y1 = 0.0, 1.0
        self._sel_rect.setRect(QRectF(sel.start / rate, y0, sel.length / rate, y1 - y0))
        self._sel_rect.show()

    def level_at(self, seconds: float, y: float) -> float | None:
        for key, img in self._images.items():
            spec, index = key[1], key[2]
            k = int(round(seconds * spec.rate / spec.hop)) - index * spec.frames
            if 0 <= k < spec.frames:
                row = min(spec.rows - 1, max(0, int(y * spec.rows)))
                return float(img.image[k, row])
        return None

    def _on_hover_changed(self, x, y) -> None:
        level = self.level_at(x, y)
        self.sigHover.emit(x, self._to_hz(y), np.nan if level is None else level)

    @staticmethod
    def describe_hz(hz: float) -> str:
        return format_frequency(hz)
