"""Background tasks that are not operations: opening files and sessions, saving, exporting,
spectrogram tiles, summaries. The engine owns every thread in the app, so the window asks
this runner instead of starting its own.

A `TaskRunner` keeps one long-lived QThread per *lane* (by default "io" for file work and
"tiles" for spectrogram tiles, so a one-hour load never holds up the tiles of the view the
user is looking at). `submit(fn, *args, key=..., priority=..., lane=..., **kw)` queues
`fn(ctx, *args, **kw)`; the lane runs the highest priority first, then first come first
served. `fn` receives a `TaskContext`: `ctx.progress(fraction, message)` (throttled to
PROGRESS_HZ, raises Cancelled once cancelled) and `ctx.cancelled()` / `ctx.check_cancelled()`.
The context is also callable as a plain progress callback, and `ctx.cancelled` as the
`cancelled` callable core's loaders take.

Every task ends with exactly one of the signals `finished(task_id, result)`,
`failed(task_id, message, traceback)` or `cancelled(task_id)`, always delivered on the
runner's (GUI) thread, never from inside `submit` or `cancel`. Replies cross threads in a
deque; a queued signal without arguments wakes the GUI thread to drain it (no Python object
rides through Qt's queued-signal marshalling, which mishandled refcounts under load in
testing), and they are checked on the GUI thread: a task that was cancelled or superseded
while it ran reports `cancelled`, whatever its function returned (a stale result is dropped).

Latest wins by key: submitting with the `key` of a task still queued or running cancels it.
`shutdown()` cancels everything, joins the lanes and leaves no thread behind.
"""
from __future__ import annotations

import collections
import heapq
import itertools
import threading
import time
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable, Hashable

from PySide6.QtCore import QObject, QThread, Qt, Signal, Slot

from studio.errors import Cancelled, StudioError

PROGRESS_HZ = 20.0
LANES = ("io", "tiles")


class TaskContext:
    """What a task function sees: progress reporting and cancellation, nothing else."""

    def __init__(self, task_id: int, event: threading.Event,
                 report: Callable[[int, float, str], None]):
        self.task_id = task_id
        self.event = event          # for APIs that take a threading.Event
        self._report = report
        self._last = 0.0

    def cancelled(self) -> bool:
        return self.event.is_set()

    def check_cancelled(self) -> None:
        if self.event.is_set():
            raise Cancelled()

    def progress(self, fraction: float, message: str = "") -> None:
        """Report progress (at most PROGRESS_HZ per second reach the GUI; the last one, at
        fraction 1, always does) and raise Cancelled when the task was cancelled."""
        self.check_cancelled()
        now = time.monotonic()
        if fraction >= 1.0 or now - self._last >= 1.0 / PROGRESS_HZ:
            self._last = now
            self._report(self.task_id, float(min(1.0, max(0.0, fraction))), str(message))

    __call__ = progress


@dataclass(order=True)
class _Task:
    sort_key: tuple
    task_id: int = field(compare=False)
    fn: Callable = field(compare=False)
    args: tuple = field(compare=False)
    kw: dict = field(compare=False)
    key: Hashable = field(compare=False)
    lane: str = field(compare=False)
    event: threading.Event = field(compare=False, default_factory=threading.Event)
    running: bool = field(compare=False, default=False)


class _Lane(QThread):
    """One worker thread: takes the best queued task of its lane, runs it, sends the reply."""

    def __init__(self, runner: "TaskRunner", name: str):
        super().__init__()
        self.runner = runner
        self.lane = name
        self.setObjectName(f"studio-tasks-{name}")

    def run(self) -> None:
        r = self.runner
        while True:
            task = r._take(self.lane)
            if task is None:
                return
            ctx = TaskContext(task.task_id, task.event, r._send_progress)
            try:
                ctx.check_cancelled()
                result = task.fn(ctx, *task.args, **task.kw)
                reply = ("finished", task.task_id, result)
            except Cancelled:
                reply = ("cancelled", task.task_id, None)
            except StudioError as e:
                reply = ("failed", task.task_id, (str(e), ""))
            except Exception as e:  # noqa: BLE001 - a task's bug must not kill the lane
                reply = ("failed", task.task_id,
                         (f"{type(e).__name__}: {e}", traceback.format_exc()))
            r._post(reply)


class TaskRunner(QObject):
    finished = Signal(int, object)        # task_id, result
    failed = Signal(int, str, str)        # task_id, message, traceback
    cancelled = Signal(int)               # task_id
    progress = Signal(int, float, str)    # task_id, fraction, message
    _wake = Signal()

    def __init__(self, parent=None, lanes: tuple[str, ...] = LANES):
        super().__init__(parent)
        self._cond = threading.Condition()
        self._queues: dict[str, list[_Task]] = {name: [] for name in lanes}
        self._tasks: dict[int, _Task] = {}      # queued or running, by id
        self._by_key: dict[Hashable, int] = {}  # key -> newest task id
        self._ids = itertools.count(1)
        self._seq = itertools.count()
        self._stopping = False
        self._replies: collections.deque = collections.deque()
        self._wake.connect(self._on_wake, Qt.QueuedConnection)
        self._lanes = {name: _Lane(self, name) for name in lanes}
        for lane in self._lanes.values():
            lane.start()

    # ----- public API (GUI thread)
    def submit(self, fn: Callable, *args, key: Hashable = None, priority: int = 0,
               lane: str = "io", **kw) -> int:
        """Queue `fn(ctx, *args, **kw)` on `lane`; higher `priority` runs first. A task with
        the same `key` still queued or running is cancelled (latest wins)."""
        if lane not in self._queues:
            raise ValueError(f"unknown task lane {lane!r}; lanes are {tuple(self._queues)}")
        task_id = next(self._ids)
        task = _Task((-priority, next(self._seq)), task_id, fn, args, kw, key, lane)
        with self._cond:
            if self._stopping:
                raise RuntimeError("the task runner is shut down")
            if key is not None and key in self._by_key:
                self._cancel_locked(self._by_key[key])
            self._tasks[task_id] = task
            if key is not None:
                self._by_key[key] = task_id
            heapq.heappush(self._queues[lane], task)
            self._cond.notify_all()
        return task_id

    def cancel(self, task_id: int) -> bool:
        """Cancel a queued or running task; False when it already ended. Its `cancelled`
        signal follows from the event loop."""
        with self._cond:
            return self._cancel_locked(task_id)

    def cancel_key(self, key: Hashable) -> bool:
        with self._cond:
            tid = self._by_key.get(key)
            return tid is not None and self._cancel_locked(tid)

    def is_active(self, task_id: int) -> bool:
        with self._cond:
            t = self._tasks.get(task_id)
            return t is not None and not t.event.is_set()

    def pending(self, lane: str | None = None) -> int:
        """Tasks queued or running (in one lane, or all)."""
        with self._cond:
            return sum(1 for t in self._tasks.values() if lane is None or t.lane == lane)

    def shutdown(self, timeout_ms: int = 10000) -> None:
        """Cancel everything, stop and join the lanes; safe to call twice."""
        with self._cond:
            if self._stopping:
                return
            self._stopping = True
            for t in self._tasks.values():
                t.event.set()
            for q in self._queues.values():
                q.clear()
            self._tasks.clear()
            self._by_key.clear()
            self._cond.notify_all()
        for lane in self._lanes.values():
            if not lane.wait(timeout_ms):
                raise RuntimeError(f"task lane {lane.lane} did not stop within {timeout_ms} ms")

    @property
    def is_shut_down(self) -> bool:
        return self._stopping

    def threads_alive(self) -> int:
        return sum(1 for lane in self._lanes.values() if lane.isRunning())

    # ----- internals
    def _cancel_locked(self, task_id: int) -> bool:
        t = self._tasks.get(task_id)
        if t is None or t.event.is_set():
            return False
        t.event.set()
        if not t.running:  # never started: out of the queue now, reported from the loop
            q = self._queues[t.lane]
            q.remove(t)
            heapq.heapify(q)
            self._post(("cancelled", task_id, None))
        return True

    def _take(self, lane: str) -> _Task | None:
        """Block until a task of `lane` is queued (None when shutting down)."""
        with self._cond:
            q = self._queues[lane]
            while not q and not self._stopping:
                self._cond.wait()
            if self._stopping:
                return None
            task = heapq.heappop(q)
            task.running = True
            return task

    def _send_progress(self, task_id: int, fraction: float, message: str) -> None:
        self._post(("progress", task_id, (fraction, message)))

    def _post(self, reply: tuple) -> None:
        """Any thread: queue a reply; the first one queued since the last drain wakes the GUI."""
        self._replies.append(reply)
        self._wake.emit()

    @Slot()
    def _on_wake(self) -> None:
        while self._replies:
            try:
                reply = self._replies.popleft()
            except IndexError:
                return
            self._on_reply(*reply)

    def _on_reply(self, kind: str, task_id: int, payload) -> None:
        with self._cond:
            t = self._tasks.get(task_id)
            if t is None:
                return  # shut down, or already reported
            if kind == "progress":
                if t.event.is_set():
                    return
            else:
                del self._tasks[task_id]
                if t.key is not None and self._by_key.get(t.key) == task_id:
                    del self._by_key[t.key]
                if t.event.is_set():
                    kind = "cancelled"  # cancelled or superseded while running: stale
        if kind == "progress":
            self.progress.emit(task_id, *payload)
        elif kind == "finished":
            self.finished.emit(task_id, payload)
        elif kind == "failed":
            self.failed.emit(task_id, *payload)
        else:
            self.cancelled.emit(task_id)


def run_inline(fn: Callable, *args, **kw) -> Any:
    """Run a task function synchronously with a context that is never cancelled (command
    line, benchmarks)."""
    return fn(TaskContext(0, threading.Event(), lambda *_: None), *args, **kw)
