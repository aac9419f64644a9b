"""Biquad filters against scipy: RBJ designs' responses, scipy.signal.lfilter/filtfilt with the
same sections, torchaudio's own biquads, and the values a design must hit at its frequency."""
import numpy as np
import pytest
import scipy.signal as ss
import torch
import torchaudio.functional as AF

from studio.engine.protocol import JobRequest
from studio.engine.runner import run_job
from studio.errors import StudioError
from studio.ops.filter import _biquad

RATE = 48000


def _noise(n=RATE // 2, channels=2, scale=0.1, seed=0):
    return (np.random.default_rng(seed).standard_normal((channels, n)) * scale).astype(np.float32)


def _gain_at(b, a, f):
    _, h = ss.freqz(b, a, worN=[f], fs=RATE)
    return abs(h[0])


def test_designs_hit_their_defining_gains():
    b, a = _biquad.design("lowpass", RATE, 1000, 1 / np.sqrt(2))
    assert 20 * np.log10(_gain_at(b, a, 1000)) == pytest.approx(-3.01, abs=0.01)
    assert _gain_at(b, a, 10) == pytest.approx(1.0, abs=1e-3)
    b, a = _biquad.design("highpass", RATE, 200, 1 / np.sqrt(2))
    assert 20 * np.log10(_gain_at(b, a, 200)) == pytest.approx(-3.01, abs=0.01)
    assert _gain_at(b, a, 20000) == pytest.approx(1.0, abs=1e-3)
    b, a = _biquad.design("bandpass", RATE, 2000, 2.0)
    assert _gain_at(b, a, 2000) == pytest.approx(1.0, abs=1e-9)
    b, a = _biquad.design("notch", RATE, 50, 10.0)
    assert _gain_at(b, a, 50) < 1e-9 and _gain_at(b, a, 1000) == pytest.approx(1.0, abs=1e-3)
    # same slope as a 2nd-order Butterworth from scipy's own design
    bb, ab = ss.butter(2, 1000, fs=RATE)
    for f in (100, 500, 2000, 8000):
        assert _gain_at(*_biquad.design("lowpass", RATE, 1000, 1 / np.sqrt(2)), f) == \
            pytest.approx(_gain_at(bb, ab, f), rel=1e-6)


@pytest.mark.parametrize("op_id,kind,freq_param,freq,ta", [
    ("filter.lowpass", "lowpass", "cutoff", 3000.0, AF.lowpass_biquad),
    ("filter.highpass", "highpass", "cutoff", 150.0, AF.highpass_biquad),
    ("filter.bandpass", "bandpass", "center", 1000.0, AF.bandpass_biquad),
    ("filter.notch", "notch", "center", 60.0, AF.bandreject_biquad),
])
def test_ops_match_scipy_and_torchaudio(op_id, kind, freq_param, freq, ta):
    x = _noise()
    q = 2.0
    r = run_job(JobRequest(op_id=op_id, params={freq_param: freq, "q": q, "stages": 2},
                           inputs=x, sample_rate=RATE))
    b, a = _biquad.design(kind, RATE, freq, q)
    ref = ss.lfilter(b, a, ss.lfilter(b, a, x.astype(np.float64), axis=-1), axis=-1)
    assert np.max(np.abs(r.audio - ref)) < 1e-6
    # torchaudio's biquad (a peer implementation) agrees on audio that is not near full scale
    peer = ta(ta(torch.from_numpy(x).double(), RATE, freq, q), RATE, freq, q).numpy()
    assert np.max(np.abs(r.audio - peer)) < 1e-6


def test_zero_phase_matches_filtfilt_and_has_no_delay():
    x = _noise()
    r = run_job(JobRequest(op_id="filter.lowpass", params={"cutoff": 2000, "zero_phase": True},
                           inputs=x, sample_rate=RATE))
    b, a = _biquad.design("lowpass", RATE, 2000, 0.707)
    # forward, then backward, from rest (scipy's filtfilt would start from steady state)
    fwd = ss.lfilter(b, a, x.astype(np.float64), axis=-1)
    ref = ss.lfilter(b, a, fwd[:, ::-1], axis=-1)[:, ::-1]
    assert np.max(np.abs(r.audio - ref)) < 1e-6
    inner = slice(2000, -2000)  # away from the edges it is scipy's filtfilt exactly
    ref2 = ss.filtfilt(b, a, x.astype(np.float64), axis=-1, padtype=None)
    assert np.max(np.abs(r.audio[:, inner] - ref2[:, inner])) < 1e-6
    # an impulse stays centred: the response is symmetric about it
    imp = np.zeros((1, 4001), np.float32)
    imp[0, 2000] = 1
    y = run_job(JobRequest(op_id="filter.lowpass", params={"cutoff": 2000, "zero_phase": True},
                           inputs=imp, sample_rate=RATE)).audio[0]
    assert np.argmax(y) == 2000
    np.testing.assert_allclose(y[1900:2000], y[2001:2101][::-1], atol=1e-6)


def test_full_scale_overshoot_is_not_clipped():
    """torchaudio's *_biquad would clamp to [-1, 1]; a low-pass of a full-scale square
    overshoots (Gibbs), and that must survive so a later gain change can bring it back."""
    t = np.arange(RATE // 4) / RATE
    square = np.sign(np.sin(2 * np.pi * 100 * t)).astype(np.float32)[None, :]
    y = run_job(JobRequest(op_id="filter.lowpass", params={"cutoff": 1000, "q": 2.0},
                           inputs=square, sample_rate=RATE)).audio
    assert y.max() > 1.05


def test_frequency_above_nyquist_is_a_clear_error():
    with pytest.raises(StudioError, match="half the sample rate"):
        run_job(JobRequest(op_id="filter.lowpass", params={"cutoff": 30000}, inputs=_noise(),
                           sample_rate=RATE))


def test_long_input_chunked_has_no_seam():
    """Notch at 50 Hz, Q 10 (the longest ringing of the defaults) over 2 minutes, in the
    op's own chunks: equal to one-piece filtering."""
    x = _noise(n=RATE * 125, channels=1, seed=5)
    r = run_job(JobRequest(op_id="filter.notch", inputs=x, sample_rate=RATE))
    assert any("chunks" in line for line in r.log)
    b, a = _biquad.design("notch", RATE, 50.0, 10.0)
    ref = ss.lfilter(b, a, x.astype(np.float64), axis=-1)
    assert np.max(np.abs(r.audio - ref)) < 1e-5
