"""Rate conversion against analytic sines, aliasing rejection, and exact streaming."""
from __future__ import annotations

import numpy as np
import pytest

from studio.io.resample import StreamResampler, output_length, resample


@pytest.mark.parametrize("rin,rout", [(44100, 48000), (48000, 44100), (96000, 44100), (8000, 22050)])
def test_passband_sine_is_exact(rin, rout):
    f = 0.2 * min(rin, rout)
    x = np.sin(2 * np.pi * f * np.arange(rin) / rin)
    y = resample(x, rin, rout)
    assert len(y) == output_length(rin, rin, rout) == rout
    ref = np.sin(2 * np.pi * f * np.arange(rout) / rout)
    mid = slice(rout // 8, -rout // 8)
    assert 20 * np.log10(np.abs(y[mid] - ref[mid]).max()) < -110


def test_above_new_nyquist_is_rejected():
    rin, rout = 48000, 44100
    f = 23000  # above 22050: must not alias back down
    y = resample(np.sin(2 * np.pi * f * np.arange(rin) / rin), rin, rout)
    assert 20 * np.log10(np.sqrt(np.mean(y[5000:-5000] ** 2)) / np.sqrt(0.5)) < -100


def test_streaming_equals_whole_for_any_chunking():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 60_001)).astype(np.float32)
    for rin, rout in [(44100, 48000), (48000, 16000), (8000, 44100)]:
        ref = resample(x, rin, rout)
        s = StreamResampler(rin, rout, 2)
        parts, p = [], 0
        while p < x.shape[1]:
            n = int(rng.integers(1, 15_000))
            parts.append(s.feed(x[:, p:p + n]))
            p += n
        parts.append(s.finish())
        assert np.array_equal(np.concatenate(parts, axis=1), ref)
