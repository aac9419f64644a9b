"""Values a user or a file can give that used to end as internal errors (an infinite time, a
folder as a file), and recovery that kept older crashed work only if declined."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from studio.core.document import Document
from studio.engine.autosave import (LOCK_NAME, Autosaver, find_recoverable, recover,
                                    settle_prompt)
from studio.engine.params import File, Float
from studio.errors import StudioError


@pytest.mark.parametrize("value", ["inf", "-inf", float("inf"), "nan"])
def test_a_time_cannot_be_infinite(value):
    with pytest.raises(StudioError, match="not a finite number"):
        Float("gap_end", default=-1.0).coerce(value)


def test_a_folder_is_not_a_file(tmp_path):
    with pytest.raises(StudioError, match="is a folder, not a file"):
        File("profile").coerce(str(tmp_path))
    (tmp_path / "p.json").write_text("{}")
    assert File("profile").coerce(str(tmp_path / "p.json")) == str(tmp_path / "p.json")


def _crashed(tmp_path, value: float, title: str):
    """An autosave left by a process that is gone, holding a constant `value`."""
    doc = Document.from_array(np.full((1, 4000), value, np.float32), 8000)
    a = Autosaver(doc, interval=3600, directory=tmp_path, title=title).start()
    doc.mark_unsaved()
    a.save_now()
    a.stop(clean=False)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    lock = json.loads((a.folder / LOCK_NAME).read_text())
    lock["pid"] = int(dead)
    (a.folder / LOCK_NAME).write_text(json.dumps(lock))


def test_accepting_recovery_keeps_older_crashes_for_the_next_start(tmp_path):
    _crashed(tmp_path, 0.25, "older.wav")
    _crashed(tmp_path, 0.5, "newer.wav")
    found = find_recoverable(tmp_path)
    assert [e.title for e in found] == ["newer.wav", "older.wav"]
    chosen = settle_prompt(found, accepted=True)
    assert recover(chosen).state.read()[0, 0] == 0.5
    left = find_recoverable(tmp_path)
    assert [e.title for e in left] == ["newer.wav", "older.wav"]  # nothing deleted by accepting
    assert recover(left[1]).state.read()[0, 0] == 0.25
    assert settle_prompt(left, accepted=False) is None
    assert find_recoverable(tmp_path) == []  # declining deletes what the prompt listed
