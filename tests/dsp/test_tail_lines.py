"""The release-tail line detector and the high-band share against signals of known content."""
import numpy as np
import pytest

from studio.dsp.tail_lines import band_share_db, steady_lines

RATE = 44100
T = np.arange(2 * RATE) / RATE


def floor(seed=0, level=1e-3):
    return level * np.random.default_rng(seed).standard_normal(len(T))


def test_noise_alone_has_no_line():
    assert steady_lines(floor(), RATE, 0.0) == []


def test_a_quiet_steady_tone_in_the_noise_is_found_at_its_frequency():
    tone = 1e-3 * np.sin(2 * np.pi * 1500 * T)          # the old model's comb: -60 dBFS lines
    found = steady_lines(floor() + tone, RATE, 0.0)
    assert len(found) == 1 and found[0][0] == pytest.approx(1500, abs=6)
    assert found[0][1] >= 10


def test_a_notes_own_decaying_partials_are_not_lines_but_a_tone_beside_them_is():
    note = sum(0.1 / k * np.sin(2 * np.pi * k * 220 * T) for k in range(1, 10)) * \
        np.exp(-T / 0.5)
    assert steady_lines(note + floor(), RATE, 0.0, f0=220.0) == []
    stray = 1e-3 * np.sin(2 * np.pi * 3333 * T)
    found = steady_lines(note + floor() + stray, RATE, 0.0, f0=220.0)
    assert [round(f / 10) for f, _ in found] == [333]


def test_a_tail_shorter_than_two_windows_is_not_judged():
    assert steady_lines(floor(), RATE, 1.9) == []


def test_digital_silence_with_an_inaudible_line_is_clean():
    tone = 1e-6 * np.sin(2 * np.pi * 1000 * T)           # -120 dBFS
    assert steady_lines(tone, RATE, 0.0) == []


def test_band_share_of_white_noise_is_the_bandwidth_share():
    share = band_share_db(floor(), RATE, 8000.0, seconds=1.0)
    assert share == pytest.approx(10 * np.log10((RATE / 2 - 8000) / (RATE / 2)), abs=0.3)
    assert np.isnan(band_share_db(np.zeros(RATE), RATE, 8000.0))
