"""The controls synthesizer against numpy: a harmonic's frequency and amplitude, band noise's
power spectral density, no partial above Nyquist, batching and gradients."""
import numpy as np
import pytest
import torch

from studio.models.controls.spec import DEFAULT, FLOOR_DB, join, split
from studio.models.controls.synth import render

FRAMES = 60  # 0.6 s


def controls(harm: dict[int, float] | None = None, noise_db: float = FLOOR_DB,
             pitch: float = 0.0, n: int = 1) -> torch.Tensor:
    h = torch.full((n, DEFAULT.harmonics, FRAMES), FLOOR_DB)
    for k, db in (harm or {}).items():
        h[:, k - 1] = db
    b = torch.full((n, DEFAULT.bands, FRAMES), noise_db)
    return join(torch.full((n, FRAMES), pitch), h, b)


def spectrum(x, rate):
    x = np.asarray(x, dtype=np.float64)[rate // 10:]          # past the first frames
    w = np.hanning(len(x))
    mag = np.abs(np.fft.rfft(x * w)) * 2 / w.sum()
    return np.fft.rfftfreq(len(x), 1 / rate), mag


@pytest.mark.parametrize("rate", [16000, 44100, 48000])
def test_a_harmonic_is_a_sine_at_k_times_the_note_with_its_amplitude(rate):
    # A4 (MIDI 69) as the reference; harmonic 3 at -20 dB: a 1320 Hz sine of amplitude 0.1
    x = render(controls({3: -20.0}), torch.tensor([69.0]), DEFAULT, rate)[0].numpy()
    assert len(x) == FRAMES * rate // 100
    f, mag = spectrum(x, rate)
    peak = int(np.argmax(mag))
    assert f[peak] == pytest.approx(1320.0, abs=2.0)
    assert mag[peak] == pytest.approx(0.1, rel=0.05)


def test_the_pitch_feature_moves_the_note_in_semitones():
    x = render(controls({1: -20.0}, pitch=1 / 12), torch.tensor([69.0]), DEFAULT, 44100)
    f, mag = spectrum(x[0].numpy(), 44100)
    assert f[np.argmax(mag)] == pytest.approx(440 * 2 ** (1 / 12), abs=1.5)


def test_partials_above_nyquist_are_silent_not_folded():
    # A6 (1760 Hz): harmonic 5 is 8.8 kHz, past 16 kHz audio's Nyquist; it must not alias
    x = render(controls({5: -20.0}), torch.tensor([93.0]), DEFAULT, 16000)[0].numpy()
    assert np.abs(x).max() < 1e-6


@pytest.mark.parametrize("rate", [22050, 44100])
def test_band_noise_has_the_power_spectral_density_it_was_given(rate):
    # every band at -40 dB per bin of unit white noise: white noise of variance 1e-4
    g = torch.Generator().manual_seed(0)
    x = render(controls(noise_db=-40.0), torch.tensor([69.0]), DEFAULT, rate, generator=g)[0]
    var = float(x[rate // 10: -rate // 10].var())
    assert 10 * np.log10(var) == pytest.approx(-40.0, abs=0.5)


def test_one_band_of_noise_lands_in_its_band():
    g = torch.Generator().manual_seed(1)
    c = controls()
    pitch, h, b = split(c, DEFAULT)
    edges = DEFAULT.band_edges()
    band = int(np.searchsorted(edges, 2000.0)) - 1          # the band holding 2 kHz
    b[:, band] = -30.0
    x = render(join(pitch, h, b), torch.tensor([69.0]), DEFAULT, 44100, generator=g)[0]
    f, mag = spectrum(x.numpy(), 44100)
    power = mag ** 2
    inside = (f >= edges[band - 1]) & (f <= edges[band + 2])
    assert power[inside].sum() / power.sum() > 0.95


def test_batches_render_each_clip_as_alone_and_gradients_reach_the_controls():
    c = torch.cat([controls({1: -20.0}), controls({2: -10.0})]).requires_grad_(True)
    notes = torch.tensor([60.0, 72.0])
    both = render(c, notes, DEFAULT, 16000)
    alone = render(c[1:], notes[1:], DEFAULT, 16000)
    assert torch.allclose(both[1], alone[0], atol=1e-5)
    both.square().sum().backward()
    assert c.grad is not None and c.grad[:, 1:3].abs().sum() > 0
