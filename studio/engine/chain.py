"""Chains: several operations run in sequence, each on the previous one's output.

The window submits a chain to the host as `JobRequest(op_id="chain", params={"steps": [...]})`.
A chain file is a JSON list of steps, `{"op": "filter.highpass", "params": {"cutoff": 80}}`,
optionally with `"preset": "name"` (the preset's values, then `params` on top). The same chain
runs from `studio batch --chain` and from the window. Steps that only analyse (no audio out)
pass their input on unchanged and contribute their report.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np

from studio.engine import presets, registry
from studio.engine.operation import Report
from studio.engine.protocol import JobRequest, JobResult
from studio.engine.runner import ProgressFn, run_job
from studio.errors import StudioError


@dataclass(frozen=True)
class ChainStep:
    op_id: str
    params: Mapping[str, Any] = field(default_factory=dict)


def parse_chain(data: Any) -> list[ChainStep]:
    """Steps from decoded JSON; every op and parameter is checked before anything runs."""
    if not isinstance(data, list) or not data:
        raise StudioError("a chain is a non-empty JSON list of {\"op\": ..., \"params\": {...}}")
    steps = []
    for i, item in enumerate(data, 1):
        if not isinstance(item, dict) or not isinstance(item.get("op"), str):
            raise StudioError(f"chain step {i} needs an \"op\" name")
        unknown = set(item) - {"op", "params", "preset"}
        if unknown:
            raise StudioError(f"chain step {i} has unknown key '{sorted(unknown)[0]}'")
        op = registry.get(item["op"])
        values: dict[str, Any] = {}
        if item.get("preset"):
            values.update(presets.load_preset(op.id, str(item["preset"])))
        if not isinstance(item.get("params", {}), dict):
            raise StudioError(f"chain step {i}: \"params\" must be an object")
        values.update(item.get("params", {}))
        try:
            op.schema.validate(values)
        except StudioError as e:
            raise StudioError(f"chain step {i} ({op.id}): {e}") from None
        steps.append(ChainStep(op.id, values))
    return steps


def load_chain(path: str | Path) -> list[ChainStep]:
    from studio.io import jsonfile  # size-bounded; deep nesting and NaN are one line
    return parse_chain(jsonfile.read(path, f"chain '{path}'", max_bytes=1 << 20))


def run_chain(steps: list[ChainStep], audio: np.ndarray | None, sample_rate: int, *,
              device: str = "auto", seed: int | None = None,
              extras: Mapping[str, tuple[np.ndarray, int]] | None = None,
              cancel_event: threading.Event | None = None,
              on_progress: ProgressFn | None = None, cache: dict | None = None,
              job_id: str = "") -> JobResult:
    """Run the steps in order; the result carries the last audio, every step's report (values
    named "<op id>: <name>" when there are several steps) and the joined log."""
    cache = {} if cache is None else cache
    report, log, elapsed, takes = Report(), [], 0.0, ()
    rate, used = int(sample_rate), "cpu"
    n = len(steps)
    last: JobResult | None = None
    for i, step in enumerate(steps):
        sub = None if on_progress is None else _span(on_progress, i / n, (i + 1) / n, step.op_id)
        request = JobRequest(op_id=step.op_id, params=dict(step.params), inputs=audio,
                             sample_rate=rate, device=device, seed=seed, extras=extras or {})
        last = run_job(request, cancel_event=cancel_event, on_progress=sub, cache=cache)
        if last.audio is not None:
            audio, rate = last.audio, last.sample_rate
        takes = last.takes
        prefix = f"{step.op_id}: " if n > 1 else ""
        report.values.update({prefix + k: v for k, v in last.report.values.items()})
        report.curves.extend(last.report.curves)
        report.markers.extend(last.report.markers)
        report.text = "\n".join(t for t in (report.text, last.report.text) if t)
        report.data.setdefault("steps", []).append({"op": step.op_id,
                                                    "values": dict(last.report.values),
                                                    "data": last.report.data})
        log.extend(f"[{step.op_id}] {line}" for line in last.log)
        elapsed += last.elapsed
        used = last.device
    assert last is not None
    return replace(last, job_id=job_id or last.job_id, op_id="chain", audio=audio,
                   sample_rate=rate, report=report, takes=takes, log=tuple(log),
                   elapsed=elapsed, device=used, params={"steps": [
                       {"op": s.op_id, "params": dict(s.params)} for s in steps]})


def _span(fn: ProgressFn, a: float, b: float, label: str) -> Callable[[float, float, str], None]:
    def progress(done: float, total: float, message: str) -> None:
        f = done / total if total else 0.0
        fn(a + (b - a) * f, 1.0, f"{label}: {message}" if message else label)
    return progress
