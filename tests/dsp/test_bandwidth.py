"""detect_cutoff against signals whose band edge is known by construction (numpy FFT)."""
import numpy as np
import pytest
import torch
from scipy.signal import butter, sosfiltfilt

from studio.dsp.bandwidth import detect_cutoff


def _noise(n, seed=0, tilt_db_per_octave=0.0, rate=44100):
    rng = np.random.default_rng(seed)
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1 / rate)
    spec *= (np.maximum(f, 20) / 1000.0) ** (tilt_db_per_octave / 20 / np.log10(2))
    return np.fft.irfft(spec, n)


def _brickwall(x, cut, rate):
    spec = np.fft.rfft(x)
    spec[np.fft.rfftfreq(len(x), 1 / rate) >= cut] = 0
    return np.fft.irfft(spec, len(x))


@pytest.mark.parametrize("rate,cut", [(44100, 4000.0), (44100, 8000.0), (16000, 3000.0),
                                      (48000, 11025.0)])
def test_a_brick_wall_is_found_within_3_percent(rate, cut):
    x = _brickwall(_noise(3 * rate, rate=rate, tilt_db_per_octave=-3), cut, rate)
    found = detect_cutoff(torch.from_numpy(x)[None], rate)
    assert found is not None and abs(found - cut) < 0.03 * cut, found


def test_a_steep_butterworth_is_found_at_its_edge():
    rate = 44100
    x = sosfiltfilt(butter(16, 5000, fs=rate, output="sos"), _noise(3 * rate, 1)).copy()
    found = detect_cutoff(torch.from_numpy(x)[None], rate)
    assert found is not None and 4800 < found < 5400, found


@pytest.mark.parametrize("tilt", [0.0, -3.0, -6.0])
def test_full_band_audio_and_natural_roll_offs_have_no_cutoff(tilt):
    x = _noise(3 * 44100, 2, tilt)
    assert detect_cutoff(torch.from_numpy(x)[None], 44100) is None
