"""analyze.loudness against EBU Tech 3341 cases, BS.1770's printed filters and torchaudio;
analyze.spectrum against scipy.signal.welch."""
import numpy as np
import pytest
import scipy.signal as ss
import torch
import torchaudio.functional as AF

from studio.engine.protocol import JobRequest
from studio.engine.runner import run_job

RATE = 48000


def _measure(x, rate=RATE, op="analyze.loudness", **params):
    r = run_job(JobRequest(op_id=op, params=params, inputs=x.astype(np.float32),
                           sample_rate=rate))
    assert r.audio is None
    return r.report


def _sine(freq, seconds, amp, rate=RATE, phase=0.0):
    t = np.arange(int(seconds * rate)) / rate
    return amp * np.sin(2 * np.pi * freq * t + phase)


def test_ebu_3341_stereo_sine_reads_its_level():
    """EBU Tech 3341 case 1/2: a 1 kHz sine at -23 (and -33) dBFS in both channels reads
    -23 (-33) LUFS +/- 0.1."""
    for level in (-23.0, -33.0):
        s = _sine(1000, 8, 10 ** (level / 20))
        rep = _measure(np.stack([s, s]))
        assert rep.values["integrated_lufs"] == pytest.approx(level, abs=0.1)
        assert rep.values["short_term_max_lufs"] == pytest.approx(level, abs=0.1)
        assert rep.values["loudness_range_lu"] < 0.1
        curve = rep.curves[0]
        assert curve.y_label == "LUFS" and len(curve.x) == len(curve.y) == 80 - 30 + 1


def test_gating_ignores_silence_and_quiet_parts():
    """Half silence: the absolute gate keeps the loud half only, so the level stays -20 LUFS
    (ungated it would be 3 dB lower; the few blocks straddling the edge cost ~0.1 dB)."""
    s = _sine(1000, 10, 10 ** (-20 / 20))
    x = np.concatenate([s, np.zeros_like(s)])
    assert _measure(np.stack([x, x])).values["integrated_lufs"] == pytest.approx(-20, abs=0.15)


# ITU-R BS.1770-4 Tables 1 and 2: the K-weighting biquads at 48 kHz, as printed
_K48 = np.array([[1.53512485958697, -2.69169618940638, 1.19839281085285,
                  1.0, -1.69065929318241, 0.73248077421585],
                 [1.0, -2.0, 1.0, 1.0, -1.99004745483398, 0.99007225036621]])


def _bs1770_reference(x, weights):
    """Integrated loudness at 48 kHz from the standard's printed filters, its 400 ms blocks
    (75 % overlap) and its two gates, in plain numpy."""
    y = ss.sosfilt(_K48, x.astype(np.float64), axis=-1)
    block, hop = int(0.4 * RATE), int(0.1 * RATE)
    starts = range(0, y.shape[-1] - block + 1, hop)
    z = np.array([(y[:, s:s + block] ** 2).mean(-1) for s in starts])   # (blocks, channels)
    lj = -0.691 + 10 * np.log10((z * weights).sum(-1))
    keep = lj > -70
    rel = -0.691 + 10 * np.log10((z[keep].mean(0) * weights).sum()) - 10
    keep &= lj > rel
    return -0.691 + 10 * np.log10((z[keep].mean(0) * weights).sum())


def test_integrated_matches_the_standards_filters_and_torchaudio():
    rng = np.random.default_rng(0)
    for channels, rate in ((1, 44100), (2, 48000), (5, 32000)):
        x = (rng.standard_normal((channels, rate * 2)) * 0.05).astype(np.float32)
        x[:, : rate // 2] *= 0.01  # a quiet start, to exercise the relative gate
        ours = _measure(x, rate).values["integrated_lufs"]
        if rate == RATE:
            weights = np.array([1.0, 1.0, 1.0, 1.41, 1.41][:channels])
            assert ours == pytest.approx(_bs1770_reference(x, weights), abs=0.01)
        # torchaudio's shelf is an approximation (1500 Hz, 4 dB): within 0.1 LU (EBU 3341)
        peer = float(AF.loudness(torch.from_numpy(x), rate))
        assert ours == pytest.approx(peer, abs=0.1)


def test_true_peak_sees_between_samples():
    """A sine at fs/4 sampled 45 degrees off its peaks: samples reach 0.707 of it, the
    waveform between them reaches 1.0 (3 dB more)."""
    x = _sine(RATE / 4, 1, 0.5, phase=np.pi / 4)
    fade = np.hanning(2 * 4800)  # smooth ends: an abrupt start really does overshoot
    x[:4800] *= fade[:4800]
    x[-4800:] *= fade[4800:]
    rep = _measure(x[None, :])
    assert rep.values["sample_peak_dbfs"] == pytest.approx(20 * np.log10(0.5 / np.sqrt(2)),
                                                           abs=0.01)
    assert rep.values["true_peak_dbtp"] == pytest.approx(20 * np.log10(0.5), abs=0.1)


def test_silence_has_no_loudness():
    rep = _measure(np.zeros((2, RATE)))
    assert rep.values["integrated_lufs"] is None and rep.values["sample_peak_dbfs"] is None


@pytest.mark.parametrize("window", ["hann", "hamming", "blackman"])
def test_spectrum_matches_scipy_welch(window):
    rng = np.random.default_rng(1)
    x = (_sine(1000, 1, 0.5) + 0.01 * rng.standard_normal(RATE))[None, :]
    rep = _measure(x, op="analyze.spectrum", fft_size="2048", window=window, overlap=0.5)
    f, p = ss.welch(x[0].astype(np.float32).astype(np.float64), fs=RATE, window=window,
                    nperseg=2048, noverlap=1024, detrend=False)
    curve = rep.curves[0]
    assert curve.log_x and curve.x[0] > 0  # no DC on the log axis
    np.testing.assert_allclose(curve.x, f[1:])
    np.testing.assert_allclose(curve.y, 10 * np.log10(p[1:]), atol=1e-4)
    assert rep.values["peak_frequency_hz"] == pytest.approx(1000, abs=f[1])


def test_spectrum_of_a_short_selection_shrinks_the_segment():
    rep = _measure(np.random.default_rng(2).standard_normal((2, 300)), op="analyze.spectrum")
    assert len(rep.curves) == 2 and len(rep.curves[0].x) == 128  # 256-point segments
