"""restore.declip's make-up: the restored peak is reported, and 'scale to -0.1 dBFS' lowers
the whole result by one gain (the same across chunks) so restored peaks fit full scale."""
import math

import numpy as np
import soundfile as sf

from studio.engine.chunking import ArrayCollector
from studio.engine.protocol import JobRequest
from studio.engine.runner import run_job

SR = 16000
FAST = {"window": "1024", "iterations": 300, "effort": "fast"}


def _clipped_at_full_scale(tmp_path, seconds=1.5):
    """Tones peaking near 1.8 FS, clipped at +-1 as a converter does, through a real file."""
    t = np.arange(int(SR * seconds)) / SR
    clean = 0.9 * np.sin(2 * np.pi * 220 * t) + 0.9 * np.sin(2 * np.pi * 331 * t + 1.0)
    path = tmp_path / "clipped.wav"
    sf.write(str(path), np.clip(clean, -1.0, 1.0).astype(np.float32), SR, subtype="FLOAT")
    return sf.read(str(path), dtype="float32", always_2d=True)[0].T


def _declip(x, chunk_seconds=None, sink=None, **params):
    return run_job(JobRequest(op_id="restore.declip", params={**FAST, **params}, inputs=x,
                              sample_rate=SR, device="cpu", chunk_seconds=chunk_seconds,
                              sink=sink))


def test_restored_peak_is_reported_and_fit_scales_once(tmp_path):
    x = _clipped_at_full_scale(tmp_path)
    plain = _declip(x)
    peak = float(np.abs(plain.audio).max())
    assert peak > 1.05  # restored peaks are over full scale: the fault the option answers
    assert plain.report.values["restored peak (dBFS)"] == round(20 * math.log10(peak), 2)
    assert "make-up gain (dB)" not in plain.report.values
    fit = _declip(x, fit_peaks="scale to -0.1 dBFS")
    target = 10 ** (-0.1 / 20)
    assert abs(float(np.abs(fit.audio).max()) - target) < 1e-6
    ratio = fit.audio[plain.audio != 0] / plain.audio[plain.audio != 0]
    assert np.allclose(ratio, target / peak, rtol=1e-5)  # one gain, the shape untouched
    assert fit.report.values["make-up gain (dB)"] == round(20 * math.log10(target / peak), 2)
    assert fit.report.values["peak after make-up (dBFS)"] == -0.1


def test_fit_is_one_gain_across_chunks_and_reaches_a_streaming_sink(tmp_path):
    x = _clipped_at_full_scale(tmp_path, seconds=2.0)
    plain = _declip(x, chunk_seconds=0.5)
    sink = ArrayCollector()
    fit = _declip(x, chunk_seconds=0.5, sink=_Stream(sink), fit_peaks="scale to -0.1 dBFS")
    assert fit.audio is None  # the output went to the sink
    out = sink.array
    assert abs(float(np.abs(out).max()) - 10 ** (-0.1 / 20)) < 1e-6
    ratio = out[plain.audio != 0] / plain.audio[plain.audio != 0]
    assert np.ptp(ratio) < 1e-5 * ratio.mean()  # no chunk has a gain of its own
    assert fit.report.values["restored peak (dBFS)"] == round(
        20 * math.log10(float(np.abs(plain.audio).max())), 2)


class _Stream:
    """A sink that is not an ArrayCollector (as a file writer): blocks arrive in order."""

    def __init__(self, into):
        self.into = into

    def begin(self, channels, frames):
        self.into.begin(channels, frames)

    def __call__(self, start, block):
        self.into(start, block)
