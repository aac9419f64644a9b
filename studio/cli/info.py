"""`studio info FILE... [--json]`: what a file holds (format, sample format, channels, rate,
length) and what is in it per channel (peak and RMS in dBFS, NaN/Inf and full-scale counts).

The samples are streamed a block at a time, so an hours-long file costs one block of memory.
Damage that did not stop reading (truncation, NaN/Inf) is listed under "warnings" and exits 0:
the file is readable and `info` is how a user learns what is wrong with it.
"""
from __future__ import annotations

import json
import math
import sys

import numpy as np

from studio.io.audiofile import AudioInfo, ReadStats, iter_frames, probe


def register(subparsers) -> None:
    p = subparsers.add_parser("info", help="describe audio files: format, length, levels, NaN/Inf")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--json", action="store_true", help="print JSON (one object, or a list)")
    p.set_defaults(func=_run)


def _db(x: float) -> float | None:
    return 20 * math.log10(x) if x > 0 else None


class ChannelLevels:
    """Running per-channel statistics over streamed (frames, channels) chunks. Non-finite
    samples are counted, not included in peak/RMS (one NaN would hide every level)."""

    def __init__(self, channels: int):
        self.peak = np.zeros(channels)
        self.sumsq = np.zeros(channels)
        self.finite = np.zeros(channels, np.int64)
        self.nan = np.zeros(channels, np.int64)
        self.inf = np.zeros(channels, np.int64)
        self.full_scale = np.zeros(channels, np.int64)

    def add(self, chunk: np.ndarray) -> None:
        if len(chunk) == 0:
            return
        finite = np.isfinite(chunk)
        if not finite.all():  # rare: count, then measure the rest as if those were silent
            nan = np.isnan(chunk)
            self.nan += nan.sum(axis=0)
            self.inf += (~finite & ~nan).sum(axis=0)
            self.finite += finite.sum(axis=0)
            chunk = np.where(finite, chunk, np.float32(0))
        else:
            self.finite += len(chunk)
        a = np.abs(chunk)  # float32: exact for peaks
        self.peak = np.maximum(self.peak, a.max(axis=0))
        self.full_scale += (a >= 1.0).sum(axis=0)
        self.sumsq += np.einsum("ij,ij->j", chunk, chunk, dtype=np.float64)

    def rows(self, names: list[str]) -> list[dict]:
        out = []
        for c, name in enumerate(names):
            rms = math.sqrt(self.sumsq[c] / self.finite[c]) if self.finite[c] else 0.0
            out.append({"channel": c + 1, "name": name, "peak_dbfs": _db(float(self.peak[c])),
                        "rms_dbfs": _db(rms), "nan": int(self.nan[c]), "inf": int(self.inf[c]),
                        "full_scale_samples": int(self.full_scale[c])})
        return out


def _names(n: int) -> list[str]:
    return ["Mono"] if n == 1 else ["Left", "Right"] if n == 2 else [f"Ch {i + 1}" for i in range(n)]


def describe(path: str, progress=None, cancelled=None) -> dict:
    """Everything `studio info` prints about one file, as a dict (JSON-ready)."""
    info: AudioInfo = probe(path)
    levels = ChannelLevels(info.channels)
    stats = ReadStats()
    found: list[str] = []
    for chunk in iter_frames(path, progress=progress, cancelled=cancelled, nonfinite="keep",
                             stats=stats, on_warning=found.append, allow_empty=True, info=info):
        levels.add(chunk)
    d = info.as_dict()
    d["frames_read"] = stats.frames_read
    d["channels_detail"] = levels.rows(_names(info.channels))
    d["nonfinite"] = int(levels.nan.sum() + levels.inf.sum())
    d["warnings"] = [w.split(": ", 1)[1] if w.startswith(info.path + ": ") else w for w in found]
    if info.frames == 0:
        d["warnings"].append("the file holds no audio (0 frames)")
    return d


def _fmt_db(v: float | None) -> str:
    return "-inf" if v is None else f"{v:.2f}"


def format_text(d: dict) -> str:
    bits = f", {d['bits']} bit" if d.get("bits") else ""
    lines = [d["path"],
             f"  format       {d['format_description']} / {d['subtype_description']} "
             f"({d['format']} {d['subtype']}{bits})",
             f"  channels     {d['channels']}",
             f"  sample rate  {d['samplerate']} Hz",
             f"  length       {d['frames']} frames, {d['duration']:.3f} s",
             f"  NaN/Inf      {d['nonfinite']}",
             "  channel        peak dBFS   RMS dBFS    NaN    Inf  at full scale"]
    for r in d["channels_detail"]:
        lines.append(f"  {r['channel']:>3} {r['name'][:8]:<8} {_fmt_db(r['peak_dbfs']):>11} "
                     f"{_fmt_db(r['rms_dbfs']):>10} {r['nan']:>6} {r['inf']:>6} "
                     f"{r['full_scale_samples']:>14}")
    for w in d["warnings"]:
        lines.append(f"  warning: {w}")
    return "\n".join(lines)


def _run(args) -> int:
    from studio.cli.convert import decoder_noise_silenced
    with decoder_noise_silenced():
        return _main(args)


def _main(args) -> int:
    from studio.cli.convert import TtyProgress
    from studio.errors import StudioError
    results, failed = [], []
    for path in args.files:  # one bad file among many still describes the others
        progress = TtyProgress(f"Reading {path}")
        try:
            results.append(describe(path, progress=progress))
        except StudioError as e:
            if len(args.files) == 1:
                raise
            failed.append(str(e))
        finally:
            progress.close()
    if results:
        if args.json:
            print(json.dumps(results[0] if len(args.files) == 1 else results, indent=1))
        else:
            print("\n\n".join(format_text(d) for d in results))
        sys.stdout.flush()
    for message in failed:
        print(f"studio: {message}", file=sys.stderr)
    return 1 if failed else 0
