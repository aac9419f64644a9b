"""The QThread host: results as signals, failures and cancels as replies, stale results
dropped, models kept between jobs, and no thread left after shutdown."""
import os
import threading
import time

import numpy as np
import pytest

import studio.engine.runner  # noqa: F401 - torch loaded before the timed waits below

from studio.engine.host import EngineHost
from studio.engine.operation import Result, operation
from studio.engine.protocol import JobCancelled, JobFailed, JobFinished, JobRequest

RATE = 8000
WAIT = 10_000  # ms


def _noise(n=RATE, channels=2):
    return (np.random.default_rng(1).standard_normal((channels, n)) * 0.1).astype(np.float32)


@pytest.fixture
def host(qtbot):
    h = EngineHost()
    qtbot.waitUntil(h.is_ready, timeout=60_000)
    yield h
    assert h.shutdown()


@pytest.fixture
def gate(scoped_registry):
    """An op that runs until the test opens the gate (or the job is cancelled)."""
    opened, runs = threading.Event(), []

    @operation(id="edit.test_gate", title="Gate")
    def run(inputs, p, ctx):
        runs.append(inputs.offset)
        while not opened.is_set():
            ctx.progress(0.5, "waiting")
            time.sleep(0.002)
        return Result(audio=inputs.audio)

    return opened, runs


def test_finished_result_is_numpy(host, qtbot):
    x = _noise()
    with qtbot.waitSignal(host.finished, timeout=WAIT) as sig:
        jid = host.submit(JobRequest(op_id="edit.gain", params={"db": -6}, inputs=x,
                                     sample_rate=RATE))
    msg = sig.args[0]
    assert isinstance(msg, JobFinished) and msg.job_id == jid
    assert isinstance(msg.result.audio, np.ndarray)
    np.testing.assert_allclose(msg.result.audio, x * np.float32(10 ** (-6 / 20)), rtol=1e-6)


def test_failing_op_becomes_job_failed_and_input_is_unchanged(host, qtbot, scoped_registry):
    @operation(id="edit.test_raise", title="Raise")
    def run(inputs, p, ctx):
        inputs.audio.fill_(1.0)
        raise ZeroDivisionError("no way")

    x = _noise()
    before = x.copy()
    with qtbot.waitSignal(host.failed, timeout=WAIT) as sig:
        host.submit(JobRequest(op_id="edit.test_raise", inputs=x, sample_rate=RATE))
    msg = sig.args[0]
    assert isinstance(msg, JobFailed)
    assert msg.message == "ZeroDivisionError: no way" and "Traceback" in msg.traceback
    np.testing.assert_array_equal(x, before)
    # the engine goes on working after a failure
    with qtbot.waitSignal(host.finished, timeout=WAIT):
        host.submit(JobRequest(op_id="edit.gain", inputs=x, sample_rate=RATE))


def test_user_errors_have_no_traceback(host, qtbot):
    with qtbot.waitSignal(host.failed, timeout=WAIT) as sig:
        host.submit(JobRequest(op_id="edit.gain", params={"db": "loud"}, inputs=_noise(),
                               sample_rate=RATE))
    assert "is not a number" in sig.args[0].message and sig.args[0].traceback == ""


def test_cancel_the_running_job(host, qtbot, gate):
    with qtbot.waitSignal(host.started, timeout=WAIT) as sig:
        jid = host.submit(JobRequest(op_id="edit.test_gate", inputs=_noise(), sample_rate=RATE))
    assert sig.args[0].job_id == jid
    with qtbot.waitSignal(host.cancelled, timeout=WAIT) as sig:
        host.cancel(jid)
    assert isinstance(sig.args[0], JobCancelled) and sig.args[0].job_id == jid
    qtbot.waitUntil(lambda: host.pending() == 0, timeout=WAIT)


def test_cancelling_a_queued_job_removes_it(host, qtbot, gate):
    opened, runs = gate
    with qtbot.waitSignal(host.started, timeout=WAIT):
        first = host.submit(JobRequest(op_id="edit.test_gate", inputs=_noise(),
                                       sample_rate=RATE, offset=1))
    second = host.submit(JobRequest(op_id="edit.test_gate", inputs=_noise(), sample_rate=RATE,
                                    offset=2))
    assert host.pending() == 2
    with qtbot.waitSignal(host.cancelled, timeout=1000) as sig:
        host.cancel(second)  # answered at once: it never started
    assert sig.args[0].job_id == second and host.pending() == 1
    opened.set()
    with qtbot.waitSignal(host.idle, timeout=WAIT):
        pass
    assert runs == [1]  # the cancelled one never ran
    assert not host.is_stale(first) or host.pending() == 0


def test_superseded_results_are_dropped(host, qtbot, gate):
    opened, runs = gate
    seen = []
    host.reply.connect(seen.append)
    with qtbot.waitSignal(host.started, timeout=WAIT):
        old = host.submit(JobRequest(op_id="edit.test_gate", inputs=_noise(), sample_rate=RATE,
                                     offset=1), supersede_key="preview")
    new = host.submit(JobRequest(op_id="edit.gain", inputs=_noise(), sample_rate=RATE),
                      supersede_key="preview")
    del seen[:]  # what the old job sent before it was superseded was legitimately shown
    assert host.is_stale(old) and not host.is_stale(new)
    with qtbot.waitSignal(host.finished, timeout=WAIT) as sig:
        opened.set()
    assert sig.args[0].job_id == new
    qtbot.waitUntil(lambda: host.pending() == 0, timeout=WAIT)
    qtbot.wait(50)
    assert [m for m in seen if m.job_id == old] == []  # its progress, end: all dropped
    assert any(m.job_id == new for m in seen)


def test_a_result_already_on_its_way_is_dropped_when_superseded(host, qtbot):
    finished = []
    host.finished.connect(finished.append)
    jid = host.submit(JobRequest(op_id="edit.gain", inputs=_noise(), sample_rate=RATE),
                      supersede_key="k")
    # let the worker finish without letting the GUI thread see the reply, then supersede
    deadline = time.monotonic() + 10
    while host.pending() and time.monotonic() < deadline:
        time.sleep(0.005)
    host.supersede("k")
    with qtbot.waitSignal(host.idle, timeout=WAIT):
        pass
    assert host.is_stale(jid) and finished == []


def test_models_stay_loaded_between_jobs(host, qtbot, scoped_registry):
    loads = []

    @operation(id="edit.test_cached", title="Cached")
    def run(inputs, p, ctx):
        ctx.cached("weights.safetensors", lambda: loads.append(threading.get_ident()) or 1.0)
        return Result(audio=inputs.audio)

    for _ in range(3):
        with qtbot.waitSignal(host.finished, timeout=WAIT):
            host.submit(JobRequest(op_id="edit.test_cached", inputs=_noise(), sample_rate=RATE))
    assert len(loads) == 1 and loads[0] != threading.get_ident()  # loaded once, on the engine
    assert "weights.safetensors" in host.cache


def _native_threads(name: str | None = None) -> int:
    """Native threads of this process; with `name`, only those the kernel knows by it."""
    tasks = os.listdir("/proc/self/task")
    if name is None:
        return len(tasks)
    count = 0
    for tid in tasks:
        try:
            with open(f"/proc/self/task/{tid}/comm") as comm:
                count += comm.read().strip() == name[:15]
        except FileNotFoundError:  # the thread ended while we looked
            pass
    return count


def test_no_thread_left_after_shutdown(qtbot, gate):
    import torch
    torch.ones(1000).sum()  # torch's own pools exist before counting
    before_py, before_native = threading.active_count(), _native_threads()
    h = EngineHost()
    opened, _ = gate
    try:
        with qtbot.waitSignal(h.started, timeout=WAIT):
            h.submit(JobRequest(op_id="edit.test_gate", inputs=_noise(), sample_rate=RATE))
        for _ in range(3):
            h.submit(JobRequest(op_id="edit.gain", inputs=_noise(), sample_rate=RATE))
        # Counted by name: other tests' pool threads may end at any moment, so a plain
        # count before and after could go either way.
        assert _native_threads(h._thread.objectName()) == 1  # the engine thread is there...
        assert h.shutdown(timeout_ms=WAIT)  # ...a running job is cancelled, the queue dropped
    finally:
        opened.set()
        h.shutdown(timeout_ms=WAIT)
    assert h._thread.isFinished()
    # QThread.wait() returns once the thread's run() has returned; the kernel task lingers
    # a moment longer while the native thread unwinds, so wait for it (it must go, soon).
    qtbot.waitUntil(lambda: _native_threads(h._thread.objectName()) == 0, timeout=WAIT)
    qtbot.waitUntil(lambda: _native_threads() <= before_native, timeout=WAIT)
    assert threading.active_count() <= before_py
    with pytest.raises(RuntimeError):
        h.submit(JobRequest(op_id="edit.gain", inputs=_noise(), sample_rate=RATE))
