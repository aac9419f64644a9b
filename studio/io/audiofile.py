"""Reading audio files: `probe` (what is in it), `iter_frames` (stream it in chunks, with
progress and cancellation), `read` (small files at once).

Policy for damaged input (the user loses nothing and is told once, in one line):
- a path that is missing, a directory, unreadable, empty, not audio, or in a format no reader
  knows raises `AudioFileError`; absurd sample rates or channel counts raise `BadAudioError`;
- zero-length audio: `probe` describes it, reading it raises `BadAudioError` (unless
  `allow_empty=True`, as `studio info` does);
- a truncated file (header promises more than is there) or one whose decoding fails part way
  is read up to the damage and a warning says so: a half-written recording is still worth
  opening, and refusing it would lose the part that survived. Damage in the middle of a
  compressed stream (FLAC, MP3) is bridged: the undecodable stretch becomes silence of the
  same length and decoding resumes after it, so the rest keeps its timing;
- NaN/Inf samples are replaced by 0 and counted; the count reaches the caller as a warning
  (`nonfinite="keep"` leaves them, `"error"` refuses the file). Never passed on silently.
Warnings go to `on_warning(message)` when given, else to `warnings.warn(..., AudioWarning)`.
"""
from __future__ import annotations

import os
import re
import struct
import warnings
from dataclasses import asdict, dataclass, field
from typing import Callable, Iterator

import numpy as np
import soundfile as sf

from studio.errors import AudioFileError, BadAudioError, Cancelled
from studio.io import _wavfallback
from studio.io.failures import check_readable_file, one_line, sndfile_reason
from studio.io.formats import LOSSY_SUBTYPES, check_rate_and_channels, subtype_bits

CHUNK_FRAMES = 1 << 18  # matches the document's block size, so loading fills whole blocks
CAREFUL_FRAMES = 1024   # read step once a file has shown damage
MAX_GAPS = 64           # damaged stretches bridged with silence before giving up

Progress = Callable[[float, str], None]


class AudioWarning(UserWarning):
    """Something about a file the user should know (damage, NaN/Inf) that did not stop it."""


@dataclass(frozen=True)
class AudioInfo:
    path: str
    format: str                 # libsndfile major format: WAV, WAVEX, RF64, FLAC, OGG, MP3 ...
    subtype: str                # PCM_16, PCM_24, FLOAT, VORBIS ...
    channels: int
    samplerate: int
    frames: int
    format_description: str
    subtype_description: str
    file_size: int
    warnings: tuple[str, ...] = ()   # damage found by looking at the header alone
    reader: str = "libsndfile"       # or "scipy" for wide PCM WAVs libsndfile refuses

    @property
    def duration(self) -> float:
        return self.frames / self.samplerate if self.samplerate else 0.0

    @property
    def bits(self) -> int | None:
        wide = re.fullmatch(r"PCM_(\d+)", self.subtype)
        return subtype_bits(self.subtype) or (int(wide.group(1)) if wide else None)

    @property
    def is_lossy(self) -> bool:
        return self.subtype in LOSSY_SUBTYPES

    def as_dict(self) -> dict:
        d = asdict(self)
        d.update(duration=self.duration, bits=self.bits, warnings=list(self.warnings))
        return d


@dataclass
class ReadStats:
    """Filled in while `iter_frames` runs; read it after the loop ends."""
    frames_read: int = 0
    nonfinite: int = 0                       # NaN/Inf samples met (replaced unless "keep")
    nonfinite_per_channel: list[int] = field(default_factory=list)
    damaged_at: int | None = None            # frame where decoding stopped for good, if it did
    gaps: list[tuple[int, int]] = field(default_factory=list)  # undecodable stretches, now silence
    warnings: list[str] = field(default_factory=list)


def _cancel_requested(cancelled) -> bool:
    if cancelled is None:
        return False
    if hasattr(cancelled, "is_set"):
        return cancelled.is_set()
    return bool(cancelled())


_TRUNCATED = re.compile(r"^data\s*:\s*(\d+)\s*\(should be (\d+)\)", re.MULTILINE)


def _header_warnings(info: sf._SoundFileInfo) -> tuple[str, ...]:
    """libsndfile's log notes a data chunk longer than the file: the file was cut short."""
    m = _TRUNCATED.search(getattr(info, "extra_info", "") or "")
    if m and int(m.group(2)) < int(m.group(1)):
        return (f"the file is truncated: its header promises {int(m.group(1))} bytes of audio "
                f"but only {int(m.group(2))} are there; reading what survived",)
    return ()


def _wav_bits(path: str) -> int | None:
    """Bits per sample from a RIFF 'fmt ' chunk (for the scipy fallback's description)."""
    with open(path, "rb") as f:
        f.seek(12)
        while True:
            head = f.read(8)
            if len(head) < 8:
                return None
            cid, size = head[:4], struct.unpack("<I", head[4:])[0]
            if cid == b"fmt ":
                fmt = f.read(min(size, 16))
                return struct.unpack("<H", fmt[14:16])[0] if len(fmt) >= 16 else None
            f.seek(size + (size & 1), os.SEEK_CUR)


def probe(path: os.PathLike | str) -> AudioInfo:
    """Describe an audio file without reading its samples; one clear error if it cannot be."""
    p = os.fspath(path)
    size = check_readable_file(p, "open")
    if size == 0:
        raise AudioFileError(f"cannot open {p}: the file is empty (0 bytes)")
    try:
        i = sf.info(p)
    except (sf.LibsndfileError, RuntimeError) as e:
        reason = sndfile_reason(e)
        if "unimplemented" in reason and _wavfallback.is_riff(p):
            try:
                data, rate = _wavfallback.read_wav(p)
            except Exception:  # noqa: BLE001 - scipy fails in its own ways on crafted headers
                pass           # (ZeroDivisionError for 0 bits): libsndfile's reason stands
            else:
                bits = _wav_bits(p) or 8 * data.dtype.itemsize
                info = AudioInfo(p, "WAV", f"PCM_{bits}", data.shape[1], rate, data.shape[0],
                                 "WAV (Microsoft)", f"Signed {bits} bit PCM", size,
                                 reader="scipy")
                check_rate_and_channels(info.samplerate, info.channels, p)
                return info
        if "does not exist or is not a regular file" in reason:
            # the file exists and is regular (checked above): libsndfile (its MP3 reader)
            # says this of bytes it cannot make sense of
            reason = "not an audio file this app can read, or a damaged one"
        raise AudioFileError(f"cannot open {p}: {reason}") from e
    check_rate_and_channels(i.samplerate, i.channels, p)
    return AudioInfo(p, i.format, i.subtype, int(i.channels), int(i.samplerate), int(i.frames),
                     one_line(i.format_info), one_line(i.subtype_info), size,
                     warnings=_header_warnings(i))


def _emit(msg: str, stats: ReadStats, on_warning) -> None:
    stats.warnings.append(msg)
    if on_warning is not None:
        on_warning(msg)
    else:
        warnings.warn(msg, AudioWarning, stacklevel=3)


def _open_at(path: str, position: int) -> sf.SoundFile | None:
    try:
        f = sf.SoundFile(path)
    except (sf.LibsndfileError, RuntimeError):
        return None
    try:
        if position:
            f.seek(position)
        return f
    except (sf.LibsndfileError, RuntimeError, ValueError):
        f.close()
        return None


def _resync(info: AudioInfo, position: int) -> tuple[sf.SoundFile, int] | None:
    """The first point after `position` (probing 1024, 2048, 4096 ... frames on) where the
    decoder can seek to and decode again; None when there is none (a truncated file)."""
    jump = CAREFUL_FRAMES
    while position + jump < info.frames:
        f = _open_at(info.path, position + jump)
        if f is not None:
            try:
                if len(f.read(CAREFUL_FRAMES, dtype="float32")):
                    f.seek(position + jump)
                    return f, position + jump
            except (sf.LibsndfileError, RuntimeError, ValueError):
                pass
            f.close()
        jump *= 2
    return None


def _raw_chunks(info: AudioInfo, chunk_frames: int, stats: ReadStats) -> Iterator[np.ndarray]:
    """Chunks as decoded. Damage in the middle (a FLAC frame that lost sync, a garbled MP3
    stretch) is bridged: the stretch that cannot be decoded becomes silence of the same
    length, so everything after it keeps its time, and stats.gaps records it. Damage with
    nothing decodable after it ends the stream (stats.damaged_at)."""
    if info.reader == "scipy":
        data, _ = _wavfallback.read_wav(info.path)
        for a in range(0, len(data), chunk_frames):
            yield np.ascontiguousarray(data[a:a + chunk_frames])
        return
    try:
        f = sf.SoundFile(info.path)
    except (sf.LibsndfileError, RuntimeError) as e:
        raise AudioFileError(f"cannot open {info.path}: {sndfile_reason(e)}") from e
    # After a decoding error libsndfile's decoder state is lost: reopen, seek back to the last
    # good frame and go on in small steps to find where the damage starts, then resync past it.
    position, step, careful = 0, chunk_frames, False
    try:
        while True:
            try:
                chunk = f.read(step, dtype="float32", always_2d=True)
            except (sf.LibsndfileError, RuntimeError):
                f.close()
                reopened = None if careful else _open_at(info.path, position)
                if reopened is not None:
                    f, careful, step = reopened, True, min(step, CAREFUL_FRAMES)
                    continue
                resumed = _resync(info, position) if len(stats.gaps) < MAX_GAPS else None
                if resumed is None:
                    stats.damaged_at = position
                    return
                f, after = resumed
                stats.gaps.append((position, after))
                yield np.zeros((after - position, info.channels), np.float32)
                position, careful, step = after, False, chunk_frames
                continue
            if len(chunk) == 0:
                return
            position += len(chunk)
            yield chunk
    finally:
        f.close()


def iter_frames(path: os.PathLike | str, chunk_frames: int = CHUNK_FRAMES,
                progress: Progress | None = None, cancelled=None, *,
                nonfinite: str = "zero", stats: ReadStats | None = None,
                on_warning: Callable[[str], None] | None = None,
                allow_empty: bool = False, info: AudioInfo | None = None,
                ) -> Iterator[np.ndarray]:
    """Yield float32 arrays shaped (frames, channels), `chunk_frames` at a time.

    `cancelled` is a callable or a threading.Event; when it is set the loop raises `Cancelled`.
    `progress(fraction, message)` is called after every chunk. See the module doc for the
    policy on damage and NaN/Inf (`nonfinite`: "zero", "keep" or "error")."""
    if nonfinite not in ("zero", "keep", "error"):
        raise ValueError(f"nonfinite must be 'zero', 'keep' or 'error', not {nonfinite!r}")
    info = info or probe(path)
    stats = stats if stats is not None else ReadStats()
    stats.nonfinite_per_channel = [0] * info.channels
    if info.frames == 0 and not allow_empty:
        raise BadAudioError(f"{info.path} contains no audio (0 frames)")
    name = os.path.basename(info.path)
    total = max(info.frames, 1)
    for chunk in _raw_chunks(info, max(1, int(chunk_frames)), stats):
        if _cancel_requested(cancelled):
            raise Cancelled()
        bad = ~np.isfinite(chunk)
        if bad.any():
            per_channel = bad.sum(axis=0)
            if nonfinite == "error":
                raise BadAudioError(f"{info.path} contains NaN or Inf samples "
                                    f"(first near frame {stats.frames_read})")
            stats.nonfinite += int(per_channel.sum())
            for c, n in enumerate(per_channel):
                stats.nonfinite_per_channel[c] += int(n)
            if nonfinite == "zero":
                chunk[bad] = 0.0
        stats.frames_read += len(chunk)
        yield chunk
        if progress is not None:
            progress(min(stats.frames_read / total, 1.0), f"Reading {name}")
    if stats.frames_read == 0 and not allow_empty:  # one line: the reason is this refusal
        raise BadAudioError(f"{info.path} contains no audio that could be decoded"
                            + (" (damaged or truncated file)" if stats.damaged_at is not None
                               else ""))
    _report(info, stats, nonfinite, on_warning)


def _report(info: AudioInfo, stats: ReadStats, nonfinite: str, on_warning) -> None:
    for msg in info.warnings:
        _emit(f"{info.path}: {msg}", stats, on_warning)
    if stats.gaps:
        spans = ", ".join(f"{a}-{b}" for a, b in stats.gaps[:5]) + (" ..." if len(stats.gaps) > 5 else "")
        lost = sum(b - a for a, b in stats.gaps)
        _emit(f"{info.path}: {len(stats.gaps)} damaged stretch(es) could not be decoded and are "
              f"silence now ({lost} frames: {spans}); the rest keeps its timing"
              + (" (approximately: this codec seeks approximately)" if info.is_lossy else ""),
              stats, on_warning)
    if stats.damaged_at is not None:
        _emit(f"{info.path}: decoding failed at frame {stats.damaged_at} of {info.frames}; "
              f"the audio after it is missing (damaged or truncated file)", stats, on_warning)
    elif not info.warnings and not stats.gaps and 0 < stats.frames_read < info.frames:
        _emit(f"{info.path}: the audio ends after {stats.frames_read} of the {info.frames} frames "
              f"its header announces (truncated file?)", stats, on_warning)
    if stats.nonfinite:
        done = "replaced by silence" if nonfinite == "zero" else "kept as they are"
        _emit(f"{info.path}: {stats.nonfinite} NaN/Inf samples {done}", stats, on_warning)


def read(path: os.PathLike | str, progress: Progress | None = None, cancelled=None, *,
         nonfinite: str = "zero", stats: ReadStats | None = None,
         on_warning: Callable[[str], None] | None = None,
         info: AudioInfo | None = None) -> tuple[np.ndarray, int]:
    """The whole file as a (channels, frames) float32 array and its sample rate (small files;
    the document loads long ones block by block through `iter_frames`)."""
    info = info or probe(path)
    chunks = list(iter_frames(path, CHUNK_FRAMES, progress, cancelled, nonfinite=nonfinite,
                              stats=stats, on_warning=on_warning, info=info))
    audio = np.concatenate(chunks, axis=0) if len(chunks) > 1 else chunks[0]
    return np.ascontiguousarray(audio.T), info.samplerate
