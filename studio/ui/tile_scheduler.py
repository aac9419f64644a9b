"""Feeds spectrogram tiles from the engine's task runner to the view, through a byte-bounded
LRU cache.

The view says which tiles it wants, most urgent first (`request`); tiles in the cache come
back at once, the others go to the runner's "tiles" lane (visible ones at a higher priority
than the prefetched neighbours) and arrive later through `tile_ready`, on the GUI thread,
which then only uploads an image. A tile that scrolls out of view before it ran is cancelled;
one already running when it is cancelled is dropped by the runner (its result is stale).
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Callable, Hashable, Iterable

import numpy as np
from PySide6.QtCore import QObject, Signal

CACHE_BYTES = 96 << 20


class TileCache:
    """Least recently used first out once the arrays held pass `max_bytes`."""

    def __init__(self, max_bytes: int = CACHE_BYTES):
        self.max_bytes = int(max_bytes)
        self.nbytes = 0
        self._d: OrderedDict[Hashable, np.ndarray] = OrderedDict()

    def get(self, key):
        data = self._d.get(key)
        if data is not None:
            self._d.move_to_end(key)
        return data

    def put(self, key, data: np.ndarray) -> None:
        old = self._d.pop(key, None)
        if old is not None:
            self.nbytes -= old.nbytes
        self._d[key] = data
        self.nbytes += data.nbytes
        while self.nbytes > self.max_bytes and len(self._d) > 1:
            _, dropped = self._d.popitem(last=False)
            self.nbytes -= dropped.nbytes

    def clear(self) -> None:
        self._d.clear()
        self.nbytes = 0

    def __contains__(self, key) -> bool:
        return key in self._d

    def __len__(self) -> int:
        return len(self._d)


def _run_tile(ctx, compute: Callable[[], np.ndarray]) -> np.ndarray:
    ctx.check_cancelled()
    return compute()


class TileFeeder(QObject):
    tile_ready = Signal(object, object)  # key, dB array

    def __init__(self, tasks, max_bytes: int = CACHE_BYTES, parent=None):
        super().__init__(parent)
        self.tasks = tasks
        self.cache = TileCache(max_bytes)
        self._inflight: dict[Hashable, int] = {}   # tile key -> task id
        self._keys: dict[int, Hashable] = {}       # task id -> tile key
        self.computed = 0
        tasks.finished.connect(self._on_task_finished)
        tasks.failed.connect(self._on_task_ended)
        tasks.cancelled.connect(self._on_task_ended)

    def request(self, wanted: Iterable[tuple[Hashable, Callable[[], np.ndarray], int]]) -> list:
        """`wanted`: (key, compute, priority), most urgent first. Returns [(key, data)] of the
        ones already cached; queues the missing ones and cancels queued tiles not wanted."""
        wanted = list(wanted)
        keep = {k for k, _, _ in wanted}
        self.retain(keep)
        ready = []
        for key, compute, priority in wanted:
            data = self.cache.get(key)
            if data is not None:
                ready.append((key, data))
            elif key not in self._inflight and not self.tasks.is_shut_down:
                tid = self.tasks.submit(_run_tile, compute, priority=priority, lane="tiles")
                self._inflight[key] = tid
                self._keys[tid] = key
        return ready

    def retain(self, keep) -> None:
        for key in [k for k in self._inflight if k not in keep]:
            self.tasks.cancel(self._inflight.pop(key))

    def clear(self) -> None:
        self.retain(())
        self.cache.clear()

    def pending(self) -> int:
        return len(self._inflight)

    def _on_task_finished(self, tid: int, data) -> None:
        key = self._keys.pop(tid, None)
        if key is None:
            return
        if self._inflight.get(key) == tid:
            del self._inflight[key]
        self.computed += 1
        self.cache.put(key, data)
        self.tile_ready.emit(key, data)

    def _on_task_ended(self, tid: int, *_) -> None:
        key = self._keys.pop(tid, None)
        if key is not None and self._inflight.get(key) == tid:
            del self._inflight[key]
