"""`studio convert IN OUT [--rate R] [--subtype S] [--channels N] [--dither D]`: another
format, sample format, rate or channel count, streamed (hours of audio in one block of
memory) and written atomically (OUT may be IN: it is replaced only when complete).
IN may also be a session file (.adsession): its audio is exported.

Channel rule for --channels N with an input of C channels:
  N == 1      mix down: the mean of all channels;
  N <  C      keep the first N channels;
  N >  C      repeat the input channels in order (mono -> every channel; L R -> L R L R ...).
"""
from __future__ import annotations

import contextlib
import io
import os
import sys
import tempfile

import numpy as np

from studio.errors import StudioError
from studio.io import export
from studio.io.audiofile import iter_frames, probe
from studio.io.formats import MAX_CHANNELS, kept_subtype


class TtyProgress:
    """Percent on one rewritten stderr line, only when stderr is a terminal."""

    def __init__(self, label: str):
        self.label, self.on, self.last = label, sys.stderr.isatty(), -1

    def __call__(self, fraction: float, message: str = "") -> None:
        pct = int(fraction * 100)
        if self.on and pct != self.last:
            self.last = pct
            sys.stderr.write(f"\r{self.label[:60]}: {pct:3d}%")
            sys.stderr.flush()

    def close(self) -> None:
        if self.on and self.last >= 0:
            sys.stderr.write("\r" + " " * 72 + "\r")
            sys.stderr.flush()


@contextlib.contextmanager
def decoder_noise_silenced():
    """libmpg123 (inside libsndfile) prints resync notes straight to file descriptor 2, which
    would break the one-line-per-problem rule; the damage reaches the user as our own warning
    instead. Python's sys.stderr keeps writing to the real stderr meanwhile. Does nothing
    when sys.stderr is not fd 2 (tests capturing output, an embedding app)."""
    try:
        real = sys.stderr.fileno() == 2
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        real = False
    if not real:
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    py_stderr = sys.stderr
    sys.stderr = io.TextIOWrapper(os.fdopen(os.dup(saved), "wb", buffering=0), write_through=True)
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            sys.stderr.close()
            sys.stderr = py_stderr


def channel_map(n_in: int, n_out: int) -> list[int] | None:
    """Input channel for each output channel (None: mix down to mono)."""
    if not 1 <= n_out <= MAX_CHANNELS:
        raise StudioError(f"--channels must be 1..{MAX_CHANNELS}, not {n_out}")
    if n_out == 1 and n_in > 1:
        return None
    return [c % n_in for c in range(n_out)]


def remap(chunk: np.ndarray, mapping: list[int] | None) -> np.ndarray:
    """(frames, C_in) -> (C_out, frames)."""
    if mapping is None:
        return chunk.mean(axis=1, dtype=np.float64).astype(np.float32)[None, :]
    return np.ascontiguousarray(chunk[:, mapping].T)


def default_subtype(requested: str | None, out_path: str, in_path: str, in_subtype: str) -> str | None:
    """Keep the input's sample format for the same kind of file when the output can hold it,
    unless asked otherwise (formats.kept_subtype); a changed format is said on stderr."""
    subtype, note = kept_subtype(out_path, in_path, in_subtype, requested)
    if note:
        print(f"studio: {note}", file=sys.stderr)
    return subtype


def register(subparsers) -> None:
    p = subparsers.add_parser("convert", help="change format, sample format, rate or channels")
    p.add_argument("input", metavar="IN")
    p.add_argument("output", metavar="OUT", help="output file; the format follows its extension")
    p.add_argument("--rate", type=int, help="new sample rate in Hz (high-quality resampling)")
    p.add_argument("--subtype", help="sample format: PCM_16, PCM_24, PCM_32, FLOAT, VORBIS ... "
                                     "(default: the input's for the same file type, else the "
                                     "format's default: 24-bit for lossless)")
    p.add_argument("--channels", type=int, help="1 = mix down; fewer = keep the first N; more = "
                                                 "repeat the input channels in order")
    p.add_argument("--dither", choices=("tpdf", "none"), default="tpdf",
                   help="dither when reducing to 16 bits or fewer (default tpdf)")
    p.set_defaults(func=_run)


def _run(args) -> int:
    with decoder_noise_silenced():
        return _main(args)


def _session_source(path: str):
    """(channels, rate, frames, subtype, iterator of (frames, C) chunks) of a session's audio."""
    from studio.core.session import load_session
    state = load_session(path).state

    def chunks():
        for a in range(0, state.n_frames, 1 << 18):
            yield state.read(a, min(state.n_frames, a + (1 << 18))).T
    return state.n_channels, state.sample_rate, state.n_frames, "FLOAT", chunks()


def _file_source(path: str):
    info = probe(path)
    warn = lambda m: print(f"studio: warning: {m}", file=sys.stderr)  # noqa: E731
    return (info.channels, info.samplerate, info.frames, info.subtype,
            iter_frames(path, info=info, on_warning=warn, allow_empty=info.frames == 0))


def _main(args) -> int:
    from studio.core.session import is_session_file
    is_session = is_session_file(args.input)
    channels, rate, frames, subtype, source = (_session_source if is_session else _file_source)(args.input)
    if frames == 0:
        raise StudioError(f"{args.input} holds no audio (0 frames); nothing to convert")
    mapping = channel_map(channels, args.channels) if args.channels is not None else None
    keep_all = args.channels is None or mapping == list(range(channels))
    chunks = (c.T if keep_all else remap(c, mapping) for c in source)
    progress = TtyProgress(f"Converting {os.path.basename(args.input)}")
    try:
        result = export.write(args.output, chunks, rate,
                              subtype=default_subtype(args.subtype, args.output, args.input, subtype),
                              target_rate=args.rate, dither=args.dither, frames=frames,
                              progress=progress)
    finally:
        progress.close()
    for note in result.notes:
        print(f"studio: {note}", file=sys.stderr)
    return 0
