"""Analysis is the synthesizer's inverse: known tones and noise analysed to the controls that
made them, and real-like sounds resynthesized with their noise between partials kept."""
import numpy as np
import pytest
import torch

from studio.dsp.metrics import between_harmonics_db
from studio.models.controls.analysis import analyse
from studio.models.controls.spec import DEFAULT, split
from studio.models.controls.synth import render

RATE = 44100


def tone(f0, amps, seconds=1.0, noise=0.0, seed=0):
    t = np.arange(int(seconds * RATE)) / RATE
    x = sum(a * np.sin(2 * np.pi * k * f0 * t) for k, a in enumerate(amps, start=1))
    return torch.from_numpy(x + noise * np.random.default_rng(seed).standard_normal(len(t))
                            ).float()


@pytest.mark.parametrize("midi", [40, 57, 81])
def test_a_harmonic_tone_gives_back_its_pitch_and_amplitudes(midi):
    f0 = 440 * 2 ** ((midi - 69) / 12) * 2 ** (0.2 / 12)       # 20 cents sharp of the note
    amps = [0.3, 0.1, 0.05, 0.02]
    feats = analyse(tone(f0, amps), RATE, float(midi), DEFAULT, 100)
    pitch, harm, _ = split(feats[None], DEFAULT)
    mid = slice(30, 70)
    assert float(pitch[0, mid].median()) * 12 == pytest.approx(0.2, abs=0.06)
    for k, a in enumerate(amps):
        assert float(harm[0, k, mid].median()) == pytest.approx(20 * np.log10(a), abs=1.0)


def test_white_noise_gives_its_power_spectral_density_in_every_band():
    # variance 1e-4 white noise: -40 dB per bin, in every band up to Nyquist
    feats = analyse(tone(220.0, [], seconds=3.0, noise=1e-2), RATE, None, DEFAULT, 300)
    _, _, noise = split(feats[None], DEFAULT)
    edges = DEFAULT.band_edges()
    below = [b for b in range(DEFAULT.bands) if edges[b + 1] <= RATE / 2 and edges[b] >= 100]
    # the power averaged over frames (a narrow band holds few bins, so one frame's reading
    # scatters as a chi-square does; its mean is the density)
    levels = 10 * torch.log10((10 ** (noise[0, below, 30:270] / 10)).mean(dim=1))
    assert levels.numpy() == pytest.approx(-40.0, abs=1.5)


@pytest.mark.parametrize("midi,noise", [(45, 1e-3), (60, 1e-3), (76, 3e-3)])
def test_resynthesis_keeps_the_noise_between_the_partials(midi, noise):
    f0 = 440 * 2 ** ((midi - 69) / 12)
    x = tone(f0, [0.3 / k for k in range(1, 16)], noise=noise)
    feats = analyse(x, RATE, float(midi), DEFAULT, 100)
    y = render(feats[None], torch.tensor([float(midi)]), DEFAULT, RATE, len(x),
               torch.Generator().manual_seed(0))[0]
    real, again = (between_harmonics_db(s.numpy(), RATE, f0) for s in (x, y))
    assert again == pytest.approx(real, abs=3.0)


def test_a_drum_follows_its_body_sweep():
    # a kick-like sine gliding 120 -> 60 Hz under a decaying envelope
    t = np.arange(RATE // 2) / RATE
    f = 60 + 60 * np.exp(-t / 0.08)
    x = np.sin(2 * np.pi * np.cumsum(f) / RATE) * np.exp(-t / 0.3) * 0.8
    feats = analyse(torch.from_numpy(x).float(), RATE, None, DEFAULT, 50)
    pitch, _, _ = split(feats[None], DEFAULT)
    hz = 110 * 2 ** (pitch[0] * 12 / 12)
    assert float(hz[3]) == pytest.approx(f[3 * RATE // 100], rel=0.08)
    assert float(hz[30]) == pytest.approx(f[30 * RATE // 100], rel=0.08)


def test_a_rate_the_frames_do_not_divide_is_refused():
    with pytest.raises(ValueError):
        analyse(torch.zeros(22050), 22050, 60.0, DEFAULT, 10)


def test_smoothing_halves_the_scatter_of_noise_bands_and_keeps_an_attack_in_its_frame():
    # silence, then white noise from 0.5 s: the readings of each band before the step stay
    # at the floor and those after it are at the density, with half the raw scatter
    import studio.models.controls.analysis as A
    x = tone(220.0, [], seconds=2.0, noise=1e-2)
    x[:RATE // 2] = 0
    feats = analyse(x, RATE, None, DEFAULT, 200)
    raw = A._smooth_frames
    try:
        A._smooth_frames = lambda db, *a, **k: db
        unsmoothed = analyse(x, RATE, None, DEFAULT, 200)
    finally:
        A._smooth_frames = raw
    _, _, noise = split(feats[None], DEFAULT)
    _, _, noise_raw = split(unsmoothed[None], DEFAULT)
    mid = [b for b in range(8, 40)]
    # the 23 ms window sees the step from frame 49 on; before it nothing may leak forward
    assert float(noise[0, mid, :47].max()) < -100
    assert float(noise[0, mid, 52:].median()) == pytest.approx(-40.0, abs=1.5)
    assert float(noise[0, mid, 52:190].std(dim=1).mean()) < \
        0.6 * float(noise_raw[0, mid, 52:190].std(dim=1).mean())
