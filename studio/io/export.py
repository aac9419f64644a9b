"""Writing audio files: any format libsndfile writes, bit depth, sample-rate conversion,
TPDF dither when going to 16 bits or fewer, streamed chunk by chunk, atomically.

The destination is replaced only when the whole file is written and synced: a failed,
cancelled or killed export leaves an existing file exactly as it was (studio.io.atomic).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

import numpy as np
import soundfile as sf

from studio.errors import AudioFileError, BadAudioError, Cancelled
from studio.io.atomic import atomic_path
from studio.io.audiofile import _cancel_requested
from studio.io.dither import Quantizer
from studio.io.failures import sndfile_reason
from studio.io.formats import allowed_rate, check_rate_and_channels, choose_target
from studio.io.resample import StreamResampler, output_length

SFC_RF64_AUTO_DOWNGRADE = 0x1210  # libsndfile: write RF64, fall back to RIFF when < 4 GiB
WRITE_CHUNK = 1 << 16


@dataclass(frozen=True)
class ExportResult:
    path: str
    format: str
    subtype: str
    channels: int
    samplerate: int
    frames: int
    clipped: int            # samples that did not fit the integer range (clipped)
    nonfinite: int          # NaN/Inf samples written as 0
    notes: tuple[str, ...]  # decisions the user should hear about (rate raised for Opus ...)


def _chunks_of(audio, channels_hint: int | None) -> tuple[int, int | None, Iterator[np.ndarray]]:
    """(channels, frames or None, iterator of (C, n) float32 chunks) for an array or a stream."""
    if isinstance(audio, np.ndarray):
        a = audio[None, :] if audio.ndim == 1 else audio
        if a.ndim != 2:
            raise BadAudioError(f"audio to write must be (channels, frames), not shape {audio.shape}")
        return a.shape[0], a.shape[1], (a[:, i:i + WRITE_CHUNK] for i in range(0, a.shape[1], WRITE_CHUNK))
    it = iter(audio)
    try:
        first = np.asarray(next(it))
    except StopIteration:
        if channels_hint is None:
            raise BadAudioError("nothing to write: the audio is empty (0 frames)") from None
        return channels_hint, 0, iter(())
    if first.ndim == 1:
        first = first[None, :]

    def chain():
        yield first
        for c in it:
            c = np.asarray(c)
            yield c[None, :] if c.ndim == 1 else c
    return first.shape[0], None, chain()


def _write_failure(dest: str, e: Exception) -> AudioFileError:
    try:
        st = os.statvfs(os.path.dirname(os.path.abspath(dest)))
        nearly_full = st.f_bavail * st.f_frsize < (4 << 20)
    except OSError:
        nearly_full = False
    if nearly_full:
        return AudioFileError(f"cannot write {dest}: no space left on the disk")
    return AudioFileError(f"cannot write {dest}: write failed ({sndfile_reason(e) or 'I/O error'})")


def write(path: os.PathLike | str, audio: np.ndarray | Iterable[np.ndarray], rate: int,
          format: str | None = None, subtype: str | None = None, target_rate: int | None = None,
          dither: str = "tpdf", progress: Callable[[float, str], None] | None = None,
          cancelled=None, *, frames: int | None = None, seed: int | None = None
          ) -> ExportResult:
    """Write `audio` ((channels, frames) array, or an iterable of (channels, n) chunks) at
    `rate` to `path`. `format`/`subtype` default from the extension (24-bit for lossless);
    `target_rate` converts the rate; `frames` (for a stream) sizes progress and picks RF64
    for WAVs over 4 GiB. Returns what was written. Raises StudioError with one line."""
    dest = os.fspath(path)
    channels, known_frames, chunks = _chunks_of(audio, None)
    frames = known_frames if known_frames is not None else frames
    check_rate_and_channels(rate, channels, "audio to write")
    if frames == 0:
        raise BadAudioError("nothing to write: the audio is empty (0 frames)")
    notes: list[str] = []
    out_rate = int(rate if target_rate is None else target_rate)
    check_rate_and_channels(out_rate, channels, "the exported file")
    target = choose_target(dest, channels, format=format, subtype=subtype,
                           frames=None if frames is None else output_length(frames, rate, out_rate))
    codec_rate = allowed_rate(target.subtype, out_rate)
    if codec_rate != out_rate:
        notes.append(f"{target.subtype} cannot store {out_rate} Hz; written at {codec_rate} Hz")
        out_rate = codec_rate
    check_rate_and_channels(out_rate, channels, "the exported file")
    resampler = StreamResampler(rate, out_rate, channels)
    quantize = Quantizer(target.bits, dither, seed) if target.bits else None
    total_out = None if frames is None else output_length(frames, rate, out_rate)
    name = os.path.basename(dest)
    state = {"written": 0, "nonfinite": 0}

    def emit(f: sf.SoundFile, block: np.ndarray) -> None:
        if block.shape[1] == 0:
            return
        data = quantize(block) if quantize else block
        try:
            f.write(np.ascontiguousarray(data.T))
        except (AssertionError, sf.LibsndfileError, RuntimeError) as e:
            # libsndfile reports a failed write(2) as "System error" (or soundfile asserts on
            # a short write) without the errno; a nearly full disk is the usual cause
            raise _write_failure(dest, e) from e
        state["written"] += block.shape[1]
        if progress is not None and total_out:
            progress(min(state["written"] / total_out, 1.0), f"Writing {name}")

    with atomic_path(dest, action="write") as tmp:
        try:
            f = sf.SoundFile(tmp, "w", out_rate, channels, format=target.format,
                             subtype=target.subtype)
        except (sf.LibsndfileError, RuntimeError, ValueError) as e:
            raise AudioFileError(f"cannot write {dest}: {sndfile_reason(e)}") from e
        try:
            with f:
                if target.rf64_auto_downgrade:
                    from soundfile import _ffi, _snd
                    _snd.sf_command(f._file, SFC_RF64_AUTO_DOWNGRADE, _ffi.NULL, 1)
                for chunk in chunks:
                    if _cancel_requested(cancelled):
                        raise Cancelled()
                    if chunk.shape[0] != channels:
                        raise BadAudioError(f"audio chunks change channel count ({channels} then "
                                            f"{chunk.shape[0]})")
                    chunk = np.asarray(chunk, dtype=np.float32)
                    bad = ~np.isfinite(chunk)
                    if bad.any():
                        state["nonfinite"] += int(bad.sum())
                        chunk = np.where(bad, np.float32(0), chunk)
                    emit(f, resampler.feed(chunk))
                emit(f, resampler.finish())
        except (sf.LibsndfileError, RuntimeError) as e:  # closing flushes the header
            raise _write_failure(dest, e) from e
        if state["written"] == 0:
            raise BadAudioError("nothing to write: the audio is empty (0 frames)")
    if state["nonfinite"]:
        notes.append(f"{state['nonfinite']} NaN/Inf samples written as silence")
    clipped = quantize.clipped if quantize else 0
    if clipped:
        notes.append(f"{clipped} samples clipped to the {target.subtype} range")
    final_format = target.format
    if target.rf64_auto_downgrade:
        try:
            final_format = sf.info(dest).format
        except (sf.LibsndfileError, RuntimeError):
            pass
    return ExportResult(dest, final_format, target.subtype, channels, out_rate, state["written"],
                        clipped, state["nonfinite"], tuple(notes))
