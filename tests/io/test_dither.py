"""TPDF dither: the noise is triangular with variance 1/6 LSB², the total error is signal-
independent (1/4 LSB²), and a -100 dBFS tone survives a 16-bit export that would erase it."""
from __future__ import annotations

import numpy as np
from scipy import stats

from studio.io.audiofile import read
from studio.io.dither import Quantizer, tpdf_noise
from studio.io.export import write


def test_noise_is_triangular_with_the_right_variance():
    d = tpdf_noise(400_000, np.random.default_rng(0))
    assert abs(d.var() - 1 / 6) < 0.003 and abs(d.mean()) < 0.003
    assert d.min() > -1 and d.max() < 1
    # Kolmogorov-Smirnov against the triangular distribution on (-1, 1)
    assert stats.kstest(d, stats.triang(c=0.5, loc=-1, scale=2).cdf).pvalue > 0.01
    # and it is not uniform (what rectangular dither of the same range would give)
    assert stats.kstest(d, stats.uniform(loc=-1, scale=2).cdf).pvalue < 1e-6


def test_quantization_error_is_signal_independent():
    q = Quantizer(16, "tpdf", seed=1)
    for offset_lsb in (0.3, 0.5, 0.0001):
        x = np.full((1, 200_000), offset_lsb / 32768, np.float32)
        err = q(x).astype(np.float64) - offset_lsb  # in LSB
        assert abs(err.mean()) < 0.01           # no bias, whatever the level
        assert abs(err.var() - 0.25) < 0.01     # 1/6 (dither) + 1/12 (rounding)
    plain = Quantizer(16, "none")(np.full((1, 1000), 0.3 / 32768, np.float32))
    assert (plain == 0).all()                   # without dither the offset is just lost


def test_samples_already_on_the_grid_are_not_dithered():
    """Same depth in and out (or digital silence): no rounding error, so no dither noise."""
    ints = np.random.default_rng(3).integers(-32768, 32768, (2, 50_000))
    x = (ints / 32768).astype(np.float32)
    assert np.array_equal(Quantizer(16, "tpdf", seed=1)(x), ints.astype(np.int16))
    assert not Quantizer(16, "tpdf", seed=1)(np.zeros((1, 4096), np.float32)).any()


def _tone_to_noise_db(y: np.ndarray, freq: float, rate: int) -> float:
    spec = np.abs(np.fft.rfft(y * np.hanning(len(y)))) ** 2
    k = int(round(freq * len(y) / rate))
    return 10 * np.log10(spec[k - 2:k + 3].sum() / np.median(spec))


def test_minus_100_dbfs_sine_survives_16_bit_only_with_dither(tmp_path):
    rate, n = 48000, 1 << 18
    freq = 1000 * rate / 48000
    x = (10 ** (-100 / 20) * np.sin(2 * np.pi * freq * np.arange(n) / rate)).astype(np.float32)
    write(tmp_path / "d.wav", x[None], rate, subtype="PCM_16", dither="tpdf", seed=3)
    write(tmp_path / "n.wav", x[None], rate, subtype="PCM_16", dither="none")
    dithered, _ = read(tmp_path / "d.wav")
    plain, _ = read(tmp_path / "n.wav")
    assert (plain == 0).all()                               # rounding erased it
    assert _tone_to_noise_db(dithered[0], freq, rate) > 20  # dither kept it above the floor


def test_no_dither_above_16_bits():
    q = Quantizer(24, "tpdf")
    x = (np.arange(-100, 100) / 2.0 ** 23).astype(np.float32)[None]
    assert q.dither == "none" and np.array_equal(q(x) >> 8, np.arange(-100, 100)[None])


def test_full_scale_clips_to_the_largest_code_at_every_depth():
    x = np.array([[1.0, -1.0, 0.5, 1.5]], np.float32)
    for bits, dtype in [(8, np.int16), (16, np.int16), (24, np.int32), (32, np.int32)]:
        q = Quantizer(bits, "none")
        shift = (16 if bits <= 16 else 32) - bits
        got = (q(x).astype(np.int64) >> shift)[0].tolist()
        top = 2 ** (bits - 1)
        assert got == [top - 1, -top, top // 2, top - 1] and q.clipped == 2, bits
