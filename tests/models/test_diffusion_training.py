"""The network, the EDM loss, checkpoints, the folder dataset and exact resume, on a tiny
config (real torch modules, real files through libsndfile)."""
import json
from dataclasses import replace

import numpy as np
import pytest
import soundfile as sf
import torch

from studio.errors import StudioError
from studio.models.diffusion import checkpoint as ckpt
from studio.models.diffusion.config import ModelConfig, config_for
from studio.models.diffusion.data import ClipSet, load_folder, prepare_clip
from studio.models.diffusion.edm import Denoiser, edm_loss
from studio.models.diffusion.networks import build_network
from studio.models.diffusion.train import TrainConfig, Trainer, clip_weights

RATE = 8000


def tiny(classes=("low", "high"), seconds=0.5, sigma_data=0.2) -> ModelConfig:
    return config_for("tiny", RATE, seconds, classes, sigma_data=sigma_data)


def toy_clips(cfg: ModelConfig, n: int = 16) -> ClipSet:
    """Decaying tones, class 0 at 200 Hz and class 1 at 1000 Hz."""
    t = np.arange(cfg.audio.length) / RATE
    clips = [0.8 * np.sin(2 * np.pi * (200 if i % 2 == 0 else 1000) * t) * np.exp(-6 * t)
             for i in range(n)]
    return ClipSet(torch.tensor(np.array(clips), dtype=torch.float32),
                   torch.tensor([i % 2 for i in range(n)]), cfg.audio.classes, RATE)


def test_network_keeps_shape_and_hears_the_class():
    cfg = tiny()
    net = build_network(cfg)
    with torch.no_grad():  # the output layer starts at zero; give it weights to see through
        for p in net.parameters():
            p.add_(0.05 * torch.randn(p.shape, generator=torch.Generator().manual_seed(0)))
    x = torch.randn(2, 1, cfg.audio.length)
    y0 = net(x, torch.zeros(2), torch.tensor([0, 0]))
    y1 = net(x, torch.zeros(2), torch.tensor([1, 1]))
    assert y0.shape == x.shape and torch.isfinite(y0).all()
    assert (y0 - y1).abs().max() > 1e-3
    assert torch.equal(net(x, torch.zeros(2), torch.tensor([0, 0])), y0)


def test_lengths_must_fit_the_stride():
    cfg = tiny()
    bad = replace(cfg, audio=replace(cfg.audio, length=cfg.audio.length + 1))
    with pytest.raises(StudioError, match="stride"):
        build_network(bad)
    assert config_for("tiny", RATE, 0.3, ()).audio.length % cfg.stride() == 0


def test_untrained_denoiser_is_the_gaussian_optimum_and_loss_starts_at_one():
    """With F = 0 (zero-initialised output), D(x, s) = x sd^2/(sd^2 + s^2): the exact
    denoiser of N(0, sd^2) data, whose EDM-weighted loss is 1 at every noise level."""
    cfg = tiny(sigma_data=0.2)
    model = Denoiser(cfg)
    x = torch.randn(3, 1, cfg.audio.length)
    sigma = torch.tensor([0.01, 0.5, 5.0])
    expected = x * 0.04 / (0.04 + sigma.reshape(-1, 1, 1) ** 2)
    torch.testing.assert_close(model(x, sigma), expected)
    x0 = 0.2 * torch.randn(64, 1, cfg.audio.length, generator=torch.Generator().manual_seed(1))
    loss = edm_loss(model, x0, torch.zeros(64, dtype=torch.long),
                    torch.Generator().manual_seed(2))
    assert abs(loss.item() - 1.0) < 0.05


def test_guidance_one_is_plain_conditional_and_scale_extrapolates():
    cfg = tiny()
    model = Denoiser(cfg)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.05 * torch.randn(p.shape, generator=torch.Generator().manual_seed(3)))
    x, s, lab = torch.randn(2, 1, cfg.audio.length), torch.tensor([1.0, 1.0]), torch.tensor([0, 1])
    cond, uncond = model(x, s, lab), model(x, s, None)
    torch.testing.assert_close(model.guided(x, s, lab, 1.0), cond)
    torch.testing.assert_close(model.guided(x, s, lab, 3.0), uncond + 3 * (cond - uncond),
                               rtol=1e-4, atol=1e-5)


def test_checkpoint_round_trip_and_refusals(tmp_path):
    cfg = tiny()
    model = Denoiser(cfg)
    st, js = ckpt.save_model(tmp_path / "m", model.state_dict(), cfg, dtype=torch.float16)
    assert st.read_bytes()[8:9] == b"{"  # a safetensors header, not a pickle
    loaded = ckpt.load_model(tmp_path / "m.json")
    assert loaded.cfg.audio == cfg.audio and loaded.cfg.network == cfg.network
    for (k, a), (_, b) in zip(model.state_dict().items(), loaded.state_dict().items()):
        torch.testing.assert_close(a.half().float(), b, msg=k)
    st.write_bytes(b"\x80\x04not a safetensors file")
    with pytest.raises(StudioError, match="cannot read weights"):
        ckpt.load_model(js)
    d = json.loads(js.read_text())
    d["version"] = 99
    js.write_text(json.dumps(d))
    with pytest.raises(StudioError, match="newer"):
        ModelConfig.load(js)
    with pytest.raises(StudioError, match="needs both"):
        ckpt.load_model(tmp_path / "missing")


def test_folder_dataset_classes_onsets_and_bad_files(tmp_path):
    rng = np.random.default_rng(0)
    for cls, f in (("bell", 440), ("drum", 90)):
        (tmp_path / cls).mkdir()
        for k in range(3):
            sig = np.concatenate([np.zeros(400), np.sin(2 * np.pi * f * np.arange(4000) / 16000)])
            sf.write(tmp_path / cls / f"{k}.wav", 0.3 * sig + 1e-6 * rng.standard_normal(4400),
                     16000)
    (tmp_path / "drum" / "broken.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk")
    sf.write(tmp_path / "drum" / "silent.flac", np.zeros(1000), 16000)
    data = load_folder(tmp_path, RATE, 4096)
    assert data.classes == ("bell", "drum") and len(data.audio) == 6
    assert data.audio.shape == (6, 4096)
    assert sorted(data.labels.tolist()) == [0, 0, 0, 1, 1, 1]
    assert len(data.skipped) == 2 and any("silent" in s for s in data.skipped)
    np.testing.assert_allclose(data.audio.abs().amax(dim=1).numpy(), 0.8, rtol=1e-5)
    assert data.audio[:, :3].abs().max() < 0.2  # onset at 0: the 400 leading zeros trimmed
    (tmp_path / "empty").mkdir()
    with pytest.raises(StudioError, match="no audio files"):
        load_folder(tmp_path / "empty", RATE, 4096)


def test_prepare_clip_trims_resamples_and_pads():
    sig = np.concatenate([np.zeros(100), np.ones(50) * 0.5, np.zeros(10)])
    clip = prepare_clip(sig[None], 16000, 16000, 256)
    assert clip.shape == (256,) and clip[0] == pytest.approx(0.8) and clip[60:].max() == 0
    assert prepare_clip(np.zeros((1, 100)), 16000, 8000, 64) is None
    halved = prepare_clip(np.ones((2, 1600)) * 0.1, 16000, 8000, 1000)  # 800 samples left
    assert halved[100:700].min() > 0.7 and halved[810:].max() == 0


def _train(run_dir, steps, total, weights=()):
    cfg = tiny()
    tr = Trainer(run_dir, toy_clips(cfg), cfg,
                 TrainConfig(steps=total, batch=4, checkpoint_every=1000, demo_every=0,
                             class_weights=weights))
    tr.resume()
    tr.tcfg = replace(tr.tcfg, steps=steps)
    tr.run()
    tr.save()
    return tr


@pytest.mark.parametrize("weights", [(), (("high", 3.0),)])
def test_resumed_training_continues_the_same_run(tmp_path, weights):
    straight = _train(tmp_path / "a", 6, 6, weights)
    _train(tmp_path / "b", 3, 6, weights)
    resumed = _train(tmp_path / "b", 6, 6, weights)
    assert resumed.losses == straight.losses  # bit for bit
    for (k, a), (_, b) in zip(straight.model.state_dict().items(),
                              resumed.model.state_dict().items()):
        assert torch.equal(a, b), k
    for a, b in zip(straight.ema.parameters(), resumed.ema.parameters()):
        assert torch.equal(a, b)


def test_class_weights_draw_each_class_that_much_more_often(tmp_path):
    cfg = tiny()
    data = toy_clips(cfg)  # 8 "low", 8 "high"
    weights = clip_weights(data, (("high", 3.0),))
    assert weights.tolist() == [1.0, 3.0] * 8
    trainer = Trainer(tmp_path, data, cfg, TrainConfig(batch=20, class_weights=(("high", 3.0),)))
    drawn = torch.cat([trainer.draw_clips() for _ in range(1000)])
    assert float((data.labels[drawn] == 1).float().mean()) == pytest.approx(0.75, abs=0.01)
    assert clip_weights(data, ()) is None
    for bad in ((("loud", 2.0),), (("high", 0.0),), (("high", float("inf")),)):
        with pytest.raises(StudioError, match="class weights"):
            clip_weights(data, bad)


def test_resume_refuses_another_architecture(tmp_path):
    _train(tmp_path, 1, 1)
    cfg = tiny(classes=("a", "b", "c"))
    tr = Trainer(tmp_path, toy_clips(cfg), cfg, TrainConfig(steps=2, batch=2))
    with pytest.raises(StudioError, match="different model"):
        tr.resume()


@pytest.mark.slow
def test_training_learns_the_toy_classes(tmp_path):
    """60 steps are enough for the loss to fall well below its starting value of ~1."""
    cfg = tiny()
    tr = Trainer(tmp_path, toy_clips(cfg, 32), cfg,
                 TrainConfig(steps=60, batch=8, lr=2e-3, warmup=10, demo_every=0,
                             checkpoint_every=1000))
    tr.run()
    assert np.mean(tr.losses[:5]) > 0.7
    assert np.mean(tr.losses[-10:]) < 0.7 * np.mean(tr.losses[:5])


def test_init_from_a_model_starts_from_its_weights(tmp_path):
    first = _train(tmp_path / "a", 2, 2)
    cfg = tiny()
    tr = Trainer(tmp_path / "b", toy_clips(cfg), cfg, TrainConfig(steps=3, batch=4))
    tr.init_from(tmp_path / "a" / "model.json")
    assert tr.step == 2
    for a, b in zip(first.ema.state_dict().values(), tr.model.state_dict().values()):
        assert torch.equal(a, b)
    other = tiny(classes=("x",))
    tr = Trainer(tmp_path / "c", toy_clips(other), other, TrainConfig(steps=1, batch=2))
    with pytest.raises(StudioError, match="another architecture"):
        tr.init_from(tmp_path / "a" / "model.json")
