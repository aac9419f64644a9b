"""studio.dsp.ar's Janssen and LSAR at the literature's setup against the benchmark's plain
numpy peer (studio.bench._restore_peers, written apart from studio.dsp) and dense least
squares."""
import numpy as np
import pytest
import torch

from studio.bench import _restore_peers as peers
from studio.dsp import ar


def _ar2(n, seed=0, r=0.995, w=0.2):
    """A resonant AR(2) process (poles r e^(+-iw)): predictable over tens of samples."""
    from scipy.signal import lfilter
    e = np.random.default_rng(seed).standard_normal(n)
    x = lfilter([1.0], [1.0, -2 * r * np.cos(w), r * r], e)
    return x / np.abs(x).max() * 0.5


def _sines(n, sr, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n) / sr
    x = sum(a * np.sin(2 * np.pi * f * t + p) for a, f, p in
            [(0.4, 220.0, 0.3), (0.25, 331.0, 1.1), (0.15, 587.0, 2.0), (0.1, 1230.0, 0.4)])
    return x + 1e-3 * rng.standard_normal(n)


def test_the_peers_toeplitz_lsar_is_the_dense_least_squares():
    x = _ar2(1500)
    a = peers._ar_autocorr_fft(x, 40)
    miss = np.zeros(1500, bool)
    miss[700:760] = True
    dense = peers._lsar_numpy(x, miss, a)
    fast = peers._lsar_toeplitz(x, 700, 760, a)
    np.testing.assert_allclose(fast, dense, atol=1e-9)
    # and ar.lsar_fill (zero-padded errors, FFT products for a long model) is the same
    # least squares when the gap lies a model's length inside the block
    a_long = peers._ar_autocorr_fft(x, 90)
    got = ar.lsar_fill(torch.from_numpy(x), torch.from_numpy(miss), torch.from_numpy(a_long),
                      damping=0.0)  # no ridge: the plain least squares
    np.testing.assert_allclose(got.numpy(), peers._lsar_numpy(x, miss, a_long), atol=1e-6)


def _ours(y, s, e, sr):
    m = e - s
    p = min(3 * m + 2, round(0.023 * sr))
    ctx = max(2 * m, round(0.05 * sr))
    lo, hi = s - ctx, e + ctx
    miss = torch.zeros(hi - lo, dtype=torch.bool)
    miss[s - lo:e - lo] = True
    return ar.janssen(torch.from_numpy(y[lo:hi].astype(np.float64)), miss, p, 20)[miss].numpy()


@pytest.mark.parametrize("kind, sr, ms", [("ar2", 16000, 5), ("sines", 16000, 20),
                                          ("sines", 44100, 5)])
def test_janssen_matches_the_literature_peer_at_its_setup(kind, sr, ms):
    x = _ar2(sr // 2) if kind == "ar2" else _sines(sr // 2, sr)
    s = sr // 4
    e = s + int(ms * sr / 1000)
    y = x.copy()
    y[s:e] = 0
    ref = peers.janssen_literature(y.astype(np.float32), s, e, sr)[s:e].astype(np.float64)
    ours = _ours(y, s, e, sr)
    # the same fill, up to float32 (the peer's output) and Levinson's rounding
    assert np.max(np.abs(ours - ref)) < 1e-5 * np.abs(x).max()
    if kind == "sines":  # a few steady tones: both recover them almost exactly
        assert 10 * np.log10(np.sum(x[s:e] ** 2) / np.sum((x[s:e] - ours) ** 2)) > 30


def test_janssen_on_a_silent_block_fills_silence():
    miss = torch.zeros(3000, dtype=torch.bool)
    miss[1400:1500] = True
    out = ar.janssen(torch.zeros(3000, dtype=torch.float64), miss, 302, 5)
    assert torch.equal(out, torch.zeros(3000, dtype=torch.float64))
    y = peers.janssen_literature(np.zeros(8000, np.float32), 3000, 3100, 16000)
    assert not np.any(y)
