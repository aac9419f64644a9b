"""Progress from inside long work, not only between pieces: one lane (a one-core machine, or
torch limited to one thread) still polls while its item runs, and SPADE's count of frames
done moves with the iterations of the frames still running."""
import time

import numpy as np
import torch

from studio.dsp.lanes import map_in_lanes
from studio.dsp.spade import declip, detect_clipping, schedule_length


def test_one_lane_polls_while_its_item_runs():
    polls = []

    def work(item, check):
        for _ in range(40):
            time.sleep(0.005)
            check()
        return item * 2
    out = map_in_lanes(work, [1, 2], lanes=1, on_poll=polls.append, interval=0.02)
    assert out == [2, 4]
    assert len(polls) >= 6  # ~0.2 s per item at one poll per 0.02 s, not one per item
    assert polls == sorted(polls) and polls[-1] == 1


def test_declip_progress_moves_within_one_batch_on_one_lane():
    rate = 16000
    # 8 s: several 0.1 s polls even on a fast, quiet machine (1 s ran in 0.17 s: one)
    t = np.arange(8 * rate) / rate
    x = torch.from_numpy(np.clip(1.5 * np.sin(2 * np.pi * 300 * t), -1, 1).astype(np.float32))
    high, low, _, _ = detect_clipping(x)
    seen = []
    declip(x, high, low, frame=1024, max_iter=400, r=1, lanes=1, max_batch=64,
           on_progress=lambda done, total: seen.append(done / total))
    assert seen == sorted(seen) and seen[-1] == 1.0
    # one batch of every frame: before, only 0 and 1 were ever reported
    assert len({round(s, 6) for s in seen if 0 < s < 1}) >= 2, seen


def test_schedule_length_is_where_sparsity_covers_every_coefficient():
    # k grows by one per iteration (r = 1, no growth): k = n_coef after n_coef - 1 steps
    assert schedule_length(10_000, 1, 1, 0.0, 100) == 100
    assert schedule_length(50, 1, 1, 0.0, 100) == 50  # or the iteration limit
