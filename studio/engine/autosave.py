"""Autosave and crash recovery.

An `Autosaver` runs one background thread (threading, no Qt) that every `interval` seconds
takes a Snapshot of its document (cheap: the audio state is immutable and shares its blocks)
and, only if something changed since the last autosave, writes it as a session file into its
own folder under the recovery directory, atomically. The audio blocks go to files beside it,
each written once (studio.core.session.BlockStore): after a small edit of an hour-long file,
an autosave writes the few blocks the edit made, not the hour. Next to it, `lock.json` records the pid
(and the process start time, so a reused pid is not mistaken for the owner). `stop()` after a
clean close deletes the folder.

At the next start `find_recoverable()` lists the folders whose process is gone without a clean
close and that hold an autosave; `recover(entry)` loads one as a modified Document (the UI asks
the user, then saves it somewhere real); `discard(entry)` deletes it.

Recovery directory: $STUDIO_RECOVERY_DIR, else $XDG_DATA_HOME/audio-diffusion-studio/recovery
(~/.local/share/... when XDG_DATA_HOME is unset).
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from studio.core.document import Document
from studio.core.session import BlockStore, Snapshot, load_session, save_session
from studio.errors import Cancelled, StudioError
from studio.io.atomic import atomic_open
from studio.paths import data_dir

DEFAULT_INTERVAL = 30.0
LOCK_NAME = "lock.json"
SESSION_NAME = "autosave.adsession"


def recovery_dir() -> Path:
    override = os.environ.get("STUDIO_RECOVERY_DIR")
    return Path(override) if override else data_dir() / "recovery"


def _process_start(pid: int) -> str | None:
    """The kernel's start time of `pid` (Linux), to tell a live owner from a reused pid."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read().decode(errors="replace")
        return stat.rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def _owner_alive(pid: int, start: str | None) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # exists, another user's
    now = _process_start(pid)
    return start is None or now is None or now == start


@dataclass(frozen=True)
class RecoveryEntry:
    folder: Path
    session_path: Path
    pid: int
    title: str
    source_path: str | None
    saved_at: float
    started_at: float


def _write_json(path: Path, data: dict) -> None:
    with atomic_open(path, action="write") as f:
        f.write(json.dumps(data, indent=1).encode())


class Autosaver:
    """Autosave `document` every `interval` seconds while it changes. `start()` once;
    `stop()` on a clean close (removes the recovery data), `stop(clean=False)` to keep it."""

    def __init__(self, document: Document, interval: float = DEFAULT_INTERVAL,
                 directory: os.PathLike | str | None = None, title: str | None = None,
                 on_error: Callable[[str], None] | None = None,
                 on_saved: Callable[[float], None] | None = None):
        self.document = document
        self.interval = float(interval)
        self.root = Path(directory) if directory is not None else recovery_dir()
        self.folder = self.root / f"{os.getpid()}-{secrets.token_hex(4)}"
        self.title = title or (os.path.basename(os.fspath(document.path)) if document.path else "Untitled")
        self.on_error, self.on_saved = on_error, on_saved
        self.saves = 0                  # autosaves written (tests and status bar)
        self.last_error: str | None = None
        self._stop = threading.Event()
        self._lock = threading.Lock()   # one save at a time (timer vs save_now)
        self._thread: threading.Thread | None = None
        self._last_key = None
        self._started_at = time.time()
        self.blocks = BlockStore(self.folder)  # each block written once, then referred to

    # ----- lifecycle
    def start(self) -> "Autosaver":
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise StudioError(f"cannot create the recovery folder {self.folder}: "
                              f"{e.strerror or e}") from e
        self._write_lock(saved_at=0.0)
        self._thread = threading.Thread(target=self._run, name="autosave", daemon=True)
        self._thread.start()
        return self

    def stop(self, clean: bool = True) -> None:
        """Stop the thread (an autosave in progress is cancelled). A clean stop deletes the
        recovery data: the user closed the document knowingly."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if clean:
            shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> "Autosaver":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop(clean=exc[0] is None)

    # ----- saving
    def _key(self, snap: Snapshot):
        return (snap.state, snap.selection, tuple(t.id for t in snap.takes), snap.history_index)

    def _changed(self, key) -> bool:
        last = self._last_key
        return last is None or key[0] is not last[0] or key[1:] != last[1:]

    def save_now(self) -> bool:
        """Autosave if the document changed since the last autosave; True if it wrote."""
        with self._lock:
            snap = Snapshot.of(self.document)
            key = self._key(snap)
            if not self._changed(key):
                return False
            if self._last_key is None and not self.document.is_modified:
                self._last_key = key  # an untouched document is already safe on disk
                return False
            save_session(snap, self.folder / SESSION_NAME, cancelled=self._stop, mark_saved=False,
                         block_store=self.blocks)
            self._last_key = key
            self.saves += 1
            saved_at = time.time()
            self._write_lock(saved_at)
        if self.on_saved is not None:
            self.on_saved(saved_at)
        return True

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.save_now()
            except Cancelled:
                return
            except Exception as e:  # noqa: BLE001 - autosave must never take the app down
                self.last_error = str(e)
                if self.on_error is not None:
                    self.on_error(f"autosave failed: {e}")

    def _write_lock(self, saved_at: float) -> None:
        _write_json(self.folder / LOCK_NAME, {
            "pid": os.getpid(), "process_start": _process_start(os.getpid()),
            "host": socket.gethostname(), "started_at": self._started_at, "saved_at": saved_at,
            "title": self.title,
            "source_path": None if self.document.path is None else os.fspath(self.document.path)})


def find_recoverable(directory: os.PathLike | str | None = None) -> list[RecoveryEntry]:
    """Autosaves left by processes that ended without a clean close, newest first. Folders of
    dead processes that never autosaved are removed on the way."""
    root = Path(directory) if directory is not None else recovery_dir()
    entries = []
    try:
        folders = [p for p in root.iterdir() if p.is_dir()]
    except OSError:
        return []
    for folder in folders:
        try:
            lock = json.loads((folder / LOCK_NAME).read_text())
            pid = int(lock["pid"])
        except (OSError, ValueError, KeyError, TypeError):
            continue  # being created right now, or not ours
        if _owner_alive(pid, lock.get("process_start")):
            continue
        session = folder / SESSION_NAME
        if not session.exists():
            shutil.rmtree(folder, ignore_errors=True)
            continue
        entries.append(RecoveryEntry(folder, session, pid, str(lock.get("title", "Untitled")),
                                     lock.get("source_path"), float(lock.get("saved_at") or 0),
                                     float(lock.get("started_at") or 0)))
    return sorted(entries, key=lambda e: e.saved_at, reverse=True)


def recover(entry: RecoveryEntry) -> Document:
    """Load an autosave as a Document marked modified (it is not saved anywhere real yet)."""
    doc = load_session(entry.session_path)
    doc.session_path = None
    doc.mark_unsaved()
    return doc


def settle_prompt(found: list[RecoveryEntry], accepted: bool) -> RecoveryEntry | None:
    """After the recovery prompt listed `found` (newest first): declined, every one is
    deleted; accepted, the newest is returned to load, and the older ones stay where they are,
    to be offered again at the next start (accepting one crash is no answer about another)."""
    if not accepted:
        for entry in found:
            discard(entry)
        return None
    return found[0] if found else None


def discard(entry: RecoveryEntry) -> None:
    shutil.rmtree(entry.folder, ignore_errors=True)
