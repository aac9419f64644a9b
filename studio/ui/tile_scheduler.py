"""Runs spectrogram tile computations without blocking the window.

Choice (documented for the lead): the engine host runs operations from the registry on its one
worker thread; a tile is not an operation, and only the engine owns threads, so the window does
not start its own. Tiles are small by construction (studio.dsp.tiles keeps frames x FFT size
constant, ~5 ms of numpy each), so they run here in time slices from a zero-interval QTimer:
each slice computes tiles until ~8 ms have passed, then yields to the event loop, so input and
painting stay smooth while the visible tiles fill in. Requests are LIFO-deduplicated: the
newest visible range is served first and tiles scrolled out of view are dropped.
"""
from __future__ import annotations

import time
from collections import OrderedDict
from typing import Callable

from PySide6.QtCore import QObject, QTimer, Signal

SLICE_S = 0.008


class TileScheduler(QObject):
    tile_ready = Signal(object, object)  # key, result

    def __init__(self, parent=None):
        super().__init__(parent)
        self._queue: OrderedDict = OrderedDict()  # key -> callable
        self._timer = QTimer(self, interval=0)
        self._timer.timeout.connect(self._on_slice_changed)
        self.computed = 0

    def submit(self, key, fn: Callable[[], object]) -> None:
        if key in self._queue:
            self._queue.move_to_end(key)
        else:
            self._queue[key] = fn
        if not self._timer.isActive():
            self._timer.start()

    def retain(self, keep: Callable[[object], bool]) -> None:
        """Drop queued tiles the views no longer need."""
        for key in [k for k in self._queue if not keep(k)]:
            del self._queue[key]

    def pending(self) -> int:
        return len(self._queue)

    def run_all(self) -> None:
        """Compute everything queued now (benchmarks, screenshots, tests)."""
        while self._queue:
            self._run_one()

    def _run_one(self) -> None:
        key, fn = self._queue.popitem(last=True)  # newest request first
        result = fn()
        self.computed += 1
        self.tile_ready.emit(key, result)

    def _on_slice_changed(self) -> None:
        t_end = time.perf_counter() + SLICE_S
        while self._queue and time.perf_counter() < t_end:
            self._run_one()
        if not self._queue:
            self._timer.stop()
