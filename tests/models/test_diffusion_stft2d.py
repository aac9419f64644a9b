"""The time-frequency score network (stft2d): its tight frame against a numpy reference, and
the 1-D network's own tests (shape, class, guidance, checkpoints, stride, exact resume) run
again with the tiny TF config in place of the tiny 1-D one."""
import json
from dataclasses import replace

import numpy as np
import pytest
import test_diffusion_training as T  # the 1-D net's tests and helpers, reused
import torch

from studio.errors import StudioError
from studio.models.diffusion.config import SIZES, ModelConfig, config_for
from studio.models.diffusion.networks import build_network
from studio.models.diffusion.stft2d import Stft, Stft2d
from studio.models.diffusion.train import TrainConfig, Trainer

ROOT = T.__file__.rsplit("/tests/", 1)[0]


def tf_tiny(classes=("low", "high"), seconds=0.5, sigma_data=0.2) -> ModelConfig:
    return config_for("tf-tiny", T.RATE, seconds, classes, sigma_data=sigma_data)


@pytest.fixture
def as_tf(monkeypatch):
    """Make the 1-D tests' `tiny()` the tiny TF config."""
    monkeypatch.setattr(T, "tiny", tf_tiny)


def reference_stft(x: np.ndarray, n: int, hop: int) -> np.ndarray:
    """The frame written out plainly: frame m centred on sample m*hop, read circularly,
    periodic Hann normalised to sum_m w^2 = 1, unitary-scaled one-sided DFT with inner bins
    times sqrt(2), Nyquist's real part in DC's imaginary part. (bins, frames) complex."""
    t = len(x)
    w = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / n)
    w /= np.sqrt(sum(np.roll(w ** 2, k * hop) for k in range(n // hop)).mean())  # to 1
    out = np.empty((n // 2, t // hop), complex)
    for m in range(t // hop):
        seg = x[np.arange(m * hop - n // 2, m * hop + n // 2) % t] * w
        spec = np.fft.rfft(seg) / np.sqrt(n)
        spec[1:-1] *= np.sqrt(2)
        out[:, m] = np.concatenate([[spec[0].real + 1j * spec[-1].real], spec[1:-1]])
    return out


@pytest.mark.parametrize("n, hop", [(512, 128), (256, 64), (96, 32)])
def test_frame_matches_the_reference_and_inverts_exactly(n, hop):
    rng = np.random.default_rng(n)
    x = rng.standard_normal((2, 2048 if 2048 % hop == 0 else 1536))
    frame = Stft(n, hop)
    c = frame.analysis(torch.from_numpy(x))
    for b in range(2):
        ref = reference_stft(x[b], n, hop)
        np.testing.assert_allclose(c[b, 0].numpy(), ref.real, atol=1e-12)
        np.testing.assert_allclose(c[b, 1].numpy(), ref.imag, atol=1e-12)
    np.testing.assert_allclose(frame.synthesis(c).numpy(), x, atol=1e-12)
    # Parseval, and synthesis is the adjoint: <A x, z> = <x, A^T z> for any coefficients z
    np.testing.assert_allclose(c.square().sum((1, 2, 3)).numpy(), (x ** 2).sum(1), rtol=1e-12)
    z = torch.from_numpy(rng.standard_normal(c.shape))
    assert float((c * z).sum()) == pytest.approx(float((torch.from_numpy(x) *
                                                        frame.synthesis(z)).sum()), rel=1e-10)


def test_white_noise_stays_white_in_every_bin():
    x = torch.randn(64, 8192, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    c = Stft(512, 128).analysis(x)
    # every bin has the same energy: hop/n_fft per real coefficient (Parseval over 4x as many
    # coefficients as samples); near DC and Nyquist the window's leakage moves some of it
    # between the real and imaginary parts, so compare their sum
    per_bin = c.square().mean(dim=(0, 3))  # (re/im, bins); DC's imaginary part is Nyquist
    np.testing.assert_allclose(per_bin.sum(0)[1:].numpy(), 2 * 128 / 512, rtol=0.1)
    np.testing.assert_allclose(per_bin[:, 0].numpy(), 128 / 512, rtol=0.1)  # DC, Nyquist


def test_a_hop_that_is_no_tight_frame_is_refused():
    cfg = tf_tiny()
    bad = replace(cfg, network=replace(cfg.network, hop=cfg.network.n_fft // 2))
    with pytest.raises(StudioError, match="tight frame"):
        build_network(bad)
    bad = replace(cfg, network=replace(cfg.network, time_factors=(2,)))
    with pytest.raises(StudioError, match="time_factors"):
        build_network(bad)


def test_a_sustained_tone_is_a_line_in_one_bin():
    """What the network sees: a partial on a bin centre is one row of the map, the same
    magnitude in every frame."""
    t = np.arange(4096)
    c = Stft(512, 128).analysis(torch.tensor(np.sin(2 * np.pi * 40 * t / 512))[None].float())
    mag = c[0].square().sum(0).sqrt()
    assert mag.argmax(0).tolist() == [40] * mag.shape[1]
    assert float(mag[40].std() / mag[40].mean()) < 1e-4


def test_network_keeps_shape_and_hears_the_class(as_tf):
    T.test_network_keeps_shape_and_hears_the_class()
    assert isinstance(build_network(T.tiny()), Stft2d)


def test_noise_level_changes_the_output():
    cfg = tf_tiny()
    net = build_network(cfg)
    with torch.no_grad():
        for p in net.parameters():
            p.add_(0.05 * torch.randn(p.shape, generator=torch.Generator().manual_seed(0)))
    x = torch.randn(2, 1, cfg.audio.length)
    lab = torch.tensor([0, 2])  # 2: no class
    quiet, loud = net(x, torch.full((2,), -1.0), lab), net(x, torch.full((2,), 1.0), lab)
    assert (quiet - loud).abs().max() > 1e-3


def test_lengths_must_fit_the_stride(as_tf):
    T.test_lengths_must_fit_the_stride()
    cfg = config_for("tf-small", 16000, 1.5, ())
    assert cfg.stride() == 128 * 2 * 8 and cfg.audio.length == 24576


def test_untrained_denoiser_is_the_gaussian_optimum(as_tf):
    T.test_untrained_denoiser_is_the_gaussian_optimum_and_loss_starts_at_one()


def test_guidance(as_tf):
    T.test_guidance_one_is_plain_conditional_and_scale_extrapolates()


def test_checkpoint_round_trip(as_tf, tmp_path):
    T.test_checkpoint_round_trip_and_refusals(tmp_path)
    cfg = tf_tiny()
    assert ModelConfig.from_json(json.loads(json.dumps(cfg.to_json()))) == cfg


def test_resumed_training_continues_the_same_run(as_tf, tmp_path):
    T.test_resumed_training_continues_the_same_run(tmp_path, weights=())


def test_a_few_steps_reduce_the_loss(tmp_path):
    cfg = tf_tiny()
    tr = Trainer(tmp_path, T.toy_clips(cfg, 16), cfg,
                 TrainConfig(steps=25, batch=8, lr=3e-3, warmup=5, demo_every=0,
                             checkpoint_every=1000))
    tr.run()
    assert np.mean(tr.losses[:3]) > 0.7
    assert np.mean(tr.losses[-5:]) < 0.7 * np.mean(tr.losses[:3])


def test_configs_written_before_the_tf_fields_still_load():
    bundled = ModelConfig.load(f"{ROOT}/resources/models/oneshots.json")
    # the bundled model is "small" grown with pitch (embedding and period taps)
    assert bundled.network == replace(SIZES["small"], cond_dim=2, pitch_taps=3)
    assert bundled.network.kind == "unet1d"
    old = ModelConfig.from_json({"format": "studio-diffusion", "version": 1,
                                 "network": {"kind": "unet1d", "patch": 32,
                                             "channels": [16, 32, 48, 64], "blocks": 1}})
    assert old.network == replace(SIZES["tiny"], emb=192, heads=4)
    assert old.stride() == 32 * 4 * 4 * 4
