"""Raw float32 files, one per audio block, for incremental autosave: a block never changes,
so it is written once and every later autosave only refers to it. Each file is written to a
temporary name, fsynced and renamed, so a name that exists is complete; a CRC-32 kept by the
caller catches damage on reading."""
from __future__ import annotations

import contextlib
import os
import zlib
from pathlib import Path

import numpy as np

from studio.errors import AudioFileError
from studio.io.atomic import fsync_directory
from studio.io.failures import os_error


def write_block(path: Path, samples: np.ndarray) -> int:
    """Write `samples` as little-endian float32 to `path` (durably); returns their CRC-32.
    Call `fsync_directory(path.parent)` once after a batch so the names are durable too."""
    data = np.ascontiguousarray(samples, dtype="<f4").tobytes()
    tmp = path.with_name(path.name + ".tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as e:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise os_error("write", path, e) from e
    return zlib.crc32(data)


def read_block(path: Path, frames: int, crc: int | None = None) -> np.ndarray:
    try:
        data = path.read_bytes()
    except OSError as e:
        raise os_error("read", path, e) from e
    if len(data) != 4 * frames or (crc is not None and zlib.crc32(data) != crc):
        raise AudioFileError(f"cannot read {path}: the block file is damaged")
    return np.frombuffer(data, dtype="<f4").astype(np.float32)


__all__ = ["write_block", "read_block", "fsync_directory"]
