"""edit.gain, edit.normalize and edit.resample against numpy/scipy references."""
import numpy as np
import pytest
import scipy.signal as ss

from studio.engine.protocol import JobRequest
from studio.engine.runner import run_job
from studio.errors import BadAudioError

RATE = 48000


def _run(op_id, x, sample_rate=RATE, **params):
    return run_job(JobRequest(op_id=op_id, params=params, inputs=x, sample_rate=sample_rate))


def _noise(n=RATE // 2, channels=2, scale=0.1, seed=0):
    return (np.random.default_rng(seed).standard_normal((channels, n)) * scale).astype(np.float32)


@pytest.mark.parametrize("db", [-6.0, 0.0, 3.5, -96.0])
def test_gain_is_exactly_ten_to_the_db_over_twenty(db):
    x = _noise()
    y = _run("edit.gain", x, db=db).audio
    factor = 10 ** (db / 20)
    np.testing.assert_array_equal(y, x * np.float32(factor))  # one float32 multiply
    np.testing.assert_allclose(y, x.astype(np.float64) * factor, rtol=1.2e-7, atol=0)


def test_normalize_peak_hits_the_target():
    x = _noise()
    x[1, 1234] = -0.7  # the loudest sample, on the second channel
    r = _run("edit.normalize", x, mode="peak", peak_dbfs=-1.0)
    assert 20 * np.log10(np.abs(r.audio).max()) == pytest.approx(-1.0, abs=1e-5)
    # one gain for all channels: the ratio between channels is kept
    np.testing.assert_allclose(r.audio / r.audio.max(), x / x.max(), atol=1e-6)
    assert r.report.values["gain_db"] == pytest.approx(-1 - 20 * np.log10(0.7), abs=0.01)


def test_normalize_loudness_hits_the_target():
    """EBU Tech 3341 style: after normalizing to -23 LUFS, measuring gives -23 LUFS."""
    t = np.arange(RATE * 3) / RATE
    x = np.stack([0.3 * np.sin(2 * np.pi * 440 * t), 0.1 * np.sin(2 * np.pi * 3000 * t)])
    r = _run("edit.normalize", x.astype(np.float32), mode="loudness", lufs=-23.0)
    measured = _run("analyze.loudness", r.audio).report.values["integrated_lufs"]
    assert measured == pytest.approx(-23.0, abs=0.02)


def test_normalize_leaves_silence_alone():
    x = np.zeros((2, RATE), np.float32)
    r = _run("edit.normalize", x, mode="loudness")
    np.testing.assert_array_equal(r.audio, x)
    assert any("silent" in line for line in r.log)


def test_normalize_loudness_needs_enough_audio():
    with pytest.raises(BadAudioError, match="0.4 s"):
        _run("edit.normalize", _noise(n=RATE // 10), mode="loudness")


@pytest.mark.parametrize("src,dst", [(48000, 44100), (44100, 48000), (48000, 16000)])
def test_resample_matches_scipy_polyphase(src, dst):
    """A band-limited tone resampled by torchaudio agrees with scipy.signal.resample_poly, and
    the length is ceil(n * dst / src)."""
    n = src // 2 + 7
    t = np.arange(n) / src
    x = (0.5 * np.sin(2 * np.pi * 1000 * t) + 0.2 * np.sin(2 * np.pi * 3100 * t))
    x = x.astype(np.float32)[None, :]
    r = _run("edit.resample", x, sample_rate=src, rate=dst)
    g = np.gcd(src, dst)
    ref = ss.resample_poly(x.astype(np.float64), dst // g, src // g, axis=-1)
    assert r.sample_rate == dst
    assert r.audio.shape == (1, -(-n * dst // src))
    inner = slice(200, -200)  # both filters see zeros beyond the ends
    assert np.max(np.abs(r.audio[:, inner] - ref[:, inner])) < 2e-3
    expected = (0.5 * np.sin(2 * np.pi * 1000 * np.arange(r.audio.shape[1]) / dst)
                + 0.2 * np.sin(2 * np.pi * 3100 * np.arange(r.audio.shape[1]) / dst))
    assert np.max(np.abs(r.audio[0, inner] - expected[inner])) < 2e-3


def test_resample_long_input_in_chunks_equals_one_piece():
    x = _noise(n=RATE * 130, channels=1, seed=2)
    chunked = _run("edit.resample", x, rate=44100)
    assert any("chunks" in line for line in chunked.log)
    one = run_job(JobRequest(op_id="edit.resample", params={"rate": 44100}, inputs=x,
                             sample_rate=RATE, chunk_seconds=1000.0))
    assert chunked.audio.shape == one.audio.shape == (1, 44100 * 130)
    assert np.max(np.abs(chunked.audio - one.audio)) < 1e-5


def test_resample_to_the_same_rate_is_identity():
    x = _noise()
    np.testing.assert_array_equal(_run("edit.resample", x, rate=RATE).audio, x)
