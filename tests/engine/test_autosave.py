"""Autosave: writes only on change, cleans up on a clean stop, and after a SIGKILL the next
start finds the work, losing at most the last autosave interval."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from studio.core import commands
from studio.core.document import Document
from studio.core.selection import Selection
from studio.engine.autosave import (LOCK_NAME, Autosaver, discard, find_recoverable, recover,
                                    recovery_dir)

REPO = Path(__file__).resolve().parents[2]


def _doc():
    return Document.from_array(np.random.default_rng(3).standard_normal((2, 20_000)).astype(np.float32) * 0.1, 16000)


def _wait(pred, timeout=20.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.02)
    return False


def test_recovery_dir_honours_env(monkeypatch, tmp_path):
    monkeypatch.delenv("STUDIO_RECOVERY_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert recovery_dir() == tmp_path / "xdg" / "audio-diffusion-studio" / "recovery"
    monkeypatch.setenv("STUDIO_RECOVERY_DIR", str(tmp_path / "r"))
    assert recovery_dir() == tmp_path / "r"


def test_writes_only_when_something_changed(tmp_path):
    doc = _doc()
    a = Autosaver(doc, interval=3600, directory=tmp_path).start()
    try:
        assert a.save_now() is False                  # untouched: already safe on disk
        doc.execute(commands.gain(doc, -3.0))
        assert a.save_now() is True
        assert a.save_now() is False                  # nothing new
        doc.set_selection(Selection(10, 20))
        assert a.save_now() is True                   # the selection is part of the session
        assert a.saves == 2
    finally:
        a.stop()
    assert not a.folder.exists()                      # clean close leaves nothing behind


def test_background_thread_saves_and_own_process_is_not_offered(tmp_path):
    doc = _doc()
    a = Autosaver(doc, interval=0.05, directory=tmp_path).start()
    doc.execute(commands.reverse(doc))
    assert _wait(lambda: a.saves >= 1)
    a.stop(clean=False)
    assert find_recoverable(tmp_path) == []           # we are alive: not a crash


def test_entry_of_a_dead_process_is_recovered_as_modified(tmp_path):
    doc = _doc()
    a = Autosaver(doc, interval=3600, directory=tmp_path, title="song.wav").start()
    doc.execute(commands.fade_in(doc, sel=Selection(0, 5000)))
    a.save_now()
    a.stop(clean=False)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    lock = json.loads((a.folder / LOCK_NAME).read_text())
    lock["pid"] = int(dead)
    (a.folder / LOCK_NAME).write_text(json.dumps(lock))
    (entry,) = find_recoverable(tmp_path)
    assert entry.title == "song.wav" and entry.saved_at > 0
    back = recover(entry)
    assert np.array_equal(back.state.read(), doc.state.read()) and back.is_modified
    discard(entry)
    assert find_recoverable(tmp_path) == [] and not a.folder.exists()


CHILD = textwrap.dedent("""
    import sys, time
    import numpy as np
    from studio.core import commands
    from studio.core.document import Document
    from studio.engine.autosave import Autosaver
    interval, mode = float(sys.argv[2]), sys.argv[3]
    doc = Document.from_array(np.random.default_rng(3).standard_normal((2, 20_000)).astype(np.float32) * 0.1, 16000)
    Autosaver(doc, interval=interval, directory=sys.argv[1]).start()
    print("ready", flush=True)
    for i in range(1, 400):
        doc.execute(commands.gain(doc, 0.5, bundle=False))
        print(i, time.time(), flush=True)
        if mode == "idle" and i == 3:
            time.sleep(4 * interval)
            print("idle", flush=True)
            time.sleep(600)
        time.sleep(0.03)
    time.sleep(600)
""")


def _expected_states(n):
    doc = _doc()
    states = [doc.state.read()]
    for _ in range(n):
        doc.execute(commands.gain(doc, 0.5, bundle=False))
        states.append(doc.state.read())
    return states


def _run_child(tmp_path, interval, mode, kill_after):
    env = dict(os.environ, PYTHONPATH=str(REPO))
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(tmp_path), str(interval), mode],
                             stdout=subprocess.PIPE, text=True, env=env, cwd=REPO)
    edits = {}
    try:
        assert child.stdout.readline().strip() == "ready"
        while True:
            line = child.stdout.readline().split()
            if line == ["idle"] or not line:
                break
            edits[int(line[0])] = float(line[1])
            if mode == "busy" and len(edits) >= kill_after:
                break
        killed_at = time.time()
        child.send_signal(signal.SIGKILL)
    finally:
        child.kill()
        child.wait(timeout=30)
    return edits, killed_at


def test_sigkill_while_idle_loses_nothing_autosaved(tmp_path):
    edits, _ = _run_child(tmp_path, 0.3, "idle", None)
    assert max(edits) == 3
    (entry,) = find_recoverable(tmp_path)
    assert np.array_equal(recover(entry).state.read(), _expected_states(3)[3])


def test_sigkill_between_rapid_edits_loses_at_most_one_interval(tmp_path):
    interval = 0.4
    edits, killed_at = _run_child(tmp_path, interval, "busy", 60)
    (entry,) = find_recoverable(tmp_path)
    got = recover(entry).state.read()
    states = _expected_states(max(edits))
    k = next(i for i, s in enumerate(states) if np.array_equal(s, got))  # some edit's state
    # every edit made more than one interval (plus time to write, on a loaded machine) before
    # the kill is in the recovered document
    slack = 1.5
    must_have = max([i for i, t in edits.items() if t < killed_at - interval - slack], default=0)
    assert k >= must_have, (k, must_have)
    assert k >= 1


def test_autosave_after_a_small_edit_writes_only_new_blocks(tmp_path):
    from studio.core.blocks import block_size
    with block_size(4096):
        doc = Document.from_array(np.random.default_rng(5).standard_normal((2, 400_000)).astype(np.float32), 48000)
        a = Autosaver(doc, interval=3600, directory=tmp_path).start()
        try:
            doc.execute(commands.gain(doc, -1.0))          # touches every block
            a.save_now()
            first = a.blocks.written
            assert first >= 2 * 400_000 // 4096
            doc.execute(commands.silence(doc, Selection(1000, 1100)))   # touches a few
            a.save_now()
            assert a.blocks.written - first <= 8
            files = list((a.folder / "blocks").iterdir())
            assert len(files) == len({id(b) for s in doc.state.channels for b in s.blocks})
            a.stop(clean=False)
            entry = _as_dead(a)
            assert np.array_equal(recover(entry).state.read(), doc.state.read())
        finally:
            a.stop()


def _as_dead(a):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    lock = json.loads((a.folder / LOCK_NAME).read_text())
    lock["pid"] = int(dead)
    (a.folder / LOCK_NAME).write_text(json.dumps(lock))
    (entry,) = find_recoverable(a.root)
    return entry


def test_a_failed_autosave_keeps_the_previous_one_and_the_thread_alive(tmp_path, monkeypatch):
    import errno
    doc = _doc()
    errors = []
    a = Autosaver(doc, interval=0.05, directory=tmp_path, on_error=errors.append).start()
    try:
        doc.execute(commands.gain(doc, -2.0))
        assert _wait(lambda: a.saves >= 1)
        saved = doc.state.read()

        def full(*args):
            raise OSError(errno.ENOSPC, "No space left on device")
        monkeypatch.setattr(os, "fsync", full)
        doc.execute(commands.reverse(doc))
        assert _wait(lambda: errors)
        assert "no space left" in errors[0] and "\n" not in errors[0]
        monkeypatch.undo()
        a.stop(clean=False)
        assert np.array_equal(recover(_as_dead(a)).state.read(), saved)
    finally:
        a.stop()
