"""restore.declip through a real file (libsndfile), per-channel and per-polarity levels,
soft clipping, consistency of the output, cancellation."""
import threading

import numpy as np
import pytest
import soundfile as sf
import torch

from studio.dsp.metrics import sdr
from studio.engine import registry
from studio.engine.context import Context
from studio.engine.operation import Inputs
from studio.errors import Cancelled

SR = 16000


def _run(x, params=None, ctx=None):
    op = registry.get("restore.declip")
    res = op.run(Inputs(torch.as_tensor(x, dtype=torch.float32), SR),
                 op.schema.validate(params or {}), ctx or Context())
    return res.audio.numpy(), res.report


def _tones(n, seed):
    rng = np.random.default_rng(seed)
    t = np.arange(n) / SR
    x = sum(rng.uniform(0.2, 0.5) * np.sin(2 * np.pi * f * t + rng.uniform(0, 6))
            for f in rng.uniform(150, 1200, 4))
    return x / np.abs(x).max() * 0.9


def test_declips_a_stereo_file_with_its_own_levels_per_channel_and_polarity(tmp_path):
    clean = np.stack([_tones(SR // 2, 0), _tones(SR // 2, 1)])
    levels = [(0.5, -0.35), (0.4, -0.6)]
    clipped = np.stack([np.clip(c, lo, hi) for c, (hi, lo) in zip(clean, levels)])
    path = tmp_path / "clipped.wav"
    sf.write(path, clipped.T, SR, subtype="FLOAT")
    y = sf.read(path, dtype="float32", always_2d=True)[0].T
    out, rep = _run(y, {"window": "1024", "iterations": 300})
    expected = sum(int(np.sum((c >= hi) | (c <= lo))) for c, (hi, lo) in zip(y, levels))
    assert rep.values["clipped samples"] == expected
    for c, (hi, lo) in enumerate(levels):
        assert rep.values[f"ch{c + 1} levels"] == f"{hi} / {lo}"
        reliable = (y[c] < hi) & (y[c] > lo)
        assert np.array_equal(out[c][reliable], y[c][reliable])  # bit for bit
        assert np.all(out[c][y[c] >= hi] >= hi) and np.all(out[c][y[c] <= lo] <= lo)
        assert sdr(clean[c], out[c]) > sdr(clean[c], y[c]) + 10


def test_soft_clipping_needs_the_margin():
    clean = _tones(SR // 2, 2)
    soft = (np.tanh(2.5 * clean) / np.tanh(2.5 * 0.9) * 0.9 * 0.55).astype(np.float32)
    hard_only, rep0 = _run(soft[None])
    with_margin, rep = _run(soft[None], {"margin": 0.03, "window": "1024"})
    assert rep0.values["clipped samples"] < 10  # a rounded peak has no plateau...
    assert rep.values["clipped samples"] > 100  # ...until the margin takes in its top
    peak = np.abs(soft).max()
    # the rounded peaks grow back, beyond the band the margin took in (3 % of the peak)
    assert np.abs(with_margin).max() > peak * 1.03


def test_given_threshold_and_cancel():
    clean = _tones(SR // 4, 3)
    y = np.clip(clean, -0.45, 0.45).astype(np.float32)[None]
    out, rep = _run(y, {"threshold_high": 0.45, "threshold_low": -0.45, "window": "1024"})
    assert rep.values["clipped samples"] == int(np.sum(np.abs(y) >= 0.45))
    assert sdr(clean, out[0]) > sdr(clean, y[0]) + 8
    stop = threading.Event()
    stop.set()
    with pytest.raises(Cancelled):
        _run(y, {"window": "1024"}, Context(cancel_event=stop))


def test_cancel_during_the_run_stops_every_lane_soon():
    import time
    clean = np.concatenate([_tones(SR, s) for s in range(6)])  # 6 s: many frame batches
    y = np.clip(clean, -0.3, 0.3).astype(np.float32)[None]
    stop = threading.Event()
    threading.Timer(0.3, stop.set).start()
    t0 = time.monotonic()
    with pytest.raises(Cancelled):
        _run(y, {"effort": "survey", "iterations": 5000}, Context(cancel_event=stop))
    # the published schedule at 5000 iterations runs for minutes; a cancel stops it at
    # the next progress poll (0.1 s) and the lanes at their next iteration
    assert time.monotonic() - t0 < 2.0
