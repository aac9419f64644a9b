"""`studio edit IN OUT --op NAME [options]`: one document edit on a file, through the same
core commands the window's Edit menu runs (studio.core.commands), then an atomic export.

Times (--start, --end, --at, --seconds) are seconds ("1.5", "1.5s"), minutes:seconds
("1:02.5") or samples ("48000smp"). IN may be a session file (.adsession). --start/--end default to the whole file; --select-channels
takes 1-based channel numbers ("1,3") and defaults to all.

  gain --db D               normalize --peak-db D | --lufs L
  fade-in / fade-out [--seconds T] [--shape linear|log|s-curve]  (or a --start/--end range)
  reverse, silence          on the range
  trim                      keep only the range;   delete: remove the range
  insert-silence --at T --seconds T
  change-rate --rate R      mix-down
"""
from __future__ import annotations

import os
import re
import sys

from studio.errors import StudioError

OPS = ("gain", "normalize", "fade-in", "fade-out", "reverse", "silence", "trim", "delete",
       "insert-silence", "change-rate", "mix-down")
FRAME_CHUNK = 1 << 18


def register(subparsers) -> None:
    p = subparsers.add_parser("edit", help="apply one edit (gain, fade, trim ...) to a file")
    p.add_argument("input", metavar="IN")
    p.add_argument("output", metavar="OUT")
    p.add_argument("--op", required=True, choices=OPS, metavar="NAME",
                   help="one of: " + ", ".join(OPS))
    p.add_argument("--start", help="range start (default: beginning)")
    p.add_argument("--end", help="range end (default: end of file)")
    p.add_argument("--select-channels", help="1-based channels to edit, e.g. 1,3 (default: all)")
    p.add_argument("--db", type=float, help="gain in dB (gain)")
    p.add_argument("--peak-db", type=float, help="peak target in dBFS (normalize)")
    p.add_argument("--lufs", type=float, help="loudness target in LUFS (normalize)")
    p.add_argument("--seconds", help="fade length, or how much silence to insert")
    p.add_argument("--shape", default="linear", choices=("linear", "log", "s-curve"))
    p.add_argument("--at", help="where to insert silence (default: --start, or the beginning)")
    p.add_argument("--rate", type=int, help="new sample rate (change-rate)")
    p.add_argument("--subtype", help="output sample format (default: the input's for the same "
                                     "file type)")
    p.add_argument("--dither", choices=("tpdf", "none"), default="tpdf")
    p.set_defaults(func=_run)


_SAMPLES = re.compile(r"^\s*(\d+)\s*(smp|samples?)\s*$", re.IGNORECASE)
_CLOCK = re.compile(r"^\s*(?:(\d+):)?(\d+):(\d+(?:\.\d*)?)\s*$")


def parse_time(text: str, rate: int, what: str) -> int:
    """Frames for '1.5', '1.5s', '1:02.5', '1:00:00' or '48000smp'."""
    m = _SAMPLES.match(text)
    if m:
        return int(m.group(1))
    m = _CLOCK.match(text)
    if m:
        seconds = int(m.group(1) or 0) * 3600 + int(m.group(2)) * 60 + float(m.group(3))
    else:
        try:
            seconds = float(text.strip().removesuffix("s"))
        except ValueError:
            raise StudioError(f"{what} '{text}' is not a time (use 1.5, 1.5s, 1:02.5 or "
                              f"48000smp)") from None
    if seconds < 0 or seconds != seconds:
        raise StudioError(f"{what} must not be negative")
    return int(round(seconds * rate))


def _selection(args, state):
    from studio.core.selection import Selection
    n, rate = state.n_frames, state.sample_rate
    start = parse_time(args.start, rate, "--start") if args.start else 0
    end = parse_time(args.end, rate, "--end") if args.end else n
    if start > n:
        raise StudioError(f"--start {args.start} is past the end of the file "
                          f"({n / rate:.3f} s, {n} samples)")
    end = min(end, n)
    if end < start:
        raise StudioError(f"--end {args.end} comes before --start {args.start}")
    chans = None
    if args.select_channels:
        try:
            chans = frozenset(int(c) - 1 for c in args.select_channels.split(","))
        except ValueError:
            raise StudioError(f"--select-channels '{args.select_channels}' must be numbers "
                              f"like 1,2") from None
        bad = sorted(c + 1 for c in chans if not 0 <= c < state.n_channels)
        if bad:
            raise StudioError(f"--select-channels: the file has {state.n_channels} channel(s), "
                              f"no channel {bad[0]}")
    return Selection(start, end, channels=chans)


def _require(value, flag: str, op: str):
    if value is None:
        raise StudioError(f"--op {op} needs {flag}")
    return value


def build_command(doc, args):
    """The core command for `args.op` on `doc` (the same factories the window uses)."""
    from studio.core import commands
    from studio.core.selection import Selection
    state, op = doc.state, args.op
    sel = _selection(args, state)
    ranged = bool(args.start or args.end)
    if op == "gain":
        return commands.gain(doc, _require(args.db, "--db", op), sel=sel, bundle=False)
    if op == "normalize":
        if args.lufs is not None and args.peak_db is not None:
            raise StudioError("--op normalize takes --peak-db or --lufs, not both")
        if args.lufs is not None:
            return commands.normalize_loudness(doc, args.lufs, sel=sel)
        return commands.normalize_peak(doc, -1.0 if args.peak_db is None else args.peak_db, sel=sel)
    if op in ("fade-in", "fade-out"):
        if args.seconds and not ranged:
            length = min(parse_time(args.seconds, state.sample_rate, "--seconds"), state.n_frames)
            a, b = (0, length) if op == "fade-in" else (state.n_frames - length, state.n_frames)
            sel = sel.moved(a, b)
        factory = commands.fade_in if op == "fade-in" else commands.fade_out
        return factory(doc, shape=args.shape, sel=sel)
    if op == "reverse":
        return commands.reverse(doc, sel=sel)
    if op == "silence":
        return commands.silence(doc, sel=sel)
    if op in ("trim", "delete"):
        if not ranged:
            raise StudioError(f"--op {op} needs --start and/or --end")
        if sel.is_empty:
            raise StudioError(f"--op {op}: the range is empty")
        if sel.channels is not None:
            raise StudioError(f"--op {op} changes the length, so it acts on every channel; "
                              f"drop --select-channels")
        return (commands.trim if op == "trim" else commands.delete)(doc, sel=sel)
    if op == "insert-silence":
        frames = parse_time(_require(args.seconds, "--seconds", op), state.sample_rate, "--seconds")
        at = parse_time(args.at, state.sample_rate, "--at") if args.at else sel.start
        if at > state.n_frames:
            raise StudioError(f"--at {args.at} is past the end of the file")
        doc.set_selection(Selection.cursor(at))
        return commands.insert_silence(doc, frames, at=at)
    if op == "change-rate":
        return commands.change_rate(doc, _require(args.rate, "--rate", op))
    if op == "mix-down":
        return commands.mix_down(doc, sel=sel.moved(0, state.n_frames))
    raise StudioError(f"unknown edit '{op}'")  # argparse's choices make this unreachable


def _chunks(state):
    for a in range(0, state.n_frames, FRAME_CHUNK):
        yield state.read(a, min(state.n_frames, a + FRAME_CHUNK))


def _run(args) -> int:
    from studio.cli.convert import decoder_noise_silenced
    with decoder_noise_silenced():
        return _main(args)


def _main(args) -> int:
    from studio.cli.convert import TtyProgress, default_subtype
    from studio.core.loading import load_document
    from studio.core.session import is_session_file, load_session
    from studio.io import export

    warn = lambda m: print(f"studio: warning: {m}", file=sys.stderr)  # noqa: E731
    progress = TtyProgress(f"Reading {os.path.basename(args.input)}")
    try:
        if is_session_file(args.input):
            doc = load_session(args.input, progress)
            doc.source_info.setdefault("subtype", "FLOAT")
        else:
            doc = load_document(args.input, progress, on_warning=warn)
    finally:
        progress.close()
    doc.execute(build_command(doc, args))
    state = doc.state
    if state.n_frames == 0:
        raise StudioError(f"--op {args.op} left no audio; nothing written to {args.output}")
    subtype = default_subtype(args.subtype, args.output, args.input,
                              doc.source_info.get("subtype", ""))
    progress = TtyProgress(f"Writing {os.path.basename(args.output)}")
    try:
        result = export.write(args.output, _chunks(state), state.sample_rate, subtype=subtype,
                              dither=args.dither, frames=state.n_frames, progress=progress)
    finally:
        progress.close()
    for note in result.notes:
        print(f"studio: {note}", file=sys.stderr)
    return 0
