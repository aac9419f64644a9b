"""The synchronous runner: validation, chunking through the registry, cancellation, failures,
out-of-memory fallback, plain results."""
import threading
import time

import numpy as np
import pytest
import scipy.signal as ss
import torch

from studio.engine import devices
from studio.engine.operation import Chunking, Extra, InputKind, Report, Result, operation
from studio.engine.params import Float
from studio.engine.protocol import CallableSource, JobRequest
from studio.engine.runner import run_job
from studio.errors import BadAudioError, Cancelled, StudioError

RATE = 16000


def _noise(n=RATE, channels=2, seed=0):
    return (np.random.default_rng(seed).standard_normal((channels, n)) * 0.1).astype(np.float32)


def test_runs_an_op_and_returns_numpy_and_plain_report(scoped_registry):
    @operation(id="analyze.test_mean", title="Mean", returns_audio=False)
    def run(inputs, p, ctx):
        return Result(report=Report(values={"mean": inputs.audio.mean()},
                                    data={"per_channel": inputs.audio.mean(-1)}))

    x = _noise()
    r = run_job(JobRequest(op_id="analyze.test_mean", inputs=x, sample_rate=RATE))
    assert r.audio is None and r.device == "cpu" and r.elapsed > 0
    assert isinstance(r.report.values["mean"], float)  # tensors became plain data
    assert isinstance(r.report.data["per_channel"], np.ndarray)
    assert r.report.values["mean"] == pytest.approx(float(x.mean()), abs=1e-6)


def test_biquad_op_chunked_through_the_registry_matches_scipy():
    """A real op over a lazily read source, in chunks: equal to one-piece scipy filtering."""
    x = _noise(RATE * 12)
    reads = []

    def reader(a, b):
        reads.append(b - a)
        return x[:, a:b]

    src = CallableSource(reader, 2, x.shape[1])
    r = run_job(JobRequest(op_id="filter.lowpass", params={"cutoff": 1000}, inputs=src,
                           sample_rate=RATE, chunk_seconds=2.0))
    w0 = 2 * np.pi * 1000 / RATE
    alpha, c = np.sin(w0) / (2 * 0.707), np.cos(w0)
    b = [(1 - c) / 2, 1 - c, (1 - c) / 2]
    a = [1 + alpha, -2 * c, 1 - alpha]
    ref = ss.lfilter(b, a, x.astype(np.float64), axis=-1)
    assert max(reads) <= 2 * RATE  # never the whole input at once
    assert any("chunks" in line for line in r.log)
    assert np.max(np.abs(r.audio - ref)) < 1e-5


def test_unknown_params_and_ops_are_one_line_errors():
    with pytest.raises(StudioError, match="unknown operation"):
        run_job(JobRequest(op_id="edit.nope", inputs=_noise(), sample_rate=RATE))
    with pytest.raises(StudioError, match="unknown parameter 'gain'"):
        run_job(JobRequest(op_id="edit.gain", params={"gain": 3}, inputs=_noise(),
                           sample_rate=RATE))
    with pytest.raises(StudioError, match="outside"):
        run_job(JobRequest(op_id="edit.gain", params={"db": 500}, inputs=_noise(),
                           sample_rate=RATE))
    with pytest.raises(BadAudioError, match="empty"):
        run_job(JobRequest(op_id="edit.gain", inputs=np.zeros((2, 0), np.float32),
                           sample_rate=RATE))


def test_input_kinds_and_extras_are_checked(scoped_registry):
    @operation(id="array.test_needs_many", title="Needs many", inputs=InputKind.MULTICHANNEL,
               extras=(Extra("reference"),))
    def run(inputs, p, ctx):
        ref, rate = inputs.extras["reference"]
        return Result(audio=inputs.audio * 0 + ref.mean())

    with pytest.raises(StudioError, match="multichannel"):
        run_job(JobRequest(op_id="array.test_needs_many", inputs=_noise(channels=1),
                           sample_rate=RATE, extras={"reference": (_noise(100, 1), RATE)}))
    with pytest.raises(StudioError, match="extra input 'reference'"):
        run_job(JobRequest(op_id="array.test_needs_many", inputs=_noise(channels=4),
                           sample_rate=RATE))
    ref = np.full((1, 10), 0.25, np.float32)
    r = run_job(JobRequest(op_id="array.test_needs_many", inputs=_noise(channels=4),
                           sample_rate=RATE, extras={"reference": (ref, RATE)}))
    assert r.audio.shape == (4, RATE) and np.allclose(r.audio, 0.25)


def test_failing_op_raises_and_leaves_the_input_unchanged(scoped_registry):
    @operation(id="edit.test_breaks", title="Breaks")
    def run(inputs, p, ctx):
        inputs.audio.mul_(0)  # even an op that scribbles on its input cannot touch the caller's
        raise ValueError("boom")

    x = _noise()
    before = x.copy()
    with pytest.raises(ValueError, match="boom"):
        run_job(JobRequest(op_id="edit.test_breaks", inputs=x, sample_rate=RATE))
    np.testing.assert_array_equal(x, before)


def test_wrong_output_length_is_reported(scoped_registry):
    @operation(id="edit.test_short", title="Short")
    def run(inputs, p, ctx):
        return Result(audio=inputs.audio[:, :-1])

    with pytest.raises(RuntimeError, match="changes_length"):
        run_job(JobRequest(op_id="edit.test_short", inputs=_noise(), sample_rate=RATE))


def test_cancel_mid_job_raises_cancelled(scoped_registry):
    steps = []

    @operation(id="edit.test_slow", title="Slow", chunk=Chunking(seconds=0.1, overlap=0.0))
    def run(inputs, p, ctx):
        for i in range(10):
            steps.append(i)
            time.sleep(0.002)
            ctx.progress(i / 10)
        return Result(audio=inputs.audio)

    cancel = threading.Event()

    def on_progress(done, total, message):
        if len(steps) >= 15:
            cancel.set()

    with pytest.raises(Cancelled):
        run_job(JobRequest(op_id="edit.test_slow", inputs=_noise(RATE * 2), sample_rate=RATE),
                cancel_event=cancel, on_progress=on_progress)
    assert 15 <= len(steps) < 150  # stopped long before the 200 steps of the whole job


def test_progress_is_throttled_and_monotonic(scoped_registry):
    @operation(id="edit.test_chatty", title="Chatty")
    def run(inputs, p, ctx):
        for i in range(20000):
            ctx.progress(i / 20000)
        return Result(audio=inputs.audio)

    got = []
    run_job(JobRequest(op_id="edit.test_chatty", inputs=_noise(), sample_rate=RATE),
            on_progress=lambda d, t, m: got.append(d / t))
    assert 1 <= len(got) < 100
    assert got == sorted(got)


def test_generators_take_no_input_and_use_the_seed(scoped_registry):
    @operation(id="generate.test_noise", title="Noise", inputs=InputKind.NONE,
               params=[Float("seconds", default=0.25, lo=0.01, hi=10)])
    def run(inputs, p, ctx):
        n = int(p.seconds * inputs.sample_rate)
        return Result(audio=torch.randn(1, n, generator=ctx.generator, device=ctx.device),
                      takes=[("twice", torch.ones(1, 4))])

    a = run_job(JobRequest(op_id="generate.test_noise", sample_rate=RATE, seed=7))
    b = run_job(JobRequest(op_id="generate.test_noise", sample_rate=RATE, seed=7))
    c = run_job(JobRequest(op_id="generate.test_noise", sample_rate=RATE, seed=8))
    assert a.audio.shape == (1, RATE // 4)
    np.testing.assert_array_equal(a.audio, b.audio)
    assert not np.array_equal(a.audio, c.audio)
    assert a.takes[0][0] == "twice" and isinstance(a.takes[0][1], np.ndarray)


def test_cache_is_shared_between_jobs(scoped_registry):
    loads = []

    @operation(id="edit.test_model", title="Model")
    def run(inputs, p, ctx):
        model = ctx.cached("model.safetensors", lambda: loads.append(1) or 2.0)
        return Result(audio=inputs.audio * model)

    cache = {}
    for _ in range(3):
        run_job(JobRequest(op_id="edit.test_model", inputs=_noise(), sample_rate=RATE),
                cache=cache)
    assert loads == [1]


def _oom_op(limit_frames, calls):
    """An op that runs out of 'GPU' memory on chunks longer than limit_frames, and on any
    non-CPU device when limit_frames is 0."""
    @operation(id="filter.test_hungry", title="Hungry", chunk=Chunking(seconds=1.0, overlap=0.02))
    def run(inputs, p, ctx):
        n = inputs.audio.shape[-1]
        calls.append((ctx.device.type, n))
        if ctx.device.type != "cpu" or n > limit_frames:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2 GiB")
        return Result(audio=inputs.audio * 2)
    return run


def test_out_of_memory_retries_with_smaller_chunks(scoped_registry):
    calls = []
    _oom_op(limit_frames=RATE // 3, calls=calls)
    x = _noise(RATE * 3)
    r = run_job(JobRequest(op_id="filter.test_hungry", inputs=x, sample_rate=RATE))
    np.testing.assert_allclose(r.audio, 2 * x, atol=1e-6)
    sizes = sorted({n for _, n in calls}, reverse=True)
    assert sizes[0] == RATE and min(sizes) <= RATE // 4  # halved twice, then it fitted
    assert sum("retrying with 0.50 s chunks" in line for line in r.log) == 1
    assert sum("retrying with 0.25 s chunks" in line for line in r.log) == 1


def test_out_of_memory_falls_back_to_the_cpu(scoped_registry, monkeypatch):
    """On a (simulated) GPU every chunk size fails: after the halvings the job runs on the CPU
    and the log says so. torch's meta device stands in for the GPU on a CPU-only machine."""
    calls = []
    _oom_op(limit_frames=10 * RATE, calls=calls)
    monkeypatch.setattr(devices, "resolve", lambda requested=None: torch.device("meta"))
    x = _noise(RATE * 3)
    r = run_job(JobRequest(op_id="filter.test_hungry", inputs=x, sample_rate=RATE,
                           device="cuda"))
    np.testing.assert_allclose(r.audio, 2 * x, atol=1e-6)
    assert r.device == "cpu"
    assert [d for d, _ in calls].count("meta") == 4  # 1 s, 0.5 s, 0.25 s, 0.125 s
    assert any("retrying on the CPU" in line for line in r.log)


def test_out_of_memory_on_the_cpu_is_a_clear_error(scoped_registry):
    _oom_op(limit_frames=0, calls=[])
    with pytest.raises(StudioError, match="out of memory"):
        run_job(JobRequest(op_id="filter.test_hungry", inputs=_noise(), sample_rate=RATE))


def test_other_runtime_errors_are_not_retried(scoped_registry):
    calls = []

    @operation(id="edit.test_bug", title="Bug", chunk=Chunking(seconds=0.5, overlap=0.0))
    def run(inputs, p, ctx):
        calls.append(1)
        raise RuntimeError("shape mismatch")

    with pytest.raises(RuntimeError, match="shape mismatch"):
        run_job(JobRequest(op_id="edit.test_bug", inputs=_noise(), sample_rate=RATE))
    assert calls == [1]


def test_chunks_continue_one_random_stream(scoped_registry):
    """A chunked op drawing noise gets fresh noise in every chunk, and the same seed gives
    the same audio."""
    @operation(id="restore.test_dither", title="Dither", chunk=Chunking(seconds=0.25, overlap=0.0))
    def run(inputs, p, ctx):
        return Result(audio=inputs.audio + torch.rand(inputs.audio.shape, generator=ctx.generator,
                                                      device=ctx.device))

    x = np.zeros((1, RATE), np.float32)
    a = run_job(JobRequest(op_id="restore.test_dither", inputs=x, sample_rate=RATE, seed=3))
    b = run_job(JobRequest(op_id="restore.test_dither", inputs=x, sample_rate=RATE, seed=3))
    np.testing.assert_array_equal(a.audio, b.audio)
    quarter = RATE // 4
    assert not np.array_equal(a.audio[:, :quarter], a.audio[:, quarter:2 * quarter])


def test_min_seconds_is_enforced(scoped_registry):
    @operation(id="convert.test_long", title="Needs long input", min_seconds=2.0,
               example={"x": 1.0}, params=[Float("x", default=0.0)])
    def run(inputs, p, ctx):
        return Result(audio=inputs.audio)

    with pytest.raises(BadAudioError, match="at least 2 s of audio"):
        run_job(JobRequest(op_id="convert.test_long", inputs=_noise(RATE), sample_rate=RATE))
    run_job(JobRequest(op_id="convert.test_long", inputs=_noise(2 * RATE), sample_rate=RATE))
