"""Atomic file replacement: write a temporary file beside the destination, fsync it, rename
it over the destination, fsync the directory. Until the rename, the old file is untouched;
after it, the new one is complete. A failure or a cancel at any point (disk full, kill,
exception) leaves the destination as it was and removes the temporary file.

A process killed mid-write leaves its temporary file behind (`.<name>.<pid>.<tag>.partial`);
the next atomic write to the same destination removes those whose process is gone.
"""
from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
from pathlib import Path
from typing import BinaryIO, Iterator

from studio.errors import AudioFileError
from studio.io.failures import os_error

PARTIAL_SUFFIX = ".partial"


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True


NAME_ROOM = 200  # bytes of the destination's name kept in a temporary name (255 is the limit)


def _stem(dest: Path) -> str:
    """The destination's name as a temporary name starts it: cut so that the temporary name
    stays within the file system's 255 bytes even when the destination's own name nearly fills
    them (the cut is on bytes, at a character boundary)."""
    raw = dest.name.encode("utf-8", "surrogateescape")[:NAME_ROOM]
    return raw.decode("utf-8", "ignore")


def _remove_stale_partials(dest: Path) -> None:
    pattern = re.compile(re.escape(f".{_stem(dest)}.") + r"(\d+)\.[0-9a-f]+" + re.escape(PARTIAL_SUFFIX))
    try:
        siblings = list(dest.parent.iterdir())
    except OSError:
        return
    for p in siblings:
        m = pattern.fullmatch(p.name)
        if m and int(m.group(1)) != os.getpid() and not _pid_alive(int(m.group(1))):
            with contextlib.suppress(OSError):
                p.unlink()


def fsync_directory(directory: os.PathLike | str) -> None:
    """Make a rename durable. Some file systems cannot fsync a directory; that is not an error."""
    try:
        fd = os.open(os.fspath(directory), os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError as e:
        if e.errno not in (errno.EINVAL, errno.EBADF, errno.ENOTSUP):
            raise
    finally:
        os.close(fd)


def _check_destination(dest: Path) -> None:
    if dest.is_dir():
        raise AudioFileError(f"cannot write {dest}: it is a directory")
    if dest.parent.exists() and not dest.parent.is_dir():
        raise AudioFileError(f"cannot write {dest}: {dest.parent} is a file, not a directory")
    if not dest.parent.exists():
        raise AudioFileError(f"cannot write {dest}: the folder {dest.parent} does not exist")
    if dest.exists() and not os.access(dest, os.W_OK) and os.geteuid() != 0:
        raise AudioFileError(f"cannot write {dest}: permission denied")


@contextlib.contextmanager
def atomic_path(dest: os.PathLike | str, *, action: str = "write") -> Iterator[Path]:
    """Yield a temporary path to write; on success it replaces `dest` atomically.

    The temporary file already exists (empty), created with the usual permissions (0666 less
    the umask), or with the destination's mode when replacing a file."""
    dest = Path(os.fspath(dest)).absolute()
    try:
        _check_destination(dest)
    except OSError as e:  # a name too long to even look up, a loop of links ...
        raise os_error(action, dest, e) from e
    _remove_stale_partials(dest)
    tmp = dest.parent / f".{_stem(dest)}.{os.getpid()}.{secrets.token_hex(4)}{PARTIAL_SUFFIX}"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        os.close(fd)
        if dest.exists():
            os.chmod(tmp, dest.stat().st_mode & 0o7777)
    except OSError as e:
        raise os_error(action, dest, e) from e
    try:
        yield tmp
        _fsync_file(tmp)
        os.replace(tmp, dest)
        fsync_directory(dest.parent)
    except OSError as e:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise os_error(action, dest, e) from e
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


@contextlib.contextmanager
def atomic_open(dest: os.PathLike | str, *, action: str = "write") -> Iterator[BinaryIO]:
    """Like `atomic_path`, yielding the temporary file opened for binary writing."""
    with atomic_path(dest, action=action) as tmp:
        try:
            f = open(tmp, "wb")
        except OSError as e:
            raise os_error(action, dest, e) from e
        with f:
            yield f
            f.flush()
            os.fsync(f.fileno())


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_bytes(dest: os.PathLike | str, data: bytes, *, action: str = "write") -> None:
    """Replace `dest` with `data` atomically: on any failure (a full disk included) the
    previous file is left exactly as it was."""
    with atomic_open(dest, action=action) as f:
        try:
            f.write(data)
        except OSError as e:
            raise os_error(action, dest, e) from e


def write_text(dest: os.PathLike | str, text: str, *, action: str = "write") -> None:
    """`write_bytes` for UTF-8 text (reports, presets, model configs, layouts)."""
    write_bytes(dest, text.encode("utf-8"), action=action)
