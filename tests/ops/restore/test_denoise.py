"""restore.denoise and its gain helpers, against known signals and independent references."""
import json

import numpy as np
import pytest
import torch

from studio.dsp.metrics import si_sdr
from studio.dsp.noise import learn_profile
from studio.dsp.spectral_gain import stein_risk, two_step_xi
from studio.dsp.stft import istft, stft
from studio.engine import registry
from studio.engine.context import Context
from studio.engine.operation import Inputs
from studio.ops.restore.denoise import frame_sizes, reduce_noise

SR = 16000


def _run(x, params=None, extras=None, sr=SR):
    op = registry.get("restore.denoise")
    res = op.run(Inputs(torch.as_tensor(x, dtype=torch.float32)[None], sr, extras=extras or {}),
                 op.schema.validate(params or {}), Context())
    return res.audio[0].numpy(), res.report


def _chord(n, sr=SR, seed=0):
    """Sustained partials: a signal that wants long frames."""
    rng = np.random.default_rng(seed)
    t = np.arange(n) / sr
    f0 = rng.uniform(110, 130)
    x = sum(np.sin(2 * np.pi * f0 * h * t + rng.uniform(0, 6)) / h for h in range(1, 12))
    return (0.3 * x / np.abs(x).max()).astype(np.float32)


def _chirps(n, sr=SR):
    """A tone sweeping 300 Hz -> 4 kHz every 0.1 s: a signal that wants short frames (a long
    frame smears the sweep over many bins)."""
    t = (np.arange(n) / sr) % 0.1
    return (0.3 * np.sin(2 * np.pi * (300 * t + 0.5 * 3700 / 0.1 * t ** 2))).astype(np.float32)


def test_stein_risk_is_an_unbiased_estimate_of_the_error_of_a_fixed_gain():
    # a gain fixed before the noise is drawn: the estimate's mean over noise draws equals
    # the true squared error of the gained spectrum against the clean one (in squared
    # samples: a clean signal's STFT energy times the same share is its sample energy)
    x = torch.from_numpy(_chord(SR * 2))[None]
    n_fft, hop, sigma = 512, 128, 0.05
    lam = torch.full((n_fft // 2 + 1, 1), sigma ** 2 * float((torch.hann_window(n_fft) ** 2).sum()))
    S = stft(x, n_fft, hop)
    gain = torch.rand(n_fft // 2 + 1, S.shape[-1], generator=torch.Generator().manual_seed(0))
    weight = torch.ones(n_fft // 2 + 1, 1)
    weight[0] = weight[-1] = 0.5
    share = (2 * hop / n_fft) / (0.375 * n_fft)
    assert float(share * ((S.abs() ** 2) * weight).sum()) == pytest.approx(
        float((x ** 2).sum()), rel=0.01)  # the share, on the clean chord
    est, true = [], []
    for seed in range(12):
        y = x + sigma * torch.randn(x.shape, generator=torch.Generator().manual_seed(seed + 1))
        Y = stft(y, n_fft, hop)
        est.append(float(stein_risk(Y.abs() ** 2, gain, lam, n_fft, hop)))
        true.append(float(share * ((gain * Y - S).abs() ** 2 * weight).sum()))
    assert np.mean(est) == pytest.approx(np.mean(true), rel=0.03)
    # from a first bin on: the same over those bins only
    est = float(stein_risk(Y.abs() ** 2, gain, lam, n_fft, hop, first_bin=40))
    part = float(share * ((gain * Y - S).abs() ** 2 * weight)[..., 40:, :].sum())
    assert est == pytest.approx(part, rel=0.1)


def test_two_step_xi_is_the_first_gain_applied_to_the_current_frame():
    xi = torch.tensor([0.1, 1.0, 10.0])
    gamma = torch.tensor([2.0, 3.0, 4.0])
    assert torch.allclose(two_step_xi(xi, gamma), (xi / (1 + xi)) ** 2 * gamma)


@pytest.mark.parametrize("make, expected", [(_chord, "long"), (_chirps, "short")])
def test_auto_frame_picks_the_size_with_the_lower_true_error(make, expected):
    rng = np.random.default_rng(1)
    x = make(SR * 3)
    noise = (0.03 * rng.standard_normal(SR * 4)).astype(np.float32)
    y = torch.from_numpy(x + noise[SR:])[None]
    psd = lambda n: torch.from_numpy(learn_profile(noise[:SR], SR, n).psd)  # noqa: E731
    err = {}
    for frame in ("short", "long"):
        out, _ = reduce_noise(y, SR, psd, frame)
        err[frame] = float(((out[0].numpy() - x) ** 2).sum())
    assert min(err, key=err.get) == expected  # the test signals do want what we think
    out, info = reduce_noise(y, SR, psd, "auto")
    short, long_ = frame_sizes(SR)
    assert info["frame (ms)"] == round(1000 * {"short": short, "long": long_}[expected] / SR, 1)


def test_reduction_sets_the_floor_on_noise_alone_and_sensitivity_removes_more():
    rng = np.random.default_rng(2)
    noise = (0.05 * rng.standard_normal(SR * 4)).astype(np.float32)
    clip = {"noise": (torch.from_numpy(noise[:SR])[None], SR)}
    level = {}
    for red in (10.0, 20.0):
        out, _ = _run(noise[SR:], {"reduction": red}, clip)
        level[red] = 10 * np.log10(np.mean(out ** 2) / np.mean(noise[SR:] ** 2))
        # noise alone sits at the floor: about -reduction dB, a scaled copy of the input
        assert level[red] == pytest.approx(-red, abs=1.5)
    x = _chord(SR * 3)
    y = x + noise[SR:]
    outs = [_run(y, {"sensitivity": s}, clip)[0] for s in (0.0, 6.0)]
    assert np.mean(outs[1] ** 2) < np.mean(outs[0] ** 2)  # more taken out


def test_profile_file_estimated_noise_lsa_and_smoothing_all_denoise(tmp_path):
    rng = np.random.default_rng(3)
    x = _chord(SR * 3, seed=3) * ((np.arange(SR * 3) // (SR // 2)) % 2 == 1)
    noise = (0.05 * rng.standard_normal(SR * 4)).astype(np.float32)
    y = (x + noise[SR:]).astype(np.float32)
    base = si_sdr(x, y)
    prof = tmp_path / "hiss.json"
    prof.write_text(learn_profile(noise[:SR], SR, 1024).to_json())  # another frame size
    assert json.loads(prof.read_text())["kind"] == "noise_profile"
    for params, source in [({"profile": str(prof)}, "profile file"), ({}, "estimated"),
                           ({"profile": str(prof), "rule": "lsa"}, "profile file"),
                           ({"profile": str(prof), "smoothing": 5}, "profile file")]:
        out, rep = _run(y, params)
        assert rep.values["noise from"] == source
        assert si_sdr(x, out) > base + (6 if source == "profile file" else 3), params


def test_output_removed_noise_only_is_the_complement_for_each_frame_choice():
    rng = np.random.default_rng(4)
    x = _chord(SR * 2)
    noise = (0.05 * rng.standard_normal(SR * 3)).astype(np.float32)
    clip = {"noise": (torch.from_numpy(noise[:SR])[None], SR)}
    y = x + noise[SR:]
    for frame in ("auto", "short", "long"):
        out, rep = _run(y, {"frame": frame}, clip)
        resid, rep2 = _run(y, {"frame": frame, "residual_only": True}, clip)
        assert rep.values["frame (ms)"] == rep2.values["frame (ms)"]
        assert np.allclose(out + resid, y, atol=1e-4)


# --- the cepstro-temporal a priori SNR -------------------------------------------------

def test_recursive_smooth_matches_a_first_order_filter():
    from scipy.signal import lfilter

    from studio.dsp.spectral_gain import _recursive_smooth
    rng = np.random.default_rng(0)
    x = rng.standard_normal((50, 4)).astype(np.float32)
    beta = np.array([0.0, 0.5, 0.9, 0.99], np.float32)
    got = _recursive_smooth(x, beta, n_init=5)
    init = x[:5].mean(0)
    for j, b in enumerate(beta):
        ref = lfilter([1 - b], [1, -b], x[:, j], zi=[b * init[j]])[0]
        assert np.allclose(got[:, j], ref, atol=1e-5)
    # time-varying factors: against a plain loop
    bt = rng.uniform(0, 1, (50, 4)).astype(np.float32)
    got = _recursive_smooth(x, bt, n_init=1)
    prev = x[0].copy()
    for t in range(50):
        prev = bt[t] * prev + (1 - bt[t]) * x[t]
        assert np.allclose(got[t], prev, atol=1e-5)


def test_cepstral_xi_is_unbiased_on_a_stationary_gaussian_signal():
    # the log of an exponentially distributed power, smoothed, underestimates it by up to
    # Euler's constant (-2.5 dB); the bias term must bring the mean back to the true power
    from studio.dsp.spectral_gain import cepstral_bias, cepstral_xi
    n_fft, hop = 512, 128
    s = torch.randn(1, SR * 8, generator=torch.Generator().manual_seed(0))
    P = stft(s, n_fft, hop).abs() ** 2
    level = float(torch.hann_window(n_fft).pow(2).sum())  # E|X|^2 of unit white noise
    lam = torch.full((n_fft // 2 + 1, 1), level / 10.0)  # a priori SNR 10
    gamma = 1 + P / lam  # so that the maximum-likelihood estimate gamma - 1 is P / lam
    xi = cepstral_xi(gamma, lam, SR, hop)[..., 40:-40]
    assert float(xi.mean()) == pytest.approx(10.0, rel=0.08)
    # without the bias term it would be Euler's-constant low, well outside that tolerance
    assert float(xi.mean()) * np.exp(-cepstral_bias(n_fft, SR, hop)) < 6.0


def test_pitch_peaks_find_the_period_of_a_harmonic_tone_and_not_in_noise():
    from studio.dsp.spectral_gain import pitch_peaks
    n_fft, hop = 512, 128
    t = np.arange(SR) / SR
    f0 = 160.0
    tone = sum(np.sin(2 * np.pi * f0 * h * t) / h for h in range(1, 40))  # falling spectrum
    for x, voiced_share in ((tone, 0.9), (np.random.default_rng(0).standard_normal(SR), 0.1)):
        P = stft(torch.tensor(x, dtype=torch.float32)[None], n_fft, hop).abs() ** 2
        cep = torch.fft.irfft(torch.log(P + 1e-9).permute(2, 0, 1), n=n_fft, dim=-1)
        peak, voiced = pitch_peaks(cep[..., : n_fft // 2 + 1].contiguous(), SR)
        inner = slice(4, -4)
        if voiced_share > 0.5:
            assert voiced[0, inner].mean() >= voiced_share
            assert np.all(np.abs(peak[0, inner] - SR / f0) <= 1)
        else:
            assert voiced[0, inner].mean() <= voiced_share


def test_frame_presence_is_zero_on_noise_and_one_on_signal():
    from studio.dsp.spectral_gain import cepstral_xi, frame_presence
    n_fft, hop = 512, 128
    rng = np.random.default_rng(0)
    noise = 0.05 * rng.standard_normal(SR * 3)
    x = np.zeros(SR * 3)
    x[SR:2 * SR] = _chord(SR)
    y = torch.tensor(x + noise, dtype=torch.float32)[None]
    lam = torch.from_numpy(learn_profile(noise[:SR], SR, n_fft).psd).float()[:, None]
    gamma = stft(y, n_fft, hop).abs() ** 2 / lam
    p = frame_presence(gamma, cepstral_xi(gamma, lam, SR, hop), 257, 3)[0, 0].numpy()
    frames = lambda a, b: slice(int(a * SR / hop), int(b * SR / hop))  # noqa: E731
    assert p[frames(0.3, 0.9)].max() == 0.0 and p[frames(2.1, 2.7)].max() == 0.0
    assert p[frames(1.1, 1.9)].min() == 1.0


def test_weak_harmonics_survive_better_than_with_the_decision_directed_wiener_filter():
    # a voiced-like tone at 0 dB in white noise: the cepstral estimate keeps its harmonics
    # (higher SI-SDR than the plain decision-directed Wiener filter of the benchmark peers)
    from studio.bench._restore_peers import wiener_dd
    rng = np.random.default_rng(6)
    t = np.arange(SR * 2) / SR
    f0 = 120 + 10 * np.sin(2 * np.pi * 0.7 * t)  # a gliding pitch, as in speech
    ph = 2 * np.pi * np.cumsum(f0) / SR
    x = sum(np.sin(h * ph) / h for h in range(1, 30)) * (0.6 + 0.4 * np.sin(2 * np.pi * 2 * t))
    x = (0.2 * x / np.abs(x).max()).astype(np.float32)
    noise = (np.sqrt(np.mean(x ** 2)) * rng.standard_normal(SR * 3)).astype(np.float32)
    y = x + noise[SR:]
    clip = {"noise": (torch.from_numpy(noise[:SR])[None], SR)}
    ours, _ = _run(y, {}, clip)
    peer = wiener_dd(np.r_[noise[:SR], y], SR, noise[:SR])[SR:]
    assert si_sdr(x, ours) > si_sdr(x, peer) + 0.5
