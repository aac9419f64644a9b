"""What `studio run` and `studio batch` share: parameters from presets and --set, reading
inputs in the order an op declares them, writing results, reports as JSON."""
from __future__ import annotations

import json
import math
import os
import re
import sys
from pathlib import Path
from typing import Any

import numpy as np

from studio.engine import presets, registry
from studio.engine.operation import Operation, Report
from studio.engine.params import parse_assignments
from studio.engine.protocol import JobResult
from studio.errors import StudioError
from studio.io import audiofile, export


def add_job_options(p) -> None:
    p.add_argument("--set", dest="assignments", action="append", default=[], metavar="NAME=VALUE",
                   help="set a parameter (repeatable); see `studio ops OP`")
    p.add_argument("--preset", help="start from a named preset of the operation")
    p.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda", "mps"),
                   help="where to run (auto: CUDA, then MPS, then CPU)")
    p.add_argument("--seed", type=int, default=None, help="random seed (same seed, same audio)")
    p.add_argument("--subtype", default=None,
                   help="output sample format, e.g. FLOAT, PCM_24 (default: the input's when "
                        "the extension matches, else the format's default)")


def param_values(op: Operation, preset: str | None, assignments: list[str]) -> dict[str, Any]:
    """A preset's values with --set on top, validated now so a typo fails before any work."""
    values: dict[str, Any] = presets.load_preset(op.id, preset) if preset else {}
    values.update(parse_assignments(assignments))
    op.schema.validate(values)
    return values


def read_audio(path: str) -> tuple[np.ndarray, int, Any]:
    info = audiofile.probe(path)
    audio, rate = audiofile.read(path, on_warning=lambda m: print(f"studio: warning: {m}",
                                                                  file=sys.stderr))
    return audio, rate, info


class FileSource:
    """A file read lazily, [a, b) at a time, for chunked operations: a one-hour recording is
    never held whole in memory (the output still is). NaN/Inf become silence, as
    `audiofile.read` does."""

    def __init__(self, path: str, info):
        import soundfile as sf
        self._file = sf.SoundFile(path)
        self.n_channels, self.n_frames = info.channels, info.frames

    def read(self, a: int, b: int) -> np.ndarray:
        self._file.seek(a)
        block = self._file.read(b - a, dtype="float32", always_2d=True).T
        if block.shape[1] != b - a:
            raise StudioError(f"{self._file.name}: the audio ends early (truncated file?)")
        return np.nan_to_num(block, nan=0.0, posinf=0.0, neginf=0.0)

    def close(self) -> None:
        self._file.close()


def open_input(path: str, op: Operation):
    """(audio or a lazy source, rate, info): lazy for chunked ops over files libsndfile reads."""
    info = audiofile.probe(path)
    if op.chunk is not None and op.returns_audio and info.reader == "libsndfile" \
            and info.frames > 0:
        return FileSource(path, info), info.samplerate, info
    return read_audio(path)


def output_subtype(requested: str | None, out_path: str, in_path: str | None, info) -> str | None:
    """Keep the input's sample format when writing the same kind of file (a float WAV stays
    float), unless the user asked for one."""
    if requested:
        return requested
    if in_path and info is not None and \
            Path(out_path).suffix.lower() == Path(in_path).suffix.lower():
        return info.subtype
    return None


def write_audio(path: str, audio: np.ndarray, rate: int, subtype: str | None) -> None:
    if os.path.dirname(path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
    result = export.write(path, audio, rate, subtype=subtype)
    for note in result.notes:
        print(f"studio: {note}", file=sys.stderr)


def take_path(out: str, name: str) -> str:
    root, ext = os.path.splitext(out)
    safe = re.sub(r"[^A-Za-z0-9_.+-]+", "_", name).strip("_") or "take"
    return f"{root}-{safe}{ext}"


def _jsonable(v: Any) -> Any:
    if isinstance(v, np.ndarray):
        return _jsonable(v.tolist())
    if isinstance(v, (np.floating, float)):
        f = float(v)
        return f if math.isfinite(f) else None
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    return v


def report_json(result: JobResult, source: str | None = None) -> dict:
    r: Report = result.report
    return _jsonable({
        "op": result.op_id, "input": source, "params": dict(result.params),
        "device": result.device, "elapsed_s": round(result.elapsed, 4),
        "values": r.values, "text": r.text,
        "markers": [{"time": m.time, "label": m.label, "duration": m.duration}
                    for m in r.markers],
        "curves": [{"name": c.name, "x_label": c.x_label, "y_label": c.y_label,
                    "log_x": c.log_x, "x": c.x, "y": c.y} for c in r.curves],
        "data": r.data, "log": list(result.log),
    })


def write_report(path: str, result: JobResult, source: str | None = None) -> None:
    try:
        if os.path.dirname(path):
            os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            json.dump(report_json(result, source), f, indent=1)
            f.write("\n")
    except OSError as e:
        raise StudioError(f"cannot write report {path}: {e.strerror or e}") from None


def get_op(op_id: str) -> Operation:
    return registry.get(op_id)
