"""The window's engine: one long-lived worker on one QThread, fed from a job queue.

The worker lives as long as the host, so models an op loaded into `ctx.cache` stay loaded
between jobs. It runs `runner.run_job` (the same code the command line uses) and sends the
protocol's replies back as Qt signals; they arrive on the host's thread (the GUI thread), where
replies of superseded jobs are dropped before anyone sees them.

Cancelling sets the job's own `threading.Event`, which the running op sees at its next chunk
or `ctx.progress` call: a queued "cancel" message would wait behind the job it cancels.
Cancelling a job that has not started removes it from the queue.

Latency: the worker holds the GIL only between torch calls (which release it); Python gives
the GIL back to the GUI thread every `sys.getswitchinterval()` seconds (5 ms by default), so
even a pure-Python loop in an op delays the event loop by a few milliseconds, not a job's
length. `SWITCH_INTERVAL` is set on start, only ever lowered. The engine thread also runs at
a lower CPU priority (`ENGINE_NICE`), so on a busy machine the event loop is scheduled first
(tests/bench/engine.py: p99 timer lateness roughly halves on a loaded 2-core machine).

QtCore only: the host works in a QCoreApplication (tests, headless tools) as in the window.
"""
from __future__ import annotations

import collections
import os
import sys
import threading
import traceback

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

from studio.engine.protocol import (JobCancelled, JobFailed, JobFinished, JobProgress,
                                    JobRequest, JobStarted)
from studio.errors import Cancelled, StudioError

SWITCH_INTERVAL = 0.002  # seconds; see the module docstring
# The engine thread (and the torch/OpenMP helpers it starts) runs this much "nicer" than the
# window's thread: when the cores are busy the scheduler lets the event loop run first.
ENGINE_NICE = int(os.environ.get("STUDIO_ENGINE_NICE", "5"))
_FINAL = (JobFinished, JobFailed, JobCancelled)


def _lower_priority(nice: int) -> None:
    """Raise this thread's nice value (Linux: per thread; threads it starts inherit it)."""
    if nice <= 0 or not hasattr(os, "setpriority"):
        return
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + nice))
    except OSError:
        pass  # not permitted or not supported: run at normal priority


def _device_name(requested: str) -> str:
    from studio.engine import devices
    try:
        return str(devices.resolve(requested))
    except StudioError:
        return requested  # the job itself fails with the explanation


class _Worker(QObject):
    """Lives on the engine thread; pulls jobs from the host's queue and runs them."""
    reply = Signal(object)
    ready = Signal()

    def __init__(self, host: "EngineHost"):
        super().__init__()
        self._host = host
        self.cache: dict = {}  # models and other heavy objects, kept between jobs

    @Slot()
    def warm_up(self) -> None:
        """Import torch and the ops here, on the engine thread, as soon as it starts: the import
        takes seconds and must neither block the window nor delay the first job more than
        it has to."""
        _lower_priority(ENGINE_NICE)
        from studio.engine import registry, runner  # noqa: F401
        registry.discover()
        self.ready.emit()

    @Slot()
    def drain(self) -> None:
        from studio.engine.runner import run_job
        while True:
            job = self._host._take_next()
            if job is None:
                return
            request, cancel = job
            jid = request.job_id
            self.reply.emit(JobStarted(jid, request.op_id, _device_name(request.device)))
            final = self._run_one(run_job, request, cancel)
            # forget the job before the final reply leaves, so that when the GUI thread sees
            # it, `pending()` no longer counts it
            self._host._job_done(jid)
            self.reply.emit(final)

    def _run_one(self, run_job, request: JobRequest, cancel: threading.Event):
        jid = request.job_id
        try:
            result = run_job(request, cancel_event=cancel, cache=self.cache,
                             on_progress=lambda d, t, m: self.reply.emit(JobProgress(jid, d, t, m)))
        except Cancelled:
            return JobCancelled(jid)
        except StudioError as e:
            return JobFailed(jid, str(e), "")
        except Exception as e:  # noqa: BLE001 - a failing op must not take the engine down
            return JobFailed(jid, f"{type(e).__name__}: {e}", traceback.format_exc())
        if cancel.is_set():  # cancelled after its last check: a cancel still wins
            return JobCancelled(jid)
        return JobFinished(jid, result)


class EngineHost(QObject):
    """Submit jobs, cancel them, and receive their replies as signals on this object's thread.

    `submit(request, supersede_key=k)` marks every earlier job with the same key stale: it is
    cancelled, and whatever it still sends is dropped (a preview replaced by a newer one)."""
    started = Signal(object)    # JobStarted
    progress = Signal(object)   # JobProgress
    finished = Signal(object)   # JobFinished
    failed = Signal(object)     # JobFailed
    cancelled = Signal(object)  # JobCancelled
    reply = Signal(object)      # every reply that is not dropped, in order
    idle = Signal()             # the queue is empty and nothing runs
    ready = Signal()            # torch and the operations are loaded on the engine thread
    _wake = Signal()

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        if sys.getswitchinterval() > SWITCH_INTERVAL:
            sys.setswitchinterval(SWITCH_INTERVAL)
        self._lock = threading.Lock()
        self._queue: collections.deque[tuple[JobRequest, threading.Event]] = collections.deque()
        self._running: dict[str, threading.Event] = {}
        self._live: set[str] = set()         # submitted, not superseded, no final reply yet
        self._key_of: dict[str, object] = {}  # job id -> supersede key
        self._latest: dict[object, str] = {}  # supersede key -> newest job id
        self._thread = QThread()
        self._thread.setObjectName("studio-engine")
        self._worker = _Worker(self)
        self._worker.moveToThread(self._thread)
        self._wake.connect(self._worker.drain)
        self._thread.started.connect(self._worker.warm_up)
        self._worker.reply.connect(self._on_reply)
        self._worker.ready.connect(self._on_ready)
        self._ready = False
        self._closed = False
        self._thread.start()
        app = QCoreApplication.instance()
        if app is not None:  # never leave the thread running when the application quits
            app.aboutToQuit.connect(self.shutdown)

    # ---- called from the GUI thread ---------------------------------------------------------
    def submit(self, request: JobRequest, supersede_key: object = None) -> str:
        if self._closed:
            raise RuntimeError("the engine is shut down")
        jid = request.job_id
        with self._lock:
            if supersede_key is not None:
                old = self._latest.get(supersede_key)
                self._latest[supersede_key] = jid
                self._key_of[jid] = supersede_key
                if old is not None:
                    self._live.discard(old)
                    self._cancel_locked(old)
            self._live.add(jid)
            self._queue.append((request, threading.Event()))
        self._wake.emit()
        return jid

    def cancel(self, job_id: str) -> None:
        """Cancel a queued job (removed, `cancelled` is emitted) or the running one."""
        with self._lock:
            removed = self._cancel_locked(job_id)
        if removed and job_id in self._live:
            self._emit(JobCancelled(job_id))

    def cancel_all(self) -> None:
        with self._lock:
            ids = [r.job_id for r, _ in self._queue] + list(self._running)
        for jid in ids:
            self.cancel(jid)

    def supersede(self, key: object) -> None:
        """Mark the current job for `key` stale without submitting a new one."""
        with self._lock:
            old = self._latest.pop(key, None)
            if old is not None:
                self._live.discard(old)
                self._cancel_locked(old)

    def is_ready(self) -> bool:
        return self._ready

    def is_stale(self, job_id: str) -> bool:
        return job_id not in self._live

    def pending(self) -> int:
        """Jobs queued or running."""
        with self._lock:
            return len(self._queue) + len(self._running)

    @property
    def cache(self) -> dict:
        return self._worker.cache

    def shutdown(self, timeout_ms: int = 10_000) -> bool:
        """Cancel everything, stop the thread and wait for it; True when it has ended."""
        if self._closed:
            return True
        self._closed = True
        with self._lock:
            self._queue.clear()
            for ev in self._running.values():
                ev.set()
        self._thread.quit()
        ended = self._thread.wait(timeout_ms)
        self._worker.cache.clear()
        return bool(ended)

    # ---- internals ---------------------------------------------------------------------------
    def _cancel_locked(self, job_id: str) -> bool:
        """Returns True when the job was still queued (and is now removed)."""
        for i, (req, _ev) in enumerate(self._queue):
            if req.job_id == job_id:
                del self._queue[i]
                self._forget_locked(job_id)
                return True
        ev = self._running.get(job_id)
        if ev is not None:
            ev.set()
        return False

    def _forget_locked(self, job_id: str) -> None:
        key = self._key_of.pop(job_id, None)
        if key is not None and self._latest.get(key) == job_id:
            del self._latest[key]

    def _take_next(self):  # engine thread
        with self._lock:
            if self._closed or not self._queue:
                return None
            request, ev = self._queue.popleft()
            self._running[request.job_id] = ev
            return request, ev

    def _job_done(self, job_id: str) -> None:  # engine thread
        with self._lock:
            self._running.pop(job_id, None)

    @Slot()
    def _on_ready(self) -> None:
        self._ready = True
        self.ready.emit()

    @Slot(object)
    def _on_reply(self, msg) -> None:  # GUI thread
        if msg.job_id in self._live:
            self._emit(msg)
            return
        if isinstance(msg, _FINAL):  # a superseded job ended: dropped
            with self._lock:
                self._forget_locked(msg.job_id)
            if not self._live and self.pending() == 0:
                self.idle.emit()

    def _emit(self, msg) -> None:
        final = isinstance(msg, _FINAL)
        if final:
            self._live.discard(msg.job_id)
            with self._lock:  # until now a supersede could still catch this job's reply
                self._forget_locked(msg.job_id)
        {JobStarted: self.started, JobProgress: self.progress, JobFinished: self.finished,
         JobFailed: self.failed, JobCancelled: self.cancelled}[type(msg)].emit(msg)
        self.reply.emit(msg)
        if final and not self._live and self.pending() == 0:
            self.idle.emit()
