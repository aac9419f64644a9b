"""The frame jitter of controls: white flutter of a known size is read back at its size (the
RMS of steps between independent frames is sqrt(2) x their spread), and a real tone's
analysed controls are smooth."""
import numpy as np
import pytest
import torch

from studio.models.controls.analysis import analyse
from studio.models.controls.jitter import frame_jitter
from studio.models.controls.spec import DEFAULT, join

RATE = 44100


def controls(harm_db, noise_db, pitch_st, n=4, frames=100):
    h, b = DEFAULT.harmonics, DEFAULT.bands
    return join(torch.full((n, frames), pitch_st / 12), torch.full((n, h, frames), harm_db),
                torch.full((n, b, frames), noise_db))


def test_white_flutter_is_read_at_its_size_and_steady_controls_at_zero():
    g = torch.Generator().manual_seed(0)
    steady = controls(-20.0, -70.0, 0.1)
    assert all(float(v.max()) < 1e-5 for v in frame_jitter(steady, DEFAULT).values())
    shaky = controls(-20.0, -70.0, 0.0)
    h = DEFAULT.harmonics
    shaky[:, 1:1 + h] += torch.randn(shaky[:, 1:1 + h].shape, generator=g) * (3.0 / 30)
    shaky[:, 0] += torch.randn(shaky[:, 0].shape, generator=g) * (0.2 / 12)
    j = frame_jitter(shaky, DEFAULT)
    assert float(j["harmonics"].mean()) == pytest.approx(3.0 * np.sqrt(2), rel=0.1)
    assert float(j["pitch"].mean()) == pytest.approx(0.2 * np.sqrt(2), rel=0.1)
    assert float(j["noise"].max()) < 1e-5


def test_only_partials_near_the_loudest_count():
    # a partial 60 dB down that flutters does not count: it is inaudible beside the others
    c = controls(-20.0, -70.0, 0.0)
    c[:, 8] = (-80.0 + 60.0) / 30 + torch.randn(c[:, 8].shape) * 0.5
    assert float(frame_jitter(c, DEFAULT)["harmonics"].max()) < 1e-5


def test_a_real_tone_analysed_is_smooth():
    t = np.arange(RATE) / RATE
    x = sum(0.3 / k * np.sin(2 * np.pi * 220 * k * t) for k in range(1, 9)) \
        + 1e-3 * np.random.default_rng(0).standard_normal(len(t))
    feats = analyse(torch.from_numpy(x).float(), RATE, 57.0, DEFAULT, 100)
    j = frame_jitter(feats[None], DEFAULT)
    assert float(j["harmonics"][0]) < 1.0 and float(j["pitch"][0]) < 0.05


def test_settling_calms_flutter_keeps_an_attack_in_its_frame_and_leaves_a_glide():
    from studio.models.controls.settle import smooth
    g = torch.Generator().manual_seed(1)
    c = controls(-20.0, -70.0, 0.0, n=2, frames=100)
    h = DEFAULT.harmonics
    c[:, 1:1 + h, :40] = (-110.0 + 60.0) / 30           # silence, then the note from frame 40
    noisy = c.clone()
    noisy[:, 1:1 + h, 40:] += torch.randn(noisy[:, 1:1 + h, 40:].shape, generator=g) * 0.1
    glide = torch.linspace(0, 2, 100) / 12               # two semitones over a second
    noisy[:, 0] = glide
    out = smooth(noisy, DEFAULT)
    before = frame_jitter(noisy, DEFAULT, (45, 95))["harmonics"]
    after = frame_jitter(out, DEFAULT, (45, 95))["harmonics"]
    assert float((after / before).max()) < 0.5
    first = out[:, 1, 38:42] * 30 - 60                   # partial 1 in dB around the attack
    assert float(first[:, :2].max()) < -100 and float(first[:, 2:].min()) > -26
    assert torch.allclose(out[:, 0, 2:-2], glide[2:-2].expand(2, -1), atol=1e-4)
