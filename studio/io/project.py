"""The session container: one zip file holding a JSON manifest, float32 WAV audio members and
.npy arrays. io knows nothing of documents: it stores the manifest dict and named arrays the
caller gives it (studio/core/session.py maps a Document onto them).

- Audio is stored uncompressed (ZIP_STORED): float32 barely compresses, and stored members
  are plain WAVs inside the zip that any tool can extract and play if the app cannot.
  Members are streamed chunk by chunk (a session can hold hours of audio) with their WAV
  header written first (sizes are known), so nothing is buffered in memory.
- Writing is atomic (studio.io.atomic): a save that fails, is cancelled or is killed leaves
  the previous file intact. Reading verifies every member's CRC-32, so damage is reported,
  not loaded.
"""
from __future__ import annotations

import json
import os
import struct
import zipfile
import zlib
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

import numpy as np

from studio.errors import AudioFileError, Cancelled, StudioError
from studio.io import _floatwav, jsonfile
from studio.io.atomic import atomic_open
from studio.io.audiofile import _cancel_requested
from studio.io.failures import check_readable_file, one_line

MANIFEST_NAME = "manifest.json"
MAX_MANIFEST_BYTES = 16 << 20  # a session of hours with hundreds of takes needs well under 1 MiB


@dataclass
class AudioMember:
    """Audio to store as a float32 WAV: `chunks()` yields (channels, n) arrays adding up to
    `frames` frames (a callable, so a caller can stream straight from its blocks)."""
    channels: int
    frames: int
    samplerate: int
    chunks: Callable[[], Iterable[np.ndarray]]

    @classmethod
    def from_array(cls, audio: np.ndarray, samplerate: int) -> "AudioMember":
        a = audio[None, :] if audio.ndim == 1 else audio
        return cls(a.shape[0], a.shape[1], int(samplerate), lambda: [a])


def _json_default(o):
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, (set, frozenset, tuple)):
        return list(o)
    raise TypeError(f"{type(o).__name__} is not JSON serialisable")


def save_container(path: os.PathLike | str, manifest: dict, audio: dict[str, AudioMember],
                   arrays: dict[str, np.ndarray] | None = None,
                   progress: Callable[[float, str], None] | None = None, cancelled=None) -> None:
    """Write manifest + audio members (`<name>` as WAV) + arrays (`<name>` as .npy), atomically."""
    dest = os.fspath(path)
    try:
        manifest_bytes = json.dumps(manifest, indent=1, default=_json_default,
                                    allow_nan=False).encode()
    except (TypeError, ValueError) as e:
        raise AudioFileError(f"cannot save {dest}: session data is not storable ({e})") from e
    total = sum(m.frames * m.channels * 4 for m in audio.values()) or 1
    done = 0
    name = os.path.basename(dest)
    with atomic_open(dest, action="save") as f:
        with zipfile.ZipFile(f, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
            zf.writestr(zipfile.ZipInfo(MANIFEST_NAME, date_time=(1980, 1, 1, 0, 0, 0)),
                        manifest_bytes, compress_type=zipfile.ZIP_DEFLATED)
            for member, m in audio.items():
                info = zipfile.ZipInfo(member, date_time=(1980, 1, 1, 0, 0, 0))
                with zf.open(info, "w", force_zip64=m.frames * m.channels * 4 > (1 << 31)) as out:
                    out.write(_floatwav.header(m.channels, m.samplerate, m.frames))
                    written = 0
                    for chunk in m.chunks():
                        if _cancel_requested(cancelled):
                            raise Cancelled()
                        c = np.asarray(chunk, dtype="<f4")
                        c = c[None, :] if c.ndim == 1 else c
                        out.write(np.ascontiguousarray(c.T).tobytes())
                        written += c.shape[1]
                        done += c.size * 4
                        if progress is not None:
                            progress(min(done / total, 1.0), f"Saving {name}")
                    if written != m.frames:
                        raise ValueError(f"member {member}: {written} frames given, {m.frames} announced")
            for member, arr in (arrays or {}).items():
                with zf.open(zipfile.ZipInfo(member, date_time=(1980, 1, 1, 0, 0, 0)), "w") as out:
                    np.save(out, np.asarray(arr), allow_pickle=False)


class Container:
    """A session file opened for reading: `.manifest`, `names()`, `read_audio(name)`,
    `iter_audio(name)`, `read_array(name)`. Use as a context manager."""

    def __init__(self, path: os.PathLike | str):
        self.path = os.fspath(path)
        check_readable_file(self.path, "open")
        self._zip = None
        try:
            self._zip = zipfile.ZipFile(self.path, "r")
            size = self._zip.getinfo(MANIFEST_NAME).file_size
            if size > MAX_MANIFEST_BYTES:  # checked before inflating it: a zip bomb stops here
                raise ValueError(f"the manifest inflates to {size} bytes "
                                 f"(at most {MAX_MANIFEST_BYTES})")
            raw = self._zip.read(MANIFEST_NAME)
            # the bounded reader every crafted JSON goes through: no NaN, no deep nesting
            self.manifest = jsonfile.loads(raw, "its manifest")
            if not isinstance(self.manifest, dict):
                raise ValueError("the manifest is not an object")
        except StudioError as e:
            self._zip.close()
            raise AudioFileError(f"cannot open {self.path}: {e}") from None
        except (zipfile.BadZipFile, KeyError, OSError, EOFError, zlib.error, ValueError,
                NotImplementedError, RuntimeError) as e:
            if self._zip is not None:
                self._zip.close()
            raise AudioFileError(f"cannot open {self.path}: not a session file, or a damaged one "
                                 f"({one_line(e)})") from e
        self._file = open(self.path, "rb")
        self._loaded: set[str] = set()  # members read whole (read_audio, read_array)

    def __enter__(self) -> "Container":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._zip.close()
        self._file.close()

    def names(self) -> list[str]:
        return self._zip.namelist()

    def _damaged(self, member: str, why: str) -> AudioFileError:
        return AudioFileError(f"cannot open {self.path}: it is damaged ({member}: {why})")

    def _member(self, member: str) -> zipfile.ZipInfo:
        try:
            info = self._zip.getinfo(member)
        except KeyError:
            raise self._damaged(member, "missing") from None
        if info.compress_type != zipfile.ZIP_STORED:
            raise self._damaged(member, "unexpected compression")
        return info

    def _data_offset(self, info: zipfile.ZipInfo) -> int:
        """Where a stored member's bytes start (after its local header), so audio is read
        with plain file reads rather than through zipfile's slower stream."""
        self._file.seek(info.header_offset)
        local = self._file.read(30)
        if len(local) < 30 or local[:4] != b"PK\x03\x04":
            raise self._damaged(info.filename, "bad local header")
        name_len, extra_len = struct.unpack("<HH", local[26:30])
        return info.header_offset + 30 + name_len + extra_len

    def audio_shape(self, member: str) -> tuple[int, int, int]:
        """(channels, frames, rate) of an audio member."""
        info = self._member(member)
        ch, rate, frames, _ = self._audio_header(info)
        return ch, frames, rate

    def _audio_header(self, info: zipfile.ZipInfo):
        start = self._data_offset(info)
        self._file.seek(start)
        try:
            ch, rate, frames, off = _floatwav.parse(self._file.read(min(info.file_size, 4096)))
        except (ValueError, struct.error) as e:
            raise self._damaged(info.filename, str(e)) from e
        if off + frames * ch * 4 > info.file_size:
            raise self._damaged(info.filename, "shorter than its header says")
        return ch, rate, frames, start + off

    def audio_reader(self, member: str) -> "AudioReader":
        """A sequential reader of an audio member: `read(n)` -> (channels, n) float32."""
        info = self._member(member)
        ch, rate, frames, data_start = self._audio_header(info)
        return AudioReader(self, info, ch, rate, frames, data_start)

    def iter_audio(self, member: str, chunk_frames: int = 1 << 18, cancelled=None
                   ) -> Iterator[np.ndarray]:
        """(channels, n) float32 chunks of an audio member, in order; the member's CRC is
        checked with the last chunk (a damaged file raises then)."""
        r = self.audio_reader(member)
        while r.remaining:
            if _cancel_requested(cancelled):
                raise Cancelled()
            yield r.read(min(r.remaining, max(1, chunk_frames)))

    def _once(self, member) -> None:
        """A member is loaded whole at most once: a manifest naming one member for a
        thousand takes or arrays would otherwise load it a thousand times (a session writes
        each under its own name)."""
        if member in self._loaded:
            raise self._damaged(str(member)[:80], "named twice by the manifest")
        self._loaded.add(member)

    def read_audio(self, member: str) -> np.ndarray:
        self._once(member)
        r = self.audio_reader(member)
        return r.read(r.remaining)

    def read_array(self, member: str) -> np.ndarray:
        """A .npy member; its header's shape is checked against the member's size before
        anything is allocated (numpy would allocate what the header claims)."""
        if not isinstance(member, str):
            raise self._damaged(repr(member)[:60], "not a member name")
        self._once(member)
        try:
            info = self._zip.getinfo(member)
            with self._zip.open(info) as f:
                version = np.lib.format.read_magic(f)
                header = np.lib.format.read_array_header_1_0 if version == (1, 0) \
                    else np.lib.format.read_array_header_2_0
                shape, _, dtype = header(f)
                if dtype.hasobject or int(np.prod(shape, dtype=object)) * dtype.itemsize \
                        > info.file_size:
                    raise ValueError(f"its header claims {shape} {dtype}, more than it holds")
            with self._zip.open(info) as f:
                return np.load(f, allow_pickle=False)
        except KeyError:
            raise self._damaged(member, "missing") from None
        except (ValueError, OSError, zipfile.BadZipFile, EOFError, TypeError, zlib.error,
                NotImplementedError, RuntimeError) as e:
            raise self._damaged(member, one_line(e)) from e


class AudioReader:
    """Reads one stored audio member front to back with plain file reads, checking its
    CRC-32 when the last frame has been read."""

    def __init__(self, container: Container, info: zipfile.ZipInfo, channels: int, rate: int,
                 frames: int, data_start: int):
        self._c, self._info = container, info
        self.channels, self.samplerate, self.frames = channels, rate, frames
        self.remaining = frames
        start = container._data_offset(info)
        f = container._file
        f.seek(start)
        self._crc = zlib.crc32(f.read(data_start - start))
        self._pos = data_start
        self._tail = info.file_size - (data_start - start) - frames * channels * 4
        if not frames:
            self._finish()

    def read(self, n: int) -> np.ndarray:
        n = min(int(n), self.remaining)
        f = self._c._file
        f.seek(self._pos)
        raw = f.read(n * self.channels * 4)
        if len(raw) != n * self.channels * 4:
            raise self._c._damaged(self._info.filename, "cut short")
        self._crc = zlib.crc32(raw, self._crc)
        self._pos += len(raw)
        self.remaining -= n
        if not self.remaining:
            self._finish()
        out = np.frombuffer(raw, dtype="<f4").reshape(n, self.channels).T
        return np.array(out, dtype=np.float32, order="C")

    def _finish(self) -> None:
        f = self._c._file
        f.seek(self._pos)
        self._crc = zlib.crc32(f.read(max(0, self._tail)), self._crc)
        if self._crc != self._info.CRC:
            raise self._c._damaged(self._info.filename, "checksum mismatch")


def open_container(path: os.PathLike | str) -> Container:
    return Container(path)


def looks_like_container(path: os.PathLike | str) -> bool:
    """Whether `path` is a zip holding a manifest: how a session is known whatever its name
    (a user may save or rename one without its suffix). Reads the zip's directory only; any
    failure to read means "no", and the audio reader then says what the file is not."""
    try:
        with open(path, "rb") as f:
            if f.read(4) != b"PK\x03\x04":
                return False
        with zipfile.ZipFile(path, "r") as zf:
            return MANIFEST_NAME in zf.namelist()
    except (OSError, zipfile.BadZipFile, ValueError, EOFError, RuntimeError):
        return False
