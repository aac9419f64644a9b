import json

import numpy as np
import pytest

from studio.engine.chain import load_chain, parse_chain, run_chain
from studio.engine.protocol import JobRequest
from studio.engine.runner import run_job
from studio.errors import StudioError

RATE = 16000


def test_chain_equals_the_steps_run_one_by_one(tmp_path):
    x = (np.random.default_rng(0).standard_normal((2, RATE)) * 0.1).astype(np.float32)
    path = tmp_path / "chain.json"
    path.write_text(json.dumps([
        {"op": "filter.highpass", "params": {"cutoff": 100}},
        {"op": "analyze.loudness"},
        {"op": "edit.gain", "params": {"db": -3}},
        {"op": "edit.resample", "params": {"rate": 8000}},
    ]))
    steps = load_chain(path)
    progress = []
    r = run_chain(steps, x, RATE, device="cpu", on_progress=lambda d, t, m: progress.append(d))
    a = run_job(JobRequest(op_id="filter.highpass", params={"cutoff": 100}, inputs=x,
                           sample_rate=RATE)).audio
    b = run_job(JobRequest(op_id="edit.gain", params={"db": -3}, inputs=a,
                           sample_rate=RATE)).audio
    c = run_job(JobRequest(op_id="edit.resample", params={"rate": 8000}, inputs=b,
                           sample_rate=RATE))
    assert r.sample_rate == 8000 and r.op_id == "chain"
    np.testing.assert_array_equal(r.audio, c.audio)
    assert "analyze.loudness: integrated_lufs" in r.report.values
    assert [s["op"] for s in r.report.data["steps"]][1] == "analyze.loudness"
    assert progress == sorted(progress) and progress[-1] <= 1.0


def test_chain_steps_are_checked_before_running():
    with pytest.raises(StudioError, match="non-empty JSON list"):
        parse_chain({"op": "edit.gain"})
    with pytest.raises(StudioError, match="unknown operation"):
        parse_chain([{"op": "edit.gain"}, {"op": "edit.nothing"}])
    with pytest.raises(StudioError, match=r"chain step 2 \(edit.gain\): parameter 'db'"):
        parse_chain([{"op": "edit.gain"}, {"op": "edit.gain", "params": {"db": "x"}}])
    with pytest.raises(StudioError, match="unknown key 'param'"):
        parse_chain([{"op": "edit.gain", "param": {}}])


def test_chain_step_can_use_a_preset():
    steps = parse_chain([{"op": "filter.notch", "preset": "Mains hum 60 Hz",
                          "params": {"q": 5}}])
    assert steps[0].params == {"center": 60.0, "q": 5}


def test_a_chain_runs_as_one_request():
    """The host sends chains as ordinary requests (op_id "chain")."""
    x = (np.random.default_rng(1).standard_normal((1, RATE)) * 0.1).astype(np.float32)
    steps = [{"op": "edit.gain", "params": {"db": 6}}, {"op": "edit.gain", "params": {"db": -6}}]
    r = run_job(JobRequest(op_id="chain", params={"steps": steps}, inputs=x, sample_rate=RATE,
                           job_id="j1"))
    assert r.job_id == "j1" and r.op_id == "chain"
    np.testing.assert_allclose(r.audio, x, rtol=1e-6)
    with pytest.raises(StudioError, match="non-empty JSON list"):
        run_job(JobRequest(op_id="chain", params={}, inputs=x, sample_rate=RATE))
