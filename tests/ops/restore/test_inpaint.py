"""restore.inpaint at the literature's setup: the same fill as the benchmark's plain numpy
Janssen (Oudre 2018's setup) for short gaps, and a choice of LSAR that never looks at the
gap."""
import numpy as np
import pytest
import torch

from studio.bench import _restore_peers as peers
from studio.bench.restore import run_op
from studio.ops.restore import inpaint


def _tones(n, sr, seed=0):
    t = np.arange(n) / sr
    x = (0.4 * np.sin(2 * np.pi * 220 * t) + 0.2 * np.sin(2 * np.pi * 517 * t + 1)
         + 0.1 * np.sin(2 * np.pi * 1333 * t + 2))
    return (x + 1e-3 * np.random.default_rng(seed).standard_normal(n)).astype(np.float32)


def _chirp(n, sr):
    t = np.arange(n) / sr
    return (0.5 * np.sin(2 * np.pi * (200 * t + 800 * t ** 2))).astype(np.float32)


def test_the_setup_is_the_literatures():
    # order min(3 m + 2, 23 ms), context max(2 m, 50 ms) on each side
    assert inpaint.literature_setup(220, 44100) == (662, 2205)
    assert inpaint.literature_setup(4410, 44100) == (1014, 8820)
    assert inpaint.literature_setup(1600, 16000) == (368, 3200)


@pytest.mark.parametrize("sr, ms", [(16000, 10), (44100, 5), (16000, 50)])
def test_short_gaps_get_the_literature_janssen(sr, ms):
    x = _tones(sr, sr)
    s = sr // 2
    e = s + int(ms * sr / 1000)
    y = x.copy()
    y[s:e] = 0
    ours, rep, _ = run_op("restore.inpaint", y, sr, {"gap_start": s / sr, "gap_end": e / sr})
    ref = peers.janssen_literature(y, s, e, sr)
    assert rep.values["method"] == "janssen"
    # the same fill up to float32 rounding and ours stopping once settled (the peer runs
    # all 20 iterations): over 100 dB apart, where the fill itself is ~40 dB from the truth
    diff = 10 * np.log10(np.sum(ref[s:e] ** 2) / np.sum((ours[s:e] - ref[s:e]) ** 2))
    assert diff > 100
    assert np.array_equal(ours[:s], y[:s]) and np.array_equal(ours[e:], y[e:])


@pytest.mark.parametrize("make, expected", [(_tones, "lsar"), (_chirp, "janssen")])
def test_the_choice_of_lsar_never_looks_at_the_gap(make, expected):
    sr = 16000
    x = make(sr, sr)
    s, e = sr // 2, sr // 2 + int(0.08 * sr)  # 80 ms: beyond JANSSEN_ONLY_SECONDS
    rng = np.random.default_rng(5)
    outs = []
    for content in (np.zeros(e - s), x[s:e], 3 * rng.standard_normal(e - s)):
        y = x.copy()
        y[s:e] = content
        out, used = inpaint.classical_fill(torch.from_numpy(y)[None], s, e, sr)
        outs.append((out, used))
    # the steady tones: both methods fill the probes almost exactly and LSAR slightly
    # better; the chirp's pitch moves, and LSAR's one model fitted on the context fails
    assert outs[0][1] == [expected]
    for out, used in outs[1:]:
        assert used == outs[0][1]
        assert torch.equal(out[:, s:e], outs[0][0][:, s:e])


def test_gaps_up_to_50_ms_are_never_sent_to_the_check(monkeypatch):
    def probe(*a, **k):
        raise AssertionError("choose_method was asked about a short gap")
    monkeypatch.setattr(inpaint, "choose_method", probe)
    sr = 16000
    x = _tones(sr, sr)
    s, e = 8000, 8800  # 50 ms
    out, used = inpaint.classical_fill(torch.from_numpy(x)[None], s, e, sr)
    assert used == ["janssen"]
