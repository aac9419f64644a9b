"""Fill gap takes the gap the way the window gives it (the selection, with context around it
sent by the job), Find dropouts marks runs of zeros and held values, and Learn noise profile
reports the spectrum of the noise it heard."""
import numpy as np
import pytest

from studio.engine.protocol import JobRequest
from studio.engine.runner import run_job

SR = 16000


def _tones(n):
    t = np.arange(n) / SR
    return (0.4 * np.sin(2 * np.pi * 330 * t) + 0.2 * np.sin(2 * np.pi * 770 * t + 1)
            ).astype(np.float32)


def test_fill_gap_with_context_equals_the_whole_file_fill_and_returns_the_gap_only():
    x = _tones(SR * 2)
    s, e = 16000, 16800  # 50 ms
    y = x.copy()
    y[s:e] = 0
    whole = run_job(JobRequest(op_id="restore.inpaint", inputs=y[None], sample_rate=SR,
                               params={"gap_start": s / SR, "gap_end": e / SR})).audio[0]
    pad = SR // 2  # the op's context_seconds
    sel = run_job(JobRequest(op_id="restore.inpaint", inputs=y[None, s - pad:e + pad],
                             sample_rate=SR, offset=s - pad, context=(pad, pad))).audio[0]
    assert sel.shape == (e - s,)  # the selection only: it replaces exactly what was selected
    np.testing.assert_allclose(sel, whole[s:e], atol=1e-6)
    snr = 10 * np.log10(np.sum(x[s:e] ** 2) / np.sum((x[s:e] - sel) ** 2))
    assert snr > 15


def test_dropouts_are_marked_with_their_durations():
    x = 0.01 * np.random.default_rng(1).standard_normal((2, SR * 3)).astype(np.float32)
    x[:, 8000:8960] = 0.0             # 60 ms of zeros
    x[:, 30000:30100] = x[:, 29999:30000]   # 100 samples held (6.3 ms with the first)
    x[:, 40000:40020] = 0.0           # 1.25 ms: shorter than the default 5 ms
    r = run_job(JobRequest(op_id="analyze.dropouts", inputs=x, sample_rate=SR, offset=SR))
    m = r.report.markers
    assert [round(k.time * SR) for k in m] == [8000, 29999]
    assert [round(k.duration * SR) for k in m] == [960, 101]
    assert "60.0 ms" in m[0].label and "zeros" in m[0].label and "held" in m[1].label
    assert r.report.values["dropouts"] == 2 and r.report.values["first at (s)"] == 1.5


def test_noise_profile_reports_the_level_of_white_noise():
    rng = np.random.default_rng(3)
    noise = (10 ** (-42 / 20) * rng.standard_normal((1, SR))).astype(np.float32)
    r = run_job(JobRequest(op_id="analyze.noise_profile", inputs=noise, sample_rate=SR))
    assert r.report.values["noise level (dBFS)"] == pytest.approx(-42, abs=0.5)
    curve = r.report.curves[0]
    assert abs(float(np.median(curve.y)) + 42) < 1.0 and curve.log_x
    assert r.report.data["n_fft"] == 2 * (len(r.report.data["psd"]) - 1)
