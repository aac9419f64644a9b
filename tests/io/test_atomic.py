from __future__ import annotations

import os

import pytest

from studio.errors import AudioFileError
from studio.io.atomic import atomic_open


def test_replace_only_on_success(tmp_path):
    dest = tmp_path / "f.bin"
    dest.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with atomic_open(dest) as f:
            f.write(b"new half")
            raise RuntimeError("boom")
    assert dest.read_bytes() == b"old" and os.listdir(tmp_path) == ["f.bin"]
    with atomic_open(dest) as f:
        f.write(b"new")
    assert dest.read_bytes() == b"new" and os.listdir(tmp_path) == ["f.bin"]


def test_stale_partials_of_dead_processes_are_removed(tmp_path):
    dest = tmp_path / "s.bin"
    dead = tmp_path / ".s.bin.999999999.abcd1234.partial"   # no such pid
    alive = tmp_path / f".s.bin.{os.getppid()}.abcd1234.partial"
    other = tmp_path / ".t.bin.999999999.abcd1234.partial"  # another file's
    for p in (dead, alive, other):
        p.write_bytes(b"x")
    with atomic_open(dest) as f:
        f.write(b"1")
    assert sorted(os.listdir(tmp_path)) == sorted([alive.name, other.name, "s.bin"])


def test_new_file_gets_umask_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        with atomic_open(tmp_path / "n.bin") as f:
            f.write(b"1")
    finally:
        os.umask(old)
    assert (tmp_path / "n.bin").stat().st_mode & 0o777 == 0o644


def test_missing_folder_is_one_line(tmp_path):
    with pytest.raises(AudioFileError, match="does not exist"):
        with atomic_open(tmp_path / "no" / "x.bin"):
            pass
