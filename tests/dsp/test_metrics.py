"""studio.dsp.metrics.between_harmonics_db against signals whose answer is known."""
import math

import numpy as np

from studio.dsp.metrics import between_harmonics_db

RATE = 16000


def harmonic_tone(f0: float, amps, seconds: float = 1.0) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return sum(a * np.sin(2 * np.pi * f0 * (h + 1) * t + h) for h, a in enumerate(amps))


def test_a_clean_harmonic_tone_has_nothing_between_its_partials():
    x = harmonic_tone(220.0, [0.5, 0.3, 0.2, 0.1, 0.05])
    assert between_harmonics_db(x, RATE, 220.0) < -80


def test_white_noise_under_a_tone_counts_by_the_share_of_the_band_between_partials():
    f0, amps, sigma = 220.0, [0.5, 0.3, 0.2], 0.05
    x = harmonic_tone(f0, amps) + np.random.default_rng(0).normal(0, sigma, RATE)
    freq = np.fft.rfftfreq(8000, 1 / RATE)  # the 0.5 s segment's bins
    share_between = np.mean([f < 0.75 * f0 or abs(f / f0 - round(f / f0)) > 0.25 for f in freq])
    tone_power = sum(a * a / 2 for a in amps)
    expected = 10 * math.log10(sigma ** 2 * share_between / (tone_power + sigma ** 2))
    assert abs(between_harmonics_db(x, RATE, f0) - expected) < 0.5


def test_a_tone_at_another_pitch_is_all_between():
    x = harmonic_tone(330.0, [0.5])  # 1.5 f0: half way between two harmonics of 220 Hz
    assert between_harmonics_db(x, RATE, 220.0) > -0.1


def test_an_unpitched_or_too_short_clip_has_no_figure():
    x = harmonic_tone(220.0, [0.5])
    assert math.isnan(between_harmonics_db(x, RATE, 0.0))
    assert math.isnan(between_harmonics_db(x[:4000], RATE, 220.0))
