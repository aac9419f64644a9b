"""The background task runner: results, order and priority, cancel, failures, keys, shutdown."""
import threading
import time

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from studio.engine.tasks import PROGRESS_HZ, TaskRunner, run_inline  # noqa: E402
from studio.errors import StudioError  # noqa: E402


@pytest.fixture
def runner(qtbot):
    r = TaskRunner()
    yield r
    r.shutdown()
    assert r.threads_alive() == 0


def _collect(r):
    out = {"finished": {}, "failed": {}, "cancelled": [], "progress": [], "order": []}
    r.finished.connect(lambda i, v: (out["finished"].__setitem__(i, v), out["order"].append(i)))
    r.failed.connect(lambda i, m, tb: out["failed"].__setitem__(i, (m, tb)))
    r.cancelled.connect(out["cancelled"].append)
    r.progress.connect(lambda i, f, m: out["progress"].append((i, f, m)))
    return out


def _gate():
    """A task that blocks its lane until the test opens the gate."""
    started, gate = threading.Event(), threading.Event()

    def block(ctx):
        started.set()
        while not gate.wait(0.005):
            ctx.check_cancelled()
        return "gate"
    return block, started, gate


def test_results_arrive_on_the_gui_thread(runner, qtbot):
    out = _collect(runner)
    x = np.random.default_rng(0).standard_normal(4096)
    threads = []

    def fft(ctx, data, scale=1.0):
        threads.append(threading.current_thread())
        return np.abs(np.fft.rfft(data)) * scale

    tid = runner.submit(fft, x, scale=2.0)
    qtbot.waitUntil(lambda: tid in out["finished"], timeout=5000)
    np.testing.assert_allclose(out["finished"][tid], 2.0 * np.abs(np.fft.rfft(x)))
    assert threads[0] is not threading.main_thread()
    assert runner.pending() == 0


def test_priority_then_submission_order(runner, qtbot):
    out = _collect(runner)
    block, started, gate = _gate()
    runner.submit(block)
    assert started.wait(5)
    ids = [runner.submit(lambda ctx, v=v: v, priority=p) for v, p in
           [("a", 0), ("b", 5), ("c", 0), ("d", 5), ("e", -1)]]
    gate.set()
    qtbot.waitUntil(lambda: all(i in out["finished"] for i in ids), timeout=5000)
    order = [out["finished"][i] for i in out["order"] if i in ids]
    assert order == ["b", "d", "a", "c", "e"]


def test_lanes_run_independently(runner, qtbot):
    out = _collect(runner)
    block, started, gate = _gate()
    slow = runner.submit(block, lane="io")
    assert started.wait(5)
    tile = runner.submit(lambda ctx: "tile", lane="tiles")
    qtbot.waitUntil(lambda: tile in out["finished"], timeout=5000)
    assert slow not in out["finished"]
    gate.set()
    qtbot.waitUntil(lambda: slow in out["finished"], timeout=5000)
    with pytest.raises(ValueError):
        runner.submit(lambda ctx: 0, lane="gpu")


def test_cancel_mid_task_and_queued(runner, qtbot):
    out = _collect(runner)
    seen = []

    def long(ctx):
        for i in range(10_000):
            seen.append(i)
            ctx.progress(i / 10_000, "working")
            time.sleep(0.001)
        return "done"

    tid = runner.submit(long)
    queued = runner.submit(lambda ctx: "never")
    qtbot.waitUntil(lambda: len(seen) > 20, timeout=5000)
    assert runner.cancel(queued) and runner.cancel(tid)
    qtbot.waitUntil(lambda: {tid, queued} <= set(out["cancelled"]), timeout=5000)
    assert tid not in out["finished"] and queued not in out["finished"]
    assert len(seen) < 10_000
    assert not runner.cancel(tid)  # already over
    # progress was throttled, and none arrives after the cancel was reported
    n = len(out["progress"])
    elapsed = len(seen) * 0.001
    assert 1 <= n <= PROGRESS_HZ * elapsed * 3 + 3
    assert out["cancelled"].count(tid) == 1


def test_exceptions_become_failed(runner, qtbot):
    out = _collect(runner)

    def bad(ctx):
        return 1 / 0

    def user_error(ctx):
        raise StudioError("cannot open x.wav: not an audio file")

    a, b = runner.submit(bad), runner.submit(user_error)
    qtbot.waitUntil(lambda: {a, b} <= set(out["failed"]), timeout=5000)
    msg, tb = out["failed"][a]
    assert "ZeroDivisionError" in msg and "bad" in tb
    assert out["failed"][b] == ("cannot open x.wav: not an audio file", "")
    # the lane survives a failing task
    c = runner.submit(lambda ctx: 42)
    qtbot.waitUntil(lambda: c in out["finished"], timeout=5000)
    assert out["finished"][c] == 42


def test_same_key_supersedes_queued_and_running(runner, qtbot):
    out = _collect(runner)
    block, started, gate = _gate()
    first = runner.submit(block, key="view")           # running
    assert started.wait(5)
    second = runner.submit(lambda ctx: "old", key="view")  # supersedes the running one
    third = runner.submit(lambda ctx: "new", key="view")   # drops the queued one
    qtbot.waitUntil(lambda: third in out["finished"], timeout=5000)
    qtbot.waitUntil(lambda: {first, second} <= set(out["cancelled"]), timeout=5000)
    assert out["finished"] == {third: "new"}


def test_stale_result_of_a_running_task_is_dropped(runner, qtbot):
    out = _collect(runner)
    release = threading.Event()

    def ignores_cancel(ctx):
        release.wait(5)
        return "stale"  # never checks: the runner must still drop this

    tid = runner.submit(ignores_cancel)
    time.sleep(0.05)
    runner.cancel(tid)
    release.set()
    qtbot.waitUntil(lambda: tid in out["cancelled"], timeout=5000)
    assert tid not in out["finished"]


def test_shutdown_leaves_no_threads(qtbot):
    before = {t.ident for t in threading.enumerate()}
    r = TaskRunner()
    block, started, gate = _gate()
    r.submit(block)
    r.submit(lambda ctx: 1, lane="tiles")
    assert started.wait(5)
    assert r.threads_alive() == 2
    t0 = time.monotonic()
    r.shutdown()  # the running task sees the cancel at its next check
    assert time.monotonic() - t0 < 2
    assert r.threads_alive() == 0
    assert {t.ident for t in threading.enumerate()} <= before
    r.shutdown()  # twice is fine
    with pytest.raises(RuntimeError):
        r.submit(lambda ctx: 0)


def test_run_inline_for_headless_callers():
    assert run_inline(lambda ctx, a, b=0: (a + b, ctx.cancelled()), 2, b=3) == (5, False)
