"""The conversion operations through the synchronous engine, as the CLI and the app run them."""
import math

import numpy as np
import pytest
import scipy.signal as ss

from studio.engine.protocol import JobRequest
from studio.engine.runner import run_job
from studio.errors import StudioError

SR = 16000


def vowel(f0, seconds=1.0):
    n = int(seconds * SR)
    pulses = np.diff(np.floor(np.cumsum(np.full(n, f0) / SR)), prepend=0.0)
    a = np.array([1.0])
    for f, bw in ((700, 80), (1220, 90), (2600, 120)):
        r = math.exp(-math.pi * bw / SR)
        a = np.convolve(a, [1, -2 * r * math.cos(2 * math.pi * f / SR), r * r])
    x = ss.lfilter([1.0], a, pulses)
    return (0.5 * x / np.abs(x).max()).astype(np.float32)[None]


def job(op, x, **params):
    return run_job(JobRequest(op_id=op, params=params, inputs=x, sample_rate=SR, device="cpu"))


def median_f0(x):
    r = job("analyze.pitch", x)
    f0 = r.report.data["f0"][0]
    return float(np.median(f0[r.report.data["voiced"][0]]))


def test_pitch_track_reports_a_curve_and_voicing():
    r = job("analyze.pitch", vowel(140.0, 0.6))
    assert abs(r.report.values["median_f0_hz"] - 140) < 1
    c = r.report.curves[0]
    assert len(c.x) == len(c.y) == r.report.data["voiced"].shape[1]


def test_voice_identity_is_close_to_the_input():
    x = vowel(130.0)
    # the unchanged voice: custom with the neutral values (the defaults are male_to_female's)
    y = job("convert.voice", x, preset="custom", pitch_ratio=1.0, pitch_range=1.0,
            formant_ratio=1.0, breathiness=0.0).audio
    sx, sy = (20 * np.log10(np.abs(ss.stft(a[0], SR, nperseg=512)[2]) + 1e-6) for a in (x, y))
    assert np.corrcoef(sx.ravel(), sy.ravel())[0, 1] > 0.85


def test_voice_hits_the_target_median_f0():
    y = job("convert.voice", vowel(120.0), target_f0=200.0, formant_ratio=1.15).audio
    assert abs(median_f0(y) / 200.0 - 1) < 0.02


def test_chord_stops_with_one_line_or_converts_in_best_effort():
    t = np.arange(SR) / SR
    chord = (0.05 * sum(np.sin(2 * np.pi * f * h * t) / h for f in (261.63, 329.63, 392.0)
                        for h in range(1, 6))).astype(np.float32)[None]
    with pytest.raises(StudioError, match="polyphonic"):
        job("convert.voice", chord, pitch_ratio=1.5)
    r = job("convert.voice", chord, pitch_ratio=1.5, if_polyphonic="best_effort")
    assert "best-effort" in r.report.text and r.audio.shape == chord.shape


def test_learn_then_play_a_timbre(tmp_path):
    rng = np.random.default_rng(0)
    notes = []
    for _ in range(12):
        f0 = 220 * 2 ** (rng.integers(-5, 8) / 12)
        t = np.arange(int(0.4 * SR)) / SR
        notes.append(sum(np.sin(2 * np.pi * f0 * h * t) / h ** 2 for h in range(1, 12)) * 0.1)
    example = np.concatenate(notes).astype(np.float32)[None]
    out = tmp_path / "mine.json"
    r = job("convert.learn_timbre", example, output=str(out), steps=60)
    assert out.exists() and out.with_suffix(".safetensors").exists()
    assert r.report.values["frames"] > 100
    y = job("convert.timbre", vowel(180.0), model=str(out)).audio
    assert y.shape == (1, SR) and np.isfinite(y).all() and np.abs(y).max() > 1e-3
    assert abs(median_f0(y) / 180 - 1) < 0.01
    with pytest.raises(StudioError, match="no timbre preset named"):
        job("convert.timbre", vowel(180.0), model="no-such-instrument")
