"""Playback through QtMultimedia: a QAudioSink pulls float32 frames from a QIODevice that reads
the document's blocks. A/B switches the source inside the device at the same position, so the
switch has no gap. Without an audio output the transport still runs on a wall clock (the
playhead moves, nothing sounds) and the window says so once."""
from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import QIODevice, QObject, QTimer, Signal
from PySide6.QtMultimedia import QAudio, QAudioFormat, QAudioSink, QMediaDevices

BLOCK_FRAMES = 2048


class StateSource:
    """Reads the document as it is."""

    def __init__(self, state):
        self.state = state

    def read(self, a: int, b: int, channels: list[int]) -> np.ndarray:
        return self.state.read(a, b, channels=channels)


class TakeSource(StateSource):
    """The document with a take's audio in place of [take.start, take.end)."""

    def __init__(self, state, take):
        super().__init__(state)
        self.take = take

    def read(self, a, b, channels):
        out = self.state.read(a, b, channels=channels)
        t = self.take
        lo, hi = max(a, t.start), min(b, t.start + t.audio.shape[1], t.end)
        if hi > lo:
            tch = list(t.channels)
            for i, ch in enumerate(channels):
                if ch in tch:
                    out[i, lo - a:hi - a] = t.audio[tch.index(ch), lo - t.start:hi - t.start]
        return out


class PullDevice(QIODevice):
    """The QIODevice the sink pulls from: interleaved float32 stereo-or-mono frames."""

    def __init__(self, out_channels: int, parent=None):
        super().__init__(parent)
        self.out_channels = out_channels
        self.source = None
        self.channels: list[int] = []
        self.pos = 0
        self.end = 0
        self.loop: tuple[int, int] | None = None

    def readData(self, maxlen: int):
        frames = max(0, min(maxlen // (4 * self.out_channels), BLOCK_FRAMES * 4))
        if self.source is None or frames == 0:
            return bytes()
        out = np.zeros((frames, self.out_channels), np.float32)
        done = 0
        while done < frames:
            stop = self.loop[1] if self.loop else self.end
            if self.pos >= stop:
                if self.loop:
                    self.pos = self.loop[0]
                    continue
                break
            n = min(frames - done, stop - self.pos)
            x = self.source.read(self.pos, self.pos + n, self.channels)
            out[done:done + n] = _to_output(x, self.out_channels).T
            self.pos += n
            done += n
        if done == 0:
            return bytes()
        return out[:done].tobytes()

    def writeData(self, data) -> int:
        return -1

    def bytesAvailable(self) -> int:
        return BLOCK_FRAMES * 4 * self.out_channels + super().bytesAvailable()

    def isSequential(self) -> bool:
        return True


def _to_output(x: np.ndarray, out_channels: int) -> np.ndarray:
    if x.shape[0] == out_channels:
        return x
    if out_channels == 1:
        return x.mean(axis=0, keepdims=True)
    if x.shape[0] == 1:
        return np.repeat(x, out_channels, axis=0)
    return x[:out_channels] if x.shape[0] > out_channels else np.vstack(
        [x, np.repeat(x[-1:], out_channels - x.shape[0], axis=0)])


class Player(QObject):
    position_changed = Signal(int)     # frames
    playing_changed = Signal(bool)
    notice = Signal(str)               # one-line messages for the status bar

    def __init__(self, model, parent=None):
        super().__init__(parent)
        self.model = model
        self.loop_selection = False
        self.take = None               # the take B plays, or None
        self.use_take = False          # A/B: False plays the original
        self.device_id: bytes | None = None
        self._sink: QAudioSink | None = None
        self._dev: PullDevice | None = None
        self._clock_start = 0.0        # no-device mode: wall-clock transport
        self._clock_frame = 0
        self._start_frame = 0
        self._playing = False
        self._warned = False
        self._loop: tuple[int, int] | None = None
        self._end = 0
        self._timer = QTimer(self, interval=30)
        self._timer.timeout.connect(self._on_tick_changed)

    # devices -----------------------------------------------------------------------------
    @staticmethod
    def outputs() -> list[tuple[bytes, str]]:
        return [(bytes(d.id()), d.description()) for d in QMediaDevices.audioOutputs()]

    def _device(self):
        outs = QMediaDevices.audioOutputs()
        for d in outs:
            if self.device_id is not None and bytes(d.id()) == self.device_id:
                return d
        d = QMediaDevices.defaultAudioOutput()
        return None if d.isNull() else d

    def has_output(self) -> bool:
        return self._device() is not None

    def set_output(self, device_id: bytes | None) -> None:
        was = self._playing
        self.stop(keep_position=True)
        self.device_id = device_id
        if was:
            self.play()

    # transport ---------------------------------------------------------------------------
    @property
    def playing(self) -> bool:
        return self._playing

    def _range(self) -> tuple[int, int, tuple[int, int] | None]:
        n = self.model.n_frames
        sel = self.model.selection
        start = self.model.playhead
        loop = None
        if self.loop_selection and sel is not None and not sel.is_empty:
            loop = (sel.start, sel.end)
            if not sel.start <= start < sel.end:
                start = sel.start
        if start >= n:
            start = 0
        return start, n, loop

    def _source(self):
        state = self.model.state
        if self.use_take and self.take is not None:
            return TakeSource(state, self.take)
        return StateSource(state)

    def play(self) -> None:
        if self.model.state is None or self.model.n_frames == 0 or self._playing:
            return
        start, end, loop = self._range()
        self._start_frame = start
        device = self._device()
        if device is None:
            if not self._warned:
                self._warned = True
                self.notice.emit("No audio output: playback runs silently (the playhead moves)")
            self._clock_start = time.perf_counter()
            self._clock_frame = start
            self._loop, self._end = loop, end
        else:
            fmt = QAudioFormat()
            fmt.setSampleRate(self.model.rate)
            out_ch = min(2, max(1, self.model.n_channels))
            fmt.setChannelCount(out_ch)
            fmt.setSampleFormat(QAudioFormat.Float)
            self._dev = PullDevice(out_ch, self)
            self._dev.source = self._source()
            self._dev.channels = self.model.audible_channels() or [0]
            self._dev.pos, self._dev.end, self._dev.loop = start, end, loop
            self._dev.open(QIODevice.ReadOnly)
            self._sink = QAudioSink(device, fmt, self)
            self._sink.stateChanged.connect(self._on_sink_state_changed)
            self._sink.start(self._dev)
            if self._sink.error() != QAudio.NoError:
                self._drop_sink()
                if not self._warned:
                    self._warned = True
                    self.notice.emit("Audio output failed to start: playback runs silently")
                self._clock_start, self._clock_frame = time.perf_counter(), start
                self._loop, self._end = loop, end
        self._playing = True
        self._timer.start()
        self.playing_changed.emit(True)

    def pause(self) -> None:
        if self._playing:
            pos = self.current_frame()
            self._halt()
            self.model.set_playhead(pos)

    def stop(self, keep_position: bool = False) -> None:
        was = self._playing
        self._halt()
        if was and not keep_position:
            self.model.set_playhead(self._start_frame)

    def toggle(self) -> None:
        self.pause() if self._playing else self.play()

    def _halt(self) -> None:
        self._timer.stop()
        self._drop_sink()
        if self._playing:
            self._playing = False
            self.playing_changed.emit(False)

    def _drop_sink(self) -> None:
        release_output(self._sink, self._dev)
        self._sink = self._dev = None

    # A/B -----------------------------------------------------------------------------------
    def set_take(self, take) -> None:
        self.take = take
        if take is None:
            self.set_use_take(False)

    def set_use_take(self, on: bool) -> None:
        """Switch between the original (A) and the take (B) at the same position, no gap."""
        self.use_take = bool(on) and self.take is not None
        if self._dev is not None:
            self._dev.source = self._source()

    # position ----------------------------------------------------------------------------
    def current_frame(self) -> int:
        if self._sink is not None and self._dev is not None:
            # what the device has handed over minus what still waits in the sink's buffer
            queued = (self._sink.bufferSize() - self._sink.bytesFree()) // (
                4 * self._dev.out_channels)
            return max(0, self._dev.pos - queued)
        if self._playing:
            f = self._clock_frame + int((time.perf_counter() - self._clock_start) * self.model.rate)
            if self._loop:
                a, b = self._loop
                if f >= b:
                    f = a + (f - a) % max(1, b - a)
            return f
        return self.model.playhead

    def _on_tick_changed(self) -> None:
        f = self.current_frame()
        if self._sink is None and not self._loop and f >= self._end:
            self._halt()
            self.model.set_playhead(self._end)
            return
        self.model.set_playhead(f)
        self.position_changed.emit(f)

    def _on_sink_state_changed(self, state) -> None:
        if state == QAudio.IdleState and self._dev is not None and self._dev.pos >= self._dev.end:
            end = self._dev.end
            self._halt()
            self.model.set_playhead(end)


def release_output(sink, device) -> None:
    """Stop and free an audio sink and the pull device feeding it (either may be None)."""
    if sink is not None:
        sink.stop()
        sink.deleteLater()
    if device is not None:
        device.close()
        device.deleteLater()
