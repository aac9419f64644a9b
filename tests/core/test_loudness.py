"""BS.1770-4 loudness against published references: the filter coefficients tabled in
ITU-R BS.1770-4 (48 kHz), its -3.01 LKFS calibration, and EBU Tech 3341 test signals 1-5."""
import numpy as np
import pytest

from studio.core import commands, edits
from studio.core.document import AudioState, Document
from studio.core.loudness import integrated_loudness, k_weighting_sos
from studio.core.selection import Selection

FS = 48000


def _sine(dbfs, seconds, channels=2, f=1000.0, fs=FS):
    t = np.arange(int(round(seconds * fs))) / fs
    return np.tile(10 ** (dbfs / 20) * np.sin(2 * np.pi * f * t), (channels, 1))


def test_coefficients_match_the_bs1770_table():
    sos = k_weighting_sos(48000)
    np.testing.assert_allclose(sos[0, :3], [1.53512485958697, -2.69169618940638, 1.19839281085285], rtol=1e-9)
    np.testing.assert_allclose(sos[0, 3:], [1.0, -1.69065929318241, 0.73248077421585], rtol=1e-9)
    np.testing.assert_allclose(sos[1, :3], [1.0, -2.0, 1.0])
    np.testing.assert_allclose(sos[1, 3:], [1.0, -1.99004745483398, 0.99007225036621], rtol=1e-9)


@pytest.mark.parametrize("fs", [44100, 48000, 96000])
def test_full_scale_997hz_sine_in_one_channel_reads_minus_3_01(fs):
    # BS.1770-4: "a 0 dB FS 1 kHz sine wave input applied to the left, centre, or right
    # channel input will indicate a loudness of -3.01 LKFS" (997 Hz avoids sample-rate beats)
    x = _sine(0.0, 5.0, channels=1, f=997.0, fs=fs)
    assert integrated_loudness(x, fs) == pytest.approx(-3.01, abs=0.02)


def test_stereo_doubles_the_power():
    # the same sine in both channels sums their powers: +3.01 dB, so a full-scale stereo sine
    # reads about 0 LUFS (not -3.01, which is one channel)
    assert integrated_loudness(_sine(0.0, 5.0, 2, 997.0), FS) == pytest.approx(0.0, abs=0.02)


@pytest.mark.parametrize("parts,expected", [
    ([(-23, 20)], -23.0),                                     # EBU 3341 test 1
    ([(-33, 20)], -33.0),                                     # test 2
    ([(-36, 10), (-23, 60), (-36, 10)], -23.0),               # test 3: relative gate
    ([(-72, 10), (-36, 10), (-23, 60), (-36, 10), (-72, 10)], -23.0),  # test 4: both gates
    ([(-26, 20), (-20, 20.1), (-26, 20)], -23.0),             # test 5
])
def test_ebu_tech_3341_signals(parts, expected):
    x = np.concatenate([_sine(db, s) for db, s in parts], axis=1)
    assert integrated_loudness(x, FS) == pytest.approx(expected, abs=0.1)


def test_streaming_equals_one_shot():
    x = np.random.default_rng(0).standard_normal((2, 3 * FS)) * 0.1
    assert integrated_loudness(x, FS, chunk=777) == pytest.approx(integrated_loudness(x, FS, chunk=1 << 20), abs=1e-9)


def test_silence_and_short_input_are_minus_infinity():
    assert integrated_loudness(np.zeros((1, FS)), FS) == float("-inf")
    assert integrated_loudness(np.ones((1, FS // 10)), FS) == float("-inf")


def test_normalize_loudness_reaches_the_target():
    x = _sine(-30, 6.0, f=440.0).astype(np.float32)
    x[:, : FS] *= 0.01  # a quiet start the gate ignores
    doc = Document.from_array(x, FS)
    doc.execute(commands.normalize_loudness(doc, -16.0))
    assert integrated_loudness(doc.state.read(), FS) == pytest.approx(-16.0, abs=0.01)
    assert doc.undo_name == "Normalize Loudness"
    assert edits.loudness(doc.state, Selection(0, doc.state.n_frames)) == pytest.approx(-16.0, abs=0.01)
