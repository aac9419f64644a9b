"""What `studio run` and `studio batch` share: parameters from presets and --set, reading
inputs in the order an op declares them, writing results, reports as JSON."""
from __future__ import annotations

import json
import math
import os
import re
import sys
from typing import Any, Callable

import numpy as np

from studio.engine import presets, registry
from studio.engine.operation import Operation, Report
from studio.engine.params import parse_assignments
from studio.engine.protocol import JobResult
from studio.errors import StudioError
from studio.io import audiofile, export
from studio.io.atomic import write_text
from studio.io.failures import os_error
from studio.io.formats import kept_subtype
from studio.io.stream_source import StreamSource


def add_job_options(p) -> None:
    p.add_argument("--set", dest="assignments", action="append", default=[], metavar="NAME=VALUE",
                   help="set a parameter (repeatable); see `studio ops OP`")
    p.add_argument("--preset", help="start from a named preset of the operation")
    p.add_argument("--device", default=None, choices=("auto", "cpu", "cuda", "mps"),
                   help="where to run (default: $STUDIO_DEVICE, else auto: CUDA, then MPS, "
                        "then CPU)")
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


def warn(message: str) -> None:
    print(f"studio: warning: {message}", file=sys.stderr)


def read_audio(path: str, on_warning: Callable[[str], None] = warn
               ) -> tuple[np.ndarray, int, Any]:
    """The whole file, through the one reader every command uses (damage bridged, NaN/Inf
    replaced, each warning on stderr as `studio convert` says it, or to `on_warning`)."""
    info = audiofile.probe(path)
    audio, rate = audiofile.read(path, on_warning=on_warning, info=info)
    return audio, rate, info


def open_input(path: str, op: Operation):
    """(audio or a lazy source, rate, info): lazy for chunked ops, so a long recording is
    never held whole; both go through the same reader (studio.io.stream_source)."""
    info = audiofile.probe(path)
    if op.chunk is not None and op.returns_audio and info.frames > 0:
        return StreamSource(info, on_warning=warn), info.samplerate, info
    return read_audio(path)


def output_subtype(requested: str | None, out_path: str, in_path: str | None, info) -> str | None:
    """Keep the input's sample format when writing the same kind of file (a float WAV stays
    float) and the output can hold it, unless the user asked for one (formats.kept_subtype)."""
    subtype, note = kept_subtype(out_path, in_path, None if info is None else info.subtype,
                                 requested)
    if note:
        print(f"studio: {note}", file=sys.stderr)
    return subtype


def write_audio(path: str, audio: np.ndarray, rate: int, subtype: str | None) -> None:
    _make_folder(path)
    result = export.write(path, audio, rate, subtype=subtype)
    for note in result.notes:
        print(f"studio: {note}", file=sys.stderr)


def _make_folder(path: str) -> None:
    folder = os.path.dirname(path)
    if folder and not os.path.isdir(folder):
        blocker = folder
        while blocker and not os.path.lexists(blocker) and os.path.dirname(blocker) != blocker:
            blocker = os.path.dirname(blocker)
        if blocker and os.path.lexists(blocker) and not os.path.isdir(blocker):
            raise StudioError(f"cannot write {path}: {blocker} is a file, not a directory")
        try:
            os.makedirs(folder, exist_ok=True)
        except OSError as e:  # a name too long, no permission
            raise os_error("write", path, e) from None


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
        "values": r.values, "text": r.text, "summary": r.summary,
        "markers": [{"time": m.time, "label": m.label, "duration": m.duration}
                    for m in r.markers],
        "curves": [{"name": c.name, "x_label": c.x_label, "y_label": c.y_label,
                    "log_x": c.log_x, "x": c.x, "y": c.y} for c in r.curves],
        "data": r.data, "log": list(result.log),
    })


def write_report(path: str, result: JobResult, source: str | None = None) -> None:
    """The report as JSON, atomically: a failed write (a full disk) leaves the previous
    report as it was."""
    _make_folder(path)
    text = json.dumps(report_json(result, source), indent=1) + "\n"
    write_text(path, text, action="write report")


def get_op(op_id: str) -> Operation:
    return registry.get(op_id)
