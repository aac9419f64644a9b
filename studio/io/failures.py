"""One clear line for every way a file operation can fail.

libsndfile and the OS report problems in their own words (multi-line logs, errno names);
the user gets `cannot <action> <file>: <reason>` and nothing else. The original exception is
chained (`raise ... from e`) so STUDIO_DEBUG=1 still shows where it came from.
"""
from __future__ import annotations

import errno
import os

from studio.errors import AudioFileError

_ERRNO_REASONS = {
    errno.ENOENT: "no such file or directory",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.EISDIR: "it is a directory",
    errno.ENOTDIR: "a part of the path is not a directory",
    errno.ENOSPC: "no space left on the disk",
    errno.EDQUOT: "disk quota exceeded",
    errno.EROFS: "the file system is read-only",
    errno.EFBIG: "the file is too large for this file system",
    errno.ENAMETOOLONG: "the file name is too long",
    errno.EIO: "input/output error (failing disk or lost network share?)",
    errno.EMFILE: "too many open files",
}


def one_line(text: object) -> str:
    """Collapse a message to one short line (libsndfile messages can span lines)."""
    s = " ".join(str(text).split())
    return s if len(s) <= 300 else s[:297] + "..."


def os_reason(e: OSError) -> str:
    if e.errno in _ERRNO_REASONS:
        return _ERRNO_REASONS[e.errno]
    if e.strerror:
        return e.strerror.lower()
    return one_line(e) or type(e).__name__


def os_error(action: str, path: os.PathLike | str, e: OSError) -> AudioFileError:
    """`cannot write out.wav: no space left on the disk` for an OSError."""
    return AudioFileError(f"cannot {action} {os.fspath(path)}: {os_reason(e)}")


def sndfile_reason(e: Exception) -> str:
    """The useful part of a libsndfile error ("Error opening 'x': File contains ...")."""
    msg = one_line(getattr(e, "error_string", None) or e)
    for prefix in ("Error : ", "Error: "):
        if msg.startswith(prefix):
            msg = msg[len(prefix):]
    # soundfile prefixes "Error opening '<path>': "; the path is already in our message
    if msg.startswith("Error opening ") and "': " in msg:
        msg = msg.split("': ", 1)[1]
    msg = msg.rstrip(".")
    if "SF_INFO struct incomplete" in msg or "internal error" in msg.lower():
        # libsndfile's words for a header without a usable rate, channel count or format;
        # "internal error" would read as the app's own fault
        msg = "its header is incomplete (no usable sample rate, channel count or format)"
    return msg[:1].lower() + msg[1:] if msg else "unknown libsndfile error"


def check_readable_file(path: os.PathLike | str, action: str = "open") -> int:
    """Raise one clear AudioFileError unless `path` is an existing, readable regular file.
    Returns its size in bytes."""
    p = os.fspath(path)
    try:
        st = os.stat(p)
    except OSError as e:
        raise os_error(action, p, e) from e
    import stat
    if stat.S_ISDIR(st.st_mode):
        raise AudioFileError(f"cannot {action} {p}: it is a directory, not a file")
    if not stat.S_ISREG(st.st_mode):
        raise AudioFileError(f"cannot {action} {p}: not a regular file")
    try:
        with open(p, "rb"):
            pass
    except OSError as e:
        raise os_error(action, p, e) from e
    return st.st_size
