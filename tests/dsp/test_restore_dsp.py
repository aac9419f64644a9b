"""studio.dsp restoration pieces against independent references (numpy, known signals)."""
import numpy as np
import pytest
import torch

from studio.dsp import ar, spade
from studio.dsp.metrics import sdr
from studio.dsp.noise import NoiseProfile, learn_profile
from studio.dsp.special import exp1
from studio.dsp.stft import istft, stft


def test_stft_round_trip_matches_torch_istft():
    x = torch.randn(2, 5000)
    X = stft(x, 512, 128)
    y = istft(X, 512, 128, 5000)
    win = torch.hann_window(512)
    ref = torch.istft(torch.stft(x, 512, 128, 512, win, return_complex=True), 512, 128, 512,
                      win, length=5000)
    assert torch.allclose(y, x, atol=1e-5)
    assert torch.allclose(y, ref, atol=1e-5)


def test_exp1_matches_scipy():
    from scipy.special import exp1 as ref
    v = np.logspace(-5, 2, 300)
    assert np.allclose(exp1(torch.tensor(v)).numpy(), ref(v), rtol=1e-3)


def _ar2(n, seed=0):
    g = torch.Generator().manual_seed(seed)
    e = torch.randn(n, generator=g, dtype=torch.float64)
    x = torch.zeros(n, dtype=torch.float64)
    for t in range(2, n):
        x[t] = 1.6 * x[t - 1] - 0.8 * x[t - 2] + e[t]
    return x


def test_ar_fits_recover_a_known_process():
    x = _ar2(6000)
    for a in (ar.fit_covariance([x], 2), ar.fit_autocorrelation(x, 2)):
        assert np.allclose(a.numpy(), [1.6, -0.8], atol=0.05)


def test_lsar_matches_numpy_least_squares():
    x = _ar2(600)
    a = torch.tensor([1.6, -0.8], dtype=torch.float64)
    miss = torch.zeros(600, dtype=torch.bool)
    miss[300:312] = True
    miss[320] = True
    y = ar.lsar_fill(x, miss, a)
    b = np.r_[1, -a.numpy()]
    A = np.zeros((598, 600))
    for t in range(2, 600):
        A[t - 2, t - 2:t + 1] = b[::-1]
    mi, ki = np.flatnonzero(miss.numpy()), np.flatnonzero(~miss.numpy())
    ref = np.linalg.lstsq(A[:, mi], -A[:, ki] @ x.numpy()[ki], rcond=None)[0]
    assert np.allclose(y.numpy()[mi], ref, atol=1e-6)
    assert torch.equal(y[~miss], x[~miss])


def test_declip_improves_sdr_and_keeps_unclipped_samples():
    sr = 16000
    t = torch.arange(sr) / sr
    x = sum(a * torch.sin(2 * np.pi * f * t + p) for a, f, p in
            [(0.5, 220, 0.1), (0.3, 330, 1.0), (0.2, 523, 2.0), (0.15, 780, 0.5)])
    x = (x / x.abs().max() * 0.9).float()
    y = x.clamp(-0.5, 0.5)
    high, low, th, tl = spade.detect_clipping(y)
    assert th == pytest.approx(0.5) and tl == pytest.approx(-0.5)
    out, _ = spade.declip(y, high, low, frame=512, hop=128, growth=0.05)
    reliable = ~(high | low)
    assert torch.equal(out[reliable], y[reliable])  # consistency, bit for bit
    assert bool((out[high] >= 0.5 - 1e-6).all()) and bool((out[low] <= -0.5 + 1e-6).all())
    assert sdr(x, out) > sdr(x, y) + 8


def test_detect_clipping_ignores_an_unclipped_peak():
    x = torch.sin(torch.linspace(0, 20, 4000))
    high, low, th, tl = spade.detect_clipping(x)
    assert th is None and tl is None and not bool(high.any())


def test_noise_profile_is_the_white_noise_level_and_round_trips_json():
    rng = np.random.default_rng(0)
    noise = (0.1 * rng.standard_normal(32000)).astype(np.float32)
    prof = learn_profile(noise, 16000, 512)
    expected = 0.01 * np.sum(np.hanning(513)[:512] ** 2)  # E|X|^2 = sigma^2 sum w^2
    assert np.median(prof.psd) == pytest.approx(expected, rel=0.1)
    again = NoiseProfile.from_json(prof.to_json())
    assert np.allclose(again.psd, prof.psd) and again.n_fft == 512


def _drifting_hum(sr, seconds, level=0.01):
    t = np.arange(int(seconds * sr)) / sr
    ph = 2 * np.pi * np.cumsum(50.3 + 0.1 * np.sin(2 * np.pi * 0.05 * t)) / sr
    return ph, level * sum(0.6 ** h * np.sin(h * ph + h) for h in range(1, 7))


def test_hum_canceller_follows_a_drifting_hum_to_the_clip_edges():
    from studio.dsp.hum import cancel_harmonics, detect_fundamental, track_phase
    sr = 16000
    ph, hum = _drifting_hum(sr, 4)
    x = torch.from_numpy(hum.astype(np.float32))[None]
    f0, _ = detect_fundamental(x, sr)
    phase = track_phase(x, sr, f0)
    e = phase.numpy() - ph
    assert np.std(e - e.mean()) < 0.01  # radians, the whole clip
    est = cancel_harmonics(x, phase, 8.0, 8, sr, f0)
    err = est[0].numpy() - hum
    assert 10 * np.log10(np.sum(hum ** 2) / np.sum(err ** 2)) > 30  # whole clip
    mid = slice(sr, -sr)
    assert 10 * np.log10(np.sum(hum[mid] ** 2) / np.sum(err[mid] ** 2)) > 35


def test_hum_canceller_uses_the_pauses_of_an_interferer_on_a_harmonic():
    from studio.dsp.hum import cancel_harmonics
    # Noise in 60-140 Hz (over the 2nd harmonic, about 25 dB above it), on for 0.4 s and
    # off for 0.4 s, like syllables: a plain least-squares fit over the clip (numpy) takes
    # much of it into the hum; the weighted fit leans on the pauses.
    from scipy.signal import butter, sosfiltfilt
    sr = 8000
    ph, hum = _drifting_hum(sr, 6)
    t = np.arange(len(hum)) / sr
    gate = ((t // 0.4) % 2 == 0).astype(float)
    band = sosfiltfilt(butter(4, [60, 140], "bandpass", fs=sr, output="sos"),
                       np.random.default_rng(5).standard_normal(len(t)))
    y = hum + 0.1 * band * gate
    x = torch.from_numpy(y.astype(np.float32))[None]
    est = cancel_harmonics(x, torch.from_numpy(ph), 8.0, 6, sr, 50.3)[0].numpy()
    B = np.concatenate([np.stack([np.cos(h * ph), np.sin(h * ph)], 1) for h in range(1, 7)], 1)
    plain = B @ np.linalg.lstsq(B, y, rcond=None)[0]

    def red(e):
        return 10 * np.log10(np.sum(hum ** 2) / np.sum(e ** 2))
    assert red(est - hum) > 40  # measured 54 dB
    assert red(est - hum) > red(plain - hum) + 15  # plain: 26 dB


def test_declick_covers_wide_flat_clicks_and_restores_the_signal():
    # A 3-partial tone (AR-predictable) with three clicks, one of them a flat 16-sample
    # offset that the AR model predicts inside (its errors are large only at its edges).
    from studio.dsp import clicks
    sr = 16000
    t = np.arange(sr // 2) / sr
    x = sum(a * np.sin(2 * np.pi * f * t + f) for a, f in ((0.5, 220), (0.3, 470), (0.2, 1130)))
    rng = np.random.default_rng(1)
    x = (x + 0.002 * rng.standard_normal(len(t))).astype(np.float32)
    y = x.copy()
    truth = [(1500, 1516), (4200, 4203), (6100, 6108)]
    for (s, e), amp in zip(truth, (0.4, -0.6, 0.3)):
        y[s:e] += amp
    out, spans = clicks.declick(torch.from_numpy(y), max_width=32, order=32)
    for s, e in truth:  # every click inside one found span, not much wider
        assert any(fs <= s and e <= fe and fe - fs <= e - s + 12 for fs, fe in spans), spans
    assert len(spans) == len(truth)
    assert sdr(x, out.numpy()) > sdr(x, y) + 20
