"""A controls model end to end on a tiny network: it is saved and loaded as any diffusion
model (bounded config, weights checked), the catalog hands it out behind the waveform model's
interface, it trains and resumes with the waveform trainer, and fine-tuning adds classes
without changing what the old ones generate."""
import json
from dataclasses import replace

import numpy as np
import pytest
import torch

from studio.errors import StudioError
from studio.models.controls.data import ControlSet
from studio.models.controls.model import ControlModel
from studio.models.controls.spec import DEFAULT, SILENT
from studio.models.controls.train import ControlTrainer, config_for, grow_classes
from studio.models.diffusion import catalog
from studio.models.diffusion import checkpoint as ckpt
from studio.models.diffusion.config import ModelConfig
from studio.models.diffusion.edm import Denoiser
from studio.models.diffusion.train import TrainConfig

FRAMES = 64      # 0.64 s
RATE = 16000


def tiny_cfg(classes=("a", "b")):
    return config_for("ctl-tiny", DEFAULT, FRAMES, RATE, classes, toy_set(classes=classes).audio)


def toy_set(n=8, classes=("a", "b")) -> ControlSet:
    """Class a: a steady harmonic tone; class b: noise only."""
    x = torch.full((n, DEFAULT.features, FRAMES), SILENT)
    x[:, 0] = 0.0
    x[0::2, 1] = 0.7          # harmonic 1 at -39 dB
    x[1::2, 1 + DEFAULT.harmonics:] = -0.5   # every band at -75 dB
    return ControlSet(audio=x.half(), labels=torch.arange(n) % 2, classes=classes,
                      sample_rate=RATE, pitch_hz=torch.where(torch.arange(n) % 2 == 0,
                                                             torch.tensor(440.0),
                                                             torch.tensor(0.0)),
                      velocity=torch.full((n,), 100.0), hold=torch.full((n,), 0.3))


def saved(tmp_path, cfg=None) -> ControlModel:
    cfg = cfg or tiny_cfg()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        den = Denoiser(cfg)
        with torch.no_grad():
            for p in den.parameters():
                p.add_(0.02 * torch.randn(p.shape))
    ckpt.save_model(tmp_path / "ctl", den.state_dict(), cfg)
    return catalog.load(str(tmp_path / "ctl.json"))


def test_the_catalog_gives_a_controls_model_behind_the_same_interface(tmp_path):
    model = saved(tmp_path)
    assert isinstance(model, ControlModel) and model.pitched
    g = torch.Generator().manual_seed(3)
    style = model.style_for(0.5, 90)
    clips = model.sample(2, model.label("a"), model.frames(0.5), steps=3, generator=g,
                         pitch=[440.0, 220.0], style=style)
    assert clips.shape == (2, RATE // 2) and torch.isfinite(clips).all()
    again = model.sample(2, model.label("a"), model.frames(0.5), steps=3,
                         generator=torch.Generator().manual_seed(3), pitch=[440.0, 220.0],
                         style=style)
    assert torch.equal(clips, again)                    # a seed is a sound
    # longer than the network's frames: the rest is silence, not an error
    long = model.sample(1, 0, model.frames(1.0), steps=2, pitch=440.0)
    assert long.shape == (1, RATE) and long[0, model.max_frames:].abs().max() == 0
    var = model.variation(clips[0], 0.3, 1, 0, steps=3, pitch=440.0, style=style,
                          generator=torch.Generator().manual_seed(1))
    assert var.shape == (1, RATE // 2)
    scores = model.classify(clips, [440.0, 220.0], style=style)
    assert scores.shape == (2, 2) and torch.isfinite(scores).all()
    mids = model.interpolate(clips[0], clips[1], 3, 0, 1, steps=3, pitch_a=440.0, pitch_b=220.0)
    assert mids.shape[0] == 3 and torch.isfinite(mids).all()


def test_a_config_whose_network_does_not_take_the_controls_is_refused(tmp_path):
    cfg = tiny_cfg()
    bad = replace(cfg, network=replace(cfg.network, features=7))
    (tmp_path / "bad.json").write_text(json.dumps(bad.to_json()))
    with pytest.raises(StudioError, match="features"):
        ModelConfig.load(tmp_path / "bad.json")


def test_a_waveform_config_still_loads_as_a_waveform_model():
    cfg = ModelConfig.from_json({**ModelConfig().to_json()})
    assert cfg.controls.frame_rate == 0 and cfg.network.features == 1


def test_training_learns_and_resumes_exactly(tmp_path):
    data = toy_set()
    tcfg = TrainConfig(steps=6, batch=4, checkpoint_every=3, demo_every=0)
    one = ControlTrainer(tmp_path / "a", data, tiny_cfg(), tcfg)
    one.run()
    two = ControlTrainer(tmp_path / "b", data, tiny_cfg(), replace(tcfg, steps=3))
    two.run()
    three = ControlTrainer(tmp_path / "b", data, tiny_cfg(), tcfg)
    assert three.resume() and three.step == 3
    three.run()
    assert np.allclose(one.losses, three.losses)
    assert all(np.isfinite(one.losses))
    cfg = one.model_config()
    assert cfg.controls.frame_rate == DEFAULT.frame_rate
    assert "a" in cfg.training["pitch"]                 # what "auto" draws notes from


def test_new_classes_start_as_the_unconditional_sound_and_old_ones_are_unchanged():
    cfg = tiny_cfg()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(1)
        old = Denoiser(cfg)
        for p in old.parameters():
            p.data.add_(0.05 * torch.randn(p.shape))
    wider = replace(cfg, audio=replace(cfg.audio, classes=("a", "b", "c")))
    new = Denoiser(wider)
    new.load_state_dict(grow_classes(old.state_dict(), ("a", "b"), ("a", "b", "c")))
    x = torch.randn(3, DEFAULT.features, FRAMES)
    sigma = torch.full((3,), 0.5)
    cond = torch.zeros(3, 4)
    with torch.no_grad():
        assert torch.allclose(old(x, sigma, torch.tensor([0, 1, 2]), cond),
                              new(x, sigma, torch.tensor([0, 1, 3]), cond))
        assert torch.allclose(new(x, sigma, torch.tensor([2, 2, 2]), cond),
                              new(x, sigma, torch.tensor([3, 3, 3]), cond))


def test_the_network_knows_where_in_the_clip_a_frame_is():
    """From pure noise the denoiser must put the attack at 0 and the release at the hold:
    the same input at frames far from the edges gives different outputs (absolute time
    enters the stem), which a network of convolutions and attention alone cannot."""
    from studio.models.diffusion.unet1d import positions
    cfg = config_for("ctl-tiny", DEFAULT, 256, RATE, ("a",))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(2)
        den = Denoiser(cfg)
        for p in den.parameters():
            p.data.add_(0.05 * torch.randn(p.shape))
    x = torch.zeros(1, DEFAULT.features, 256)
    with torch.no_grad():
        y = den(x, torch.tensor([1.0]), torch.tensor([0]), torch.zeros(1, 4))
    assert (y[0, :, 100] - y[0, :, 160]).abs().max() > 1e-3
    pos = positions(9, 200, 100.0, x)
    assert pos.shape == (1, 9, 200) and pos[0, 0, 100] == pytest.approx(0.25)


def test_a_rendered_clip_louder_than_full_scale_is_scaled_down_as_a_whole():
    from studio.models.controls.model import PEAK, under_full_scale
    t = torch.linspace(0, 1, 1000)
    loud, quiet = 1.15 * torch.sin(40 * t), 0.3 * torch.sin(40 * t)
    out = under_full_scale(torch.stack([loud, quiet]))
    assert float(out[0].abs().max()) == pytest.approx(PEAK)
    np.testing.assert_allclose(out[0].numpy(), loud.numpy() * PEAK / float(loud.abs().max()),
                               rtol=1e-6)
    assert torch.equal(out[1], quiet)          # a clip under full scale is left as it is


def test_every_controls_size_reaches_every_feature_and_a_narrower_network_is_refused():
    """The denoiser's correction leaves the network through a convolution from the first
    level's width to the features: narrower than the features, its output spans fewer
    directions than the features have, and the noise in the rest is never removed (the
    first bundled model, 96 wide for 113 features). Every controls size is wide enough and a
    narrower config is refused."""
    from studio.models.controls.train import check_width
    from studio.models.diffusion.config import SIZES
    from studio.models.diffusion.networks import build_network
    for size in [s for s in SIZES if s.startswith("ctl-")]:
        cfg = config_for(size, DEFAULT, FRAMES, RATE, ("a", "b"))
        out = build_network(cfg).out
        assert out.in_channels >= out.out_channels == DEFAULT.features, size
    narrow = replace(cfg.network, channels=(DEFAULT.features - 1,) + cfg.network.channels[1:])
    with pytest.raises(ValueError, match="at least as wide"):
        check_width(narrow)


def test_a_drum_keeps_only_its_body_and_a_note_all_its_partials(tmp_path):
    # an untrained network leaves every partial sounding; a drum is described by one
    model = saved(tmp_path)
    h = model.spec.harmonics
    x = torch.full((2, model.spec.features, 20), 3.0)    # every feature well above its centre
    f = model.features(x, [0.0, 220.0])
    from studio.models.controls.spec import SILENT
    assert torch.all(f[0, 2:1 + h] == SILENT) and torch.all(f[1, 2:1 + h] > SILENT)
    assert torch.equal(f[0, 1], f[1, 1])                 # the drum's body is left alone
    drum = model.features(x[:1], None)
    assert torch.all(drum[0, 2:1 + h] == SILENT)
