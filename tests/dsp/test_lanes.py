"""studio.dsp.lanes: work on several threads, single-threaded torch, errors and cancel."""
import threading
import time

import pytest
import torch

from studio.dsp import lanes


def test_results_come_back_in_order_from_several_threads():
    seen = set()

    def work(item, check):
        seen.add(threading.current_thread().name)
        time.sleep(0.02)  # long enough for the second lane to take an item
        check()
        return item * item
    assert lanes.map_in_lanes(work, list(range(8)), 2) == [i * i for i in range(8)]
    assert len(seen) == 2 and all(name.startswith("studio-lane") for name in seen)


def test_one_lane_runs_on_the_calling_thread():
    names = []
    lanes.map_in_lanes(lambda item, check: names.append(threading.current_thread().name),
                       [1, 2], 1)
    assert names == [threading.current_thread().name] * 2


def test_a_failing_item_stops_the_other_lanes_and_its_error_is_raised():
    steps = []

    def work(item, check):
        if item == 0:
            raise ValueError("bad frame")
        for _ in range(200):  # a long item: must stop at a check, not run to the end
            check()
            steps.append(item)
            time.sleep(0.005)
        return item
    with pytest.raises(ValueError, match="bad frame"):
        lanes.map_in_lanes(work, [0, 1, 2, 3], 2)
    assert len(steps) < 100  # aborted, and the queued items never started


def test_raising_from_the_poll_cancels_every_lane():
    started = []

    class Cancelled(Exception):
        pass

    def work(item, check):
        started.append(item)
        for _ in range(1000):
            check()
            time.sleep(0.002)
        return item

    def poll(done):
        raise Cancelled
    t0 = time.monotonic()
    with pytest.raises(Cancelled):
        lanes.map_in_lanes(work, list(range(6)), 2, on_poll=poll, interval=0.01)
    assert time.monotonic() - t0 < 1.0  # the lanes stopped instead of running 2 s each
    assert len(started) <= 2


def test_single_threaded_torch_reaches_the_lanes_and_is_restored():
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        with lanes.single_threaded_torch() as cores:
            assert cores == 2 and torch.get_num_threads() == 1
            seen = lanes.map_in_lanes(lambda item, check: torch.get_num_threads(), [0, 1], 2)
            assert seen == [1, 1]  # the lanes' own operations run single-threaded
        assert torch.get_num_threads() == 2
        with pytest.raises(RuntimeError):
            with lanes.single_threaded_torch():
                raise RuntimeError
        assert torch.get_num_threads() == 2  # restored after an error too
    finally:
        torch.set_num_threads(before)


@pytest.mark.parametrize("total,n_lanes,largest", [(270, 2, 32), (5, 2, 32), (1000, 4, 64),
                                                   (20, 1, 256), (68, 2, 32), (1, 2, 32)])
def test_strided_batches_cover_everything_once_in_equal_shares(total, n_lanes, largest):
    parts = lanes.strided_batches(total, n_lanes, largest)
    covered = sorted(i for p in parts for i in range(total)[p])
    assert covered == list(range(total))
    sizes = [len(range(total)[p]) for p in parts]
    assert max(sizes) <= largest and max(sizes) - min(sizes) <= 1
    if total >= n_lanes:
        assert len(parts) % n_lanes == 0  # every lane gets as many batches
    # each batch spans the whole range (a slow passage is shared by all of them)
    assert all(range(total)[p][-1] >= total - len(parts) for p in parts)
