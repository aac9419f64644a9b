"""Every registered operation, whoever wrote it: a valid schema, and a run on a short input on
the CPU with its default parameters (generators with no input, multichannel ops with 4
channels, extras given as short clips). An op whose defaults cannot run alone declares an
`example` (parameter values) and/or `min_seconds` (input length) and is run with those."""
import json
import math

import numpy as np
import pytest

from studio.engine import registry
from studio.engine.operation import CATEGORIES, InputKind
from studio.engine.protocol import JobRequest
from studio.engine.runner import run_job

RATE = 48000
OPS = [op.id for op in registry.all_operations()]


def test_operations_are_discovered():
    assert {"edit.gain", "edit.normalize", "edit.resample", "analyze.loudness",
            "analyze.spectrum", "filter.lowpass", "filter.highpass", "filter.bandpass",
            "filter.notch"} <= set(OPS)


@pytest.mark.parametrize("op_id", OPS)
def test_schema_is_valid(op_id):
    op = registry.get(op_id)
    assert op.category in CATEGORIES and op.id.startswith(op.category + ".")
    assert op.title and op.description, "title and a one-line description (docstring)"
    d = json.loads(json.dumps(op.describe()))  # JSON-able, as `studio ops --json` prints it
    assert d["id"] == op_id
    for p in op.schema:
        assert p.name.isidentifier()
        desc = p.describe()
        if desc.get("lo") is not None and desc.get("hi") is not None:
            assert desc["lo"] <= desc["hi"]
        if p.kind == "choice":
            assert p.options and (p.default is None or p.default in p.options)
    op.schema.validate({})  # every default passes its own checks
    if op.example is not None:
        op.schema.validate(op.example)
    assert 0 <= op.min_seconds <= 60
    if op.chunk is not None:
        assert op.chunk.seconds > 0 and 0 <= op.chunk.overlap < op.chunk.seconds


def _clip(channels, seconds=0.5, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * RATE)) / RATE
    tone = 0.3 * np.sin(2 * np.pi * 440 * t)
    return (tone + 0.05 * rng.standard_normal((channels, t.size))).astype(np.float32)


@pytest.mark.parametrize("op_id", OPS)
def test_runs_with_defaults_on_a_short_input(op_id):
    op = registry.get(op_id)
    channels = 4 if op.inputs is InputKind.MULTICHANNEL else 2
    seconds = max(0.5, op.min_seconds)
    x = None if op.inputs is InputKind.NONE else _clip(channels, seconds)
    extras = {e.name: (_clip(1, seconds, seed=i + 1), RATE) for i, e in enumerate(op.extras)}
    before = None if x is None else x.copy()
    r = run_job(JobRequest(op_id=op_id, params=dict(op.example or {}), inputs=x,
                           sample_rate=RATE, device="cpu", seed=1, extras=extras))
    assert r.device == "cpu"
    if before is not None:
        np.testing.assert_array_equal(x, before)  # the input snapshot is never modified
    if op.returns_audio:
        audio = r.audio if r.audio is not None else (r.takes[0][1] if r.takes else None)
        assert audio is not None, "an op that returns audio returned none"
        assert audio.dtype == np.float32 and audio.ndim == 2
        assert np.isfinite(audio).all()
        if x is not None and not op.changes_length and r.audio is not None:
            assert r.audio.shape[1] == x.shape[1]
    else:
        assert r.audio is None
        assert not r.report.is_empty()
    for v in r.report.values.values():
        assert v is None or isinstance(v, (int, float, str, bool)), "plain values only"
        assert not (isinstance(v, float) and math.isnan(v))
