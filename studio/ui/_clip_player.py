"""Audition a short clip that is not the document (a training demo) through the same pull
device the transport uses (playback.PullDevice), on the output the user chose."""
from __future__ import annotations

from typing import Callable

import numpy as np
from PySide6.QtCore import QIODevice, QObject, Signal
from PySide6.QtMultimedia import QAudio, QAudioFormat, QAudioSink, QMediaDevices

from studio.ui.playback import PullDevice, release_output


class _ArraySource:
    def __init__(self, audio: np.ndarray):
        self.audio = np.atleast_2d(np.asarray(audio, np.float32))

    def read(self, a: int, b: int, channels: list[int]) -> np.ndarray:
        return self.audio[channels, a:b]


class ClipPlayer(QObject):
    playing_changed = Signal(bool)

    def __init__(self, device_id: Callable[[], bytes | None] = lambda: None, parent=None):
        super().__init__(parent)
        self._device_id = device_id
        self._sink: QAudioSink | None = None
        self._dev: PullDevice | None = None

    def _device(self):
        wanted = self._device_id()
        for d in QMediaDevices.audioOutputs():
            if wanted is not None and bytes(d.id()) == wanted:
                return d
        d = QMediaDevices.defaultAudioOutput()
        return None if d.isNull() else d

    def has_output(self) -> bool:
        return self._device() is not None

    @property
    def playing(self) -> bool:
        return self._sink is not None

    def play(self, audio: np.ndarray, rate: int) -> bool:
        """Start playing (C, N) audio from the top; False when there is no output."""
        self.stop()
        device = self._device()
        if device is None:
            return False
        audio = np.atleast_2d(audio)
        out_ch = min(2, audio.shape[0])
        fmt = QAudioFormat()
        fmt.setSampleRate(int(rate))
        fmt.setChannelCount(out_ch)
        fmt.setSampleFormat(QAudioFormat.Float)
        self._dev = PullDevice(out_ch, self)
        self._dev.source = _ArraySource(audio)
        self._dev.channels = list(range(audio.shape[0]))
        self._dev.pos, self._dev.end = 0, audio.shape[1]
        self._dev.open(QIODevice.ReadOnly)
        self._sink = QAudioSink(device, fmt, self)
        self._sink.stateChanged.connect(self._on_sink_state_changed)
        self._sink.start(self._dev)
        if self._sink.error() != QAudio.NoError:
            self.stop()
            return False
        self.playing_changed.emit(True)
        return True

    def switch(self, audio: np.ndarray) -> None:
        """Play `audio` from the current position on (A/B between clips, no gap); a shorter
        clip ends where it ends."""
        if self._dev is None:
            return
        audio = np.atleast_2d(audio)
        self._dev.source = _ArraySource(audio)
        self._dev.channels = list(range(audio.shape[0]))
        self._dev.end = audio.shape[1]
        self._dev.pos = min(self._dev.pos, self._dev.end)

    def stop(self) -> None:
        was = self._sink is not None
        release_output(self._sink, self._dev)
        self._sink = self._dev = None
        if was:
            self.playing_changed.emit(False)

    def _on_sink_state_changed(self, state) -> None:
        if state == QAudio.IdleState and self._dev is not None and self._dev.pos >= self._dev.end:
            self.stop()
