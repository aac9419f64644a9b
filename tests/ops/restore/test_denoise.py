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


def _bursts(n, sr=SR, seed=0):
    """Short noise bursts, 5 ms every 60 ms: a signal that wants short frames."""
    rng = np.random.default_rng(seed)
    x = np.zeros(n)
    for p in range(sr // 20, n - sr // 50, int(0.06 * sr)):
        x[p:p + sr // 200] = rng.standard_normal(sr // 200) * np.hanning(sr // 200)
    return (0.3 * x / np.abs(x).max()).astype(np.float32)


def test_stein_risk_is_an_unbiased_estimate_of_the_error_of_a_fixed_gain():
    # a gain fixed before the noise is drawn: the estimate's mean over noise draws equals
    # the true squared error against the clean signal
    x = torch.from_numpy(_chord(SR * 2))[None]
    n_fft, hop, sigma = 512, 128, 0.05
    lam = torch.full((n_fft // 2 + 1, 1), sigma ** 2 * float((torch.hann_window(n_fft) ** 2).sum()))
    gain = torch.rand(n_fft // 2 + 1, stft(x, n_fft, hop).shape[-1],
                      generator=torch.Generator().manual_seed(0))
    est, true = [], []
    for seed in range(12):
        y = x + sigma * torch.randn(x.shape, generator=torch.Generator().manual_seed(seed + 1))
        out = istft(stft(y, n_fft, hop) * gain, n_fft, hop, y.shape[-1])
        est.append(float(stein_risk(y, out, gain, lam, n_fft, hop)))
        true.append(float(((out - x) ** 2).sum()))
    assert np.mean(est) == pytest.approx(np.mean(true), rel=0.03)


def test_two_step_xi_is_the_first_gain_applied_to_the_current_frame():
    xi = torch.tensor([0.1, 1.0, 10.0])
    gamma = torch.tensor([2.0, 3.0, 4.0])
    assert torch.allclose(two_step_xi(xi, gamma), (xi / (1 + xi)) ** 2 * gamma)


@pytest.mark.parametrize("make, expected", [(_chord, "long"), (_bursts, "short")])
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
