"""Context.workers: the engine's threads for the GIL-free part of a job."""
import threading

import torch

from studio.engine.context import Context


def _studio_job_threads() -> int:
    return sum(t.name.startswith("studio-job") for t in threading.enumerate())


def test_workers_map_in_order_on_other_threads_that_end_with_the_block():
    seen = []

    def work(i):
        seen.append(threading.current_thread().name)
        return i * i
    with Context().workers(2) as map_fn:
        assert map_fn(work, list(range(20))) == [i * i for i in range(20)]
    assert seen and all(name.startswith("studio-job") for name in seen)
    assert _studio_job_threads() == 0


def test_one_worker_or_a_gpu_job_is_a_plain_map():
    caller = threading.current_thread().name
    for ctx, count in ((Context(), 1), (Context(device="meta"), 2)):
        names = []
        with ctx.workers(count) as map_fn:
            assert map_fn(lambda i: names.append(threading.current_thread().name) or -i,
                          [1, 2, 3]) == [-1, -2, -3]
        assert set(names) == {caller}


def test_an_error_in_a_task_reaches_the_caller_and_the_threads_still_end():
    def boom(i):
        if i == 3:
            raise ValueError("bad row")
        return torch.ones(1)
    try:
        with Context().workers(2) as map_fn:
            map_fn(boom, list(range(6)))
    except ValueError as e:
        assert "bad row" in str(e)
    else:
        raise AssertionError("the error was swallowed")
    assert _studio_job_threads() == 0
