import numpy as np
import pytest
import torch

from conftest import SR, harmonic_tone
from studio.dsp.voice import timbre_model as tm
from studio.dsp.voice.f0 import track_f0
from studio.dsp.voice.polyphony import check_monophonic


def synthetic_instrument(seconds=8.0, seed=0):
    """Notes whose harmonic h has amplitude 1 / h^2 (odd) and 0.3 / h^2 (even): a known,
    clarinet-like distribution, with steps of pitch and loudness."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(int(seconds / 0.4)):
        f0 = 220 * 2 ** (rng.integers(-5, 8) / 12)
        amps = [(1.0 if h % 2 else 0.3) / h ** 2 for h in range(1, 16)]
        out.append(harmonic_tone(f0, 0.4, amps=amps) * rng.uniform(0.3, 1.0))
    return np.concatenate(out), np.array([(1.0 if h % 2 else 0.3) / h ** 2 for h in range(1, 9)])


def _harmonic_error_db(seconds, steps, n):
    """Learn the synthetic instrument; worst error (dB) of the first n harmonics' levels
    relative to the fundamental, at three pitches inside the example's range."""
    x, amps = synthetic_instrument(seconds)
    model = tm.learn(torch.from_numpy(x), SR, name="synthetic", steps=steps)
    harm_db, _ = model.predict(torch.tensor([60.0, 57.0, 64.0]), torch.tensor([-25.0] * 3))
    rel = harm_db[:, :8] - harm_db[:, :1]
    ref = 20 * np.log10(amps / amps[0])
    err = (rel - torch.from_numpy(ref).float()).abs()
    return float(err[:, :n].max()), model


def test_learned_model_reproduces_the_harmonic_distribution(tmp_path):
    # a short example and a short fit: the four strongest harmonics (0 to -29 dB) to 3 dB
    worst, model = _harmonic_error_db(seconds=4.0, steps=120, n=4)
    assert worst < 3.0

    # the preset round trip: safetensors (float16) + JSON gives the same predictions
    st, js = model.save(tmp_path / "synthetic")
    assert st.stat().st_size + js.stat().st_size < 60_000
    again = tm.TimbreModel.load(js)
    h2, n2 = again.predict(torch.tensor([60.0]), torch.tensor([-25.0]))
    h1, n1 = model.predict(torch.tensor([60.0]), torch.tensor([-25.0]))
    assert torch.allclose(h1, h2, atol=0.2) and torch.allclose(n1, n2, atol=0.2)
    assert again.config["name"] == "synthetic" and again.config["note_shape_db"]


@pytest.mark.slow
def test_learned_model_reproduces_the_harmonic_distribution_thoroughly():
    worst, _ = _harmonic_error_db(seconds=8.0, steps=300, n=6)
    assert worst < 3.0  # dB, six strongest harmonics


def test_chord_is_polyphonic_single_line_is_not():
    t = np.arange(SR) / SR
    chord = sum(np.sin(2 * np.pi * f * h * t) / h for f in (261.63, 329.63, 392.0)
                for h in range(1, 6)).astype(np.float32)
    x = torch.from_numpy(chord * 0.1)
    assert not check_monophonic(x, SR, track_f0(x, SR)).ok
    line, _ = synthetic_instrument(seconds=2.0)
    y = torch.from_numpy(line)
    assert check_monophonic(y, SR, track_f0(y, SR)).ok
    noise = 0.1 * torch.randn(SR, generator=torch.Generator().manual_seed(0))
    verdict = check_monophonic(noise, SR, track_f0(noise, SR))
    assert not verdict.ok and "unpitched" in verdict.describe()
