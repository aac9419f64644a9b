"""MUSIC's azimuth map built a group of frequency bins at a time (for progress) equals
pyroomacoustics' single call over the whole band."""
import numpy as np
import pytest

from studio.ops.array.doa import locate

RATE, N_FFT = 16000, 512


@pytest.mark.parametrize("method", ["NormMUSIC", "MUSIC"])
def test_map_by_bin_groups_equals_one_call(method):
    rng = np.random.default_rng(2)
    mics = np.array([[0.05, 0.0], [0.0, 0.05], [-0.05, 0.0], [0.0, -0.05]]).T  # (2, M)
    freqs = np.fft.rfftfreq(N_FFT, 1 / RATE)
    az = np.radians(40.0)
    delay = -(mics.T @ np.array([np.cos(az), np.sin(az)])) / 343.0     # (M,)
    S = rng.standard_normal((len(freqs), 80)) + 1j * rng.standard_normal((len(freqs), 80))
    X = np.exp(-2j * np.pi * freqs[None, :, None] * delay[:, None, None]) * S[None]
    X += 0.05 * (rng.standard_normal(X.shape) + 1j * rng.standard_normal(X.shape))
    seen = []
    ours = locate(X, mics, RATE, N_FFT, method, 1, (300.0, 3500.0), 1.0, progress=seen.append)
    ref = locate(X, mics, RATE, N_FFT, method, 1, (300.0, 3500.0), 1.0)  # one call
    np.testing.assert_allclose(ours[2], ref[2], atol=1e-9)
    np.testing.assert_allclose(ours[0], ref[0], atol=1e-6)
    assert abs(((ours[0][0] - 40.0) + 180) % 360 - 180) < 2.0
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) >= 4
