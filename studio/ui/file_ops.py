"""Opening, saving and exporting in the background, with progress and cancel.

The work runs on the engine's task runner ("io" lane); this module only submits it and turns
the replies into signals the window acts on, on the GUI thread. What crosses the thread is
immutable: a save writes a `Snapshot` (the AudioState is never mutated, so the user can keep
editing while it is written), an export reads one AudioState. A load builds its Document off
the GUI thread and hands it over whole, so a cancelled or failed load changes nothing.
"""
from __future__ import annotations

import dataclasses
import os

import numpy as np

from PySide6.QtCore import QEventLoop, QObject, QTimer, Signal

from studio.core.session import SESSION_SUFFIX, SESSION_SUFFIXES as SESSION_EXTS
from studio.core.session import is_session_file, with_session_suffix

AUDIO_FILTER = ("Audio files (*.wav *.flac *.ogg *.oga *.aiff *.aif *.mp3 *.w64 *.rf64 *.caf);;"
                f"Sessions (*{SESSION_SUFFIX} *.studio);;All files (*)")
SESSION_FILTER = f"Sessions (*{SESSION_SUFFIX})"
EXPORT_CHUNK = 1 << 18


def is_session(path: str) -> bool:
    return is_session_file(path)  # by content when the name lacks the suffix


# task functions: run on the io lane, no Qt --------------------------------------------------

WARM_COLUMNS = 4096


def warm_summaries(ctx, state) -> None:
    """Compute the blocks' lazy min/max/RMS summaries here, off the GUI thread: the first
    whole-file view (overview, fitted waveform) would otherwise pay for them on first paint
    (about a second for an hour of stereo on a loaded machine)."""
    for ch in range(state.n_channels):
        ctx.check_cancelled()
        state.summary(ch, 0, state.n_frames, WARM_COLUMNS)


def read_document(ctx, path: str, warnings: list | None = None):
    """An audio file or a session as a core Document (raises StudioError / Cancelled), its
    summaries ready for the first paint. What reading found wrong (truncation, NaN/Inf
    replaced, damage bridged) is appended to `warnings`, for the window to show once the
    task has ended, instead of going to Python's warnings (a terminal the user never sees)."""
    if is_session(path):
        from studio.core import session
        doc = session.load_session(path, progress=ctx, cancelled=ctx.cancelled)
    else:
        from studio.core.loading import load_document
        on_warning = warnings.append if warnings is not None else None
        doc = load_document(path, progress=ctx, cancelled=ctx.cancelled, on_warning=on_warning)
    if doc.state.n_frames:
        warm_summaries(ctx, doc.state)
    ctx.check_cancelled()
    return doc


def write_session(ctx, snap, path: str) -> str:
    from studio.core import session
    session.save_session(snap, path, progress=ctx, cancelled=ctx.cancelled)
    return path


def write_export(ctx, state, path: str, a: int, b: int, fmt, subtype, rate, gain: float = 1.0):
    from studio.io import export
    chunks = (state.read(i, min(b, i + EXPORT_CHUNK)) for i in range(a, b, EXPORT_CHUNK))
    if gain != 1.0:  # normalising overs on the way out; the document keeps its level
        chunks = (c * np.float32(gain) for c in chunks)
    return export.write(path, chunks, state.sample_rate, format=fmt, subtype=subtype,
                        target_rate=rate, progress=ctx, cancelled=ctx.cancelled, frames=b - a)


def recover_document(ctx, entry):
    from studio.engine import autosave
    ctx.check_cancelled()
    return autosave.recover(entry)


# the window's side -------------------------------------------------------------------------

class FileTasks(QObject):
    """Submits file work and reports its end. Every submitted task ends in `done` (kind,
    title, result) or `ended_without_result` (kind, title, message: "" when cancelled)."""
    done = Signal(str, object, object)             # kind, info dict, result
    ended_without_result = Signal(str, object, str)  # kind, info dict, message
    started = Signal(int, str)                     # task id, title (for the progress widget)

    def __init__(self, tasks, parent=None):
        super().__init__(parent)
        self.tasks = tasks
        self._mine: dict[int, tuple[str, dict]] = {}
        tasks.finished.connect(self._on_finished)
        tasks.failed.connect(self._on_failed)
        tasks.cancelled.connect(self._on_cancelled)

    def _submit(self, kind: str, title: str, fn, *args, key=None, **info) -> int:
        tid = self.tasks.submit(fn, *args, key=key, priority=1, lane="io")
        self._mine[tid] = (kind, dict(info, title=title))
        self.started.emit(tid, title)
        return tid

    def open(self, path: str) -> int:
        """Load in the background; opening another file before this one ends supersedes it."""
        found: list[str] = []  # filled on the io lane, read after `done` (see read_document)
        return self._submit("open", f"Opening {os.path.basename(path)}", read_document, path,
                            found, key="open", path=path, warnings=found)

    def recover(self, entry) -> int:
        return self._submit("recover", f"Recovering {entry.title}", recover_document, entry,
                            key="open", entry=entry)

    def save_session(self, doc, path: str, extensions: dict | None = None) -> int:
        from studio.core.session import Snapshot
        path = with_session_suffix(path)  # a name typed without it would not reopen
        snap = Snapshot.of(doc)
        if extensions:
            snap = dataclasses.replace(snap, extensions={**snap.extensions, **extensions})
        return self._submit("save", f"Saving {os.path.basename(path)}", write_session, snap,
                            path, key=("save", os.path.abspath(path)), path=path, doc=doc,
                            state=snap.state)

    def export(self, state, path: str, a: int, b: int, fmt, subtype, rate,
               gain: float = 1.0) -> int:
        return self._submit("export", f"Exporting {os.path.basename(path)}", write_export,
                            state, path, a, b, fmt, subtype, rate, gain,
                            key=("export", os.path.abspath(path)), path=path, gain=gain)

    def busy(self) -> bool:
        return bool(self._mine)

    def wait(self, task_id: int, timeout_ms: int = 600_000) -> bool:
        """Run a local event loop (the window stays live) until `task_id` ends; True when it
        finished with a result. For the close prompt, screenshots and tests."""
        outcome: list[bool] = []
        loop = QEventLoop()

        def check(tid, *_rest, ok):
            if tid == task_id:
                outcome.append(ok)
                loop.quit()
        conns = [(self.tasks.finished, lambda t, r: check(t, ok=True)),
                 (self.tasks.failed, lambda t, m, tb: check(t, ok=False)),
                 (self.tasks.cancelled, lambda t: check(t, ok=False))]
        for sig, slot in conns:
            sig.connect(slot)
        try:
            if task_id in self._mine:
                QTimer.singleShot(timeout_ms, loop.quit)
                loop.exec()
        finally:
            for sig, slot in conns:
                sig.disconnect(slot)
        return bool(outcome and outcome[0])

    def _take(self, tid: int):
        return self._mine.pop(tid, None)

    def _on_finished(self, tid: int, result) -> None:
        mine = self._take(tid)
        if mine is not None:
            self.done.emit(mine[0], mine[1], result)

    def _on_failed(self, tid: int, message: str, tb: str) -> None:
        mine = self._take(tid)
        if mine is not None:
            self.ended_without_result.emit(mine[0], mine[1], message or "internal error")

    def _on_cancelled(self, tid: int) -> None:
        mine = self._take(tid)
        if mine is not None:
            self.ended_without_result.emit(mine[0], mine[1], "")
