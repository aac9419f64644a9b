"""restore.dehum against known synthetic hums: 50 and 60 Hz, many harmonics, odd-harmonic
buzz, drift, and hum-free input. The reference is the known hum itself."""
import numpy as np
import pytest
import torch

from studio.dsp.metrics import si_sdr
from studio.engine import registry
from studio.engine.context import Context
from studio.engine.operation import Inputs

SR = 16000


def _run(x, params=None, sr=SR):
    op = registry.get("restore.dehum")
    res = op.run(Inputs(torch.as_tensor(x, dtype=torch.float32)[None], sr),
                 op.schema.validate(params or {}), Context())
    return res.audio[0].numpy(), res.report


def _music(n, seed=0):
    """Partials between 200 and 2000 Hz with slow amplitude modulation (away from the mains
    harmonics on purpose only by chance: their frequencies are random)."""
    rng = np.random.default_rng(seed)
    t = np.arange(n) / SR
    x = sum(rng.uniform(0.1, 0.3) * np.sin(2 * np.pi * f * t + rng.uniform(0, 6))
            * (1 + 0.5 * np.sin(2 * np.pi * rng.uniform(0.5, 2) * t))
            for f in rng.uniform(200, 2000, 6))
    return x / np.abs(x).max() * 0.5


def _hum(n, f0, harmonics, decay=0.8, odd=False, drift=0.1, level=0.02):
    """A hum drifting by +-drift Hz (a 20 s period), its harmonics falling by `decay` each."""
    t = np.arange(n) / SR
    ph = 2 * np.pi * np.cumsum(f0 + drift * np.sin(2 * np.pi * 0.05 * t)) / SR
    hs = [h for h in range(1, harmonics + 1) if not odd or h % 2]
    return level * sum(decay ** (h - 1) * np.sin(h * ph + 0.7 * h) for h in hs)


def _reduction(x, hum, out):
    return 10 * np.log10(np.sum(hum ** 2) / np.sum((out - x) ** 2))


@pytest.mark.parametrize("f0, harmonics, odd, mains", [
    (59.93, 12, False, "auto"),   # 60 Hz mains, 12 harmonics
    (50.07, 25, True, "auto"),    # buzz: odd harmonics up to the 25th (1.25 kHz)
    (60.02, 19, True, "60"),      # 60 Hz buzz up to 1.14 kHz, mains given
])
def test_dehum_finds_the_fundamental_and_removes_many_harmonics(f0, harmonics, odd, mains):
    n = SR * 4
    x = _music(n)
    hum = _hum(n, f0, harmonics, decay=0.9, odd=odd)
    out, rep = _run((x + hum).astype(np.float32), {"harmonics": harmonics, "mains": mains})
    # the report gives the mean of the tracked fundamental; over the 4 s the drift moves
    # it by up to 0.06 Hz from f0
    assert rep.values["fundamental (Hz)"] == pytest.approx(f0 + 0.06, abs=0.05)
    assert _reduction(x, hum, out) > 30
    assert si_sdr(x, out) > 40


def test_dehum_leaves_hum_free_input_nearly_untouched():
    x = _music(SR * 4, seed=3)
    out, _ = _run(x.astype(np.float32))
    assert si_sdr(x, out) > 40


def test_dehum_hum_only_returns_the_hum():
    n = SR * 4
    x = _music(n, seed=1)
    hum = _hum(n, 50.2, 6)
    removed, _ = _run((x + hum).astype(np.float32), {"hum_only": True})
    assert 10 * np.log10(np.sum(hum ** 2) / np.sum((removed - hum) ** 2)) > 30


def test_dehum_removes_hum_from_a_clip_too_short_to_judge():
    # 1 s: the spectrum cannot show the hum standing out of the +-1.5 Hz searched, so the
    # hum-free check must not stop the removal the user asked for
    n = SR
    x = _music(n, seed=2)
    hum = _hum(n, 50.0, 4, drift=0.0)
    out, rep = _run((x + hum).astype(np.float32))
    assert rep.values["hum found"] == "yes"
    assert _reduction(x, hum, out) > 20


def _plucks(n, f0, seed):
    """A plucked note every 0.5 s, two partials each, 2-5 Hz beside two of the hum's
    harmonics 2-6, 10-25 dB above them at the attack, decaying in 0.1 s."""
    rng = np.random.default_rng(seed)
    t = np.arange(n) / SR
    x = np.zeros(n)
    for t0 in np.arange(0.05, n / SR, 0.5):
        for h in rng.choice(np.arange(2, 7), 2, replace=False):
            f = h * f0 + rng.choice([-1, 1]) * rng.uniform(2, 5)
            env = np.where(t >= t0, np.exp(-(t - t0) / 0.1), 0)
            x += rng.uniform(0.02, 0.06) * env * np.sin(2 * np.pi * f * (t - t0))
    return x


def test_dehum_separates_the_hum_from_plucked_partials_beside_its_harmonics():
    # partials a few Hz from a harmonic sit inside the main lobe of any frame short enough
    # to follow their decay; the hum is told from them by being there all the time at one
    # level. Error powers averaged over four draws (the estimator before the short-time
    # coefficient fit: 29.8 dB; single draws 26-39 dB)
    n = SR * 4
    errs, hums = [], []
    for seed in range(4):
        x = _plucks(n, 50.0, seed)
        hum = _hum(n, 50.0, 6, decay=0.8, level=0.005)
        out, rep = _run((x + hum).astype(np.float32))
        assert rep.values["fundamental (Hz)"] == pytest.approx(50.06, abs=0.05)
        errs.append(np.sum((out - x) ** 2))
        hums.append(np.sum(hum ** 2))
        assert si_sdr(x, out) > 35
    assert 10 * np.log10(np.sum(hums) / np.sum(errs)) > 33  # measured 35.5 dB
