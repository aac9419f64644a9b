"""studio.dsp.metrics against signals whose answer is known and numpy loops."""
import math

import numpy as np

from studio.dsp.metrics import between_harmonics_db, gap_energy_db, lsd_frames

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


def _lsd_reference(s, e, n_fft, hop, frames):
    """Frame by frame with explicit loops, as NU-Wave's formula reads."""
    per = []
    w = np.hanning(n_fft)
    for k in frames:
        a = np.abs(np.fft.rfft(s[k * hop:k * hop + n_fft] * w)) ** 2
        b = np.abs(np.fft.rfft(e[k * hop:k * hop + n_fft] * w)) ** 2
        per.append(np.sqrt(np.mean((np.log10(np.maximum(a, 1e-10)) - np.log10(np.maximum(b, 1e-10))) ** 2)))
    return float(np.mean(per))


def test_lsd_of_a_scaled_copy_is_the_log_of_the_power_ratio():
    x = np.random.default_rng(0).standard_normal(20000)
    assert abs(lsd_frames(x, 10 * x) - 2.0) < 1e-9  # log10(100) in every bin
    assert lsd_frames(x, x) == 0.0


def test_lsd_over_the_frames_mostly_inside_a_gap_matches_a_loop():
    rng = np.random.default_rng(1)
    x = rng.standard_normal(30000)
    y = x + 0.3 * rng.standard_normal(30000)
    n_fft, hop, s, e = 2048, 512, 10000, 16000
    frames = [k for k in range(1 + (30000 - n_fft) // hop)
              if min(k * hop + n_fft, e) - max(k * hop, s) >= n_fft / 2]
    assert frames == list(range(18, 30))  # 18 * 512 = 9216: 1120 of its 2048 inside
    got = lsd_frames(x, y, n_fft, hop, s, e)
    assert abs(got - _lsd_reference(x, y, n_fft, hop, frames)) < 1e-12
    # a gap shorter than half a frame: the frames that hold its middle sample
    mid_frames = [k for k in range(1 + (30000 - n_fft) // hop)
                  if k * hop <= 10099 < k * hop + n_fft]
    assert abs(lsd_frames(x, y, n_fft, hop, 10000, 10200)
               - _lsd_reference(x, y, n_fft, hop, mid_frames)) < 1e-12


def test_gap_energy_is_the_energy_ratio_in_db():
    x = np.random.default_rng(2).standard_normal(1000)
    assert abs(gap_energy_db(x, 0.5 * x) - 20 * math.log10(0.5)) < 1e-9
    assert abs(gap_energy_db(x, x) - 0.0) < 1e-12
