"""Pitch conditioning: parsing a user's note, measuring clips' pitch against known tones,
the encoding, the 'auto' draw, growing a trained model's conditioning and training with it."""
import math

import numpy as np
import pytest
import torch

from studio.errors import StudioError
from studio.models.diffusion import pitch as P
from studio.models.diffusion.config import config_for
from studio.models.diffusion.data import ClipSet
from studio.models.diffusion.edm import Denoiser
from studio.models.diffusion.pipeline import DiffusionModel
from studio.models.diffusion.train import TrainConfig, Trainer

RATE = 8000


@pytest.mark.parametrize("text, hz", [
    ("A4", 440.0), ("a4", 440.0), ("C4", 261.6256), ("C#3", 138.5913), ("Db3", 138.5913),
    ("Bb1", 58.2705), ("B3", 246.9417), ("69", 440.0), ("60.5", 269.2918),
    ("440 Hz", 440.0), ("100hz", 100.0)])
def test_parse_reads_notes_midi_numbers_and_frequencies(text, hz):
    assert P.parse(text) == pytest.approx(hz, rel=1e-5)


def test_parse_auto_none_and_bad_input():
    assert P.parse("") is None and P.parse(" auto ") is None
    assert P.parse("none") == 0.0
    for bad in ("H4", "loud", "C#", "20 Hz", "C9"):
        with pytest.raises(StudioError, match="pitch"):
            P.parse(bad)


def test_note_names_round_trip():
    for midi in range(29, 92):
        assert P.parse(P.note_name(P.midi_to_hz(midi))) == pytest.approx(P.midi_to_hz(midi))
    assert P.note_name(0) == ""


def _tone(hz: float, seconds: float = 0.6, partials: int = 6) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    x = sum(np.sin(2 * np.pi * hz * k * t + k) / k for k in range(1, partials + 1)
            if hz * k < RATE / 2)
    return (0.5 * x * np.exp(-2 * t)).astype(np.float32)


def test_clip_pitches_against_known_tones_and_noise():
    """Decaying harmonic tones at known fundamentals come back within 25 cents (a quarter
    semitone; B5 at 8 kHz is a period of 8.1 samples); noise and clicks are unpitched."""
    tones = [55.0, 98.0, 220.0, 440.0, 987.77]
    noise = np.random.default_rng(0).standard_normal(int(0.6 * RATE)).astype(np.float32) * 0.3
    click = np.zeros(int(0.6 * RATE), np.float32)
    click[10:40] = 0.9
    clips = torch.from_numpy(np.stack([_tone(f) for f in tones] + [noise, click]))
    got = P.clip_pitches(clips, RATE)
    for want, have in zip(tones, got[:5].tolist()):
        assert abs(1200 * math.log2(have / want)) < 25, (want, have)
    assert got[5] == 0 and got[6] == 0


def test_encode_is_zero_without_pitch_and_monotonic_with_it():
    hz = torch.tensor([0.0, 40.0, 110.0, 440.0, 1600.0, 3000.0])
    c = P.encode(hz)
    assert c.shape == (6, P.COND_DIM)
    assert torch.equal(c[0], torch.zeros(2))
    assert torch.all(c[1:, 0] == 1)
    assert c[1, 1] == 0 and c[4, 1] == pytest.approx(1.0) and c[5, 1] == pytest.approx(1.0)
    assert torch.all(c[2:5, 1].diff() > 0)


def test_decode_inverts_encode():
    hz = torch.tensor([0.0, 41.2, 261.63, 1500.0])
    torch.testing.assert_close(P.decode(P.encode(hz)), hz, rtol=1e-5, atol=0)


def test_period_taps_against_numpy_interpolation():
    """Each tap is the row shifted by k periods (np.interp between samples, zeros beyond the
    ends); rows without pitch get zeros."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((3, 1, 400)).astype(np.float32)
    hz = np.array([137.3, 52.1, 0.0])
    taps = P.period_taps(torch.from_numpy(x), torch.tensor(hz, dtype=torch.float32), RATE, 2)
    assert taps.shape == (3, 4, 400)
    n = np.arange(400)
    for b in range(2):
        for c, k in enumerate((-2, -1, 1, 2)):
            want = np.interp(n - k * RATE / hz[b], n, x[b, 0], left=0.0, right=0.0)
            inside = (n - k * RATE / hz[b] >= 0) & (n - k * RATE / hz[b] <= 399)
            np.testing.assert_allclose(taps[b, c].numpy()[inside], want[inside], atol=5e-4)
            assert np.all(taps[b, c].numpy()[(n - k * RATE / hz[b]) < -1] == 0)
    assert torch.all(taps[2] == 0)


def test_period_taps_of_a_note_are_the_note():
    """A periodic signal equals its copies a whole period away (inside the clip): the comb
    that keeps a note's partials is a sum of the taps."""
    t = np.arange(2000) / RATE
    hz = 200.0
    x = torch.tensor(sum(np.sin(2 * np.pi * hz * k * t) / k for k in (1, 2, 3)),
                     dtype=torch.float32)[None, None]
    taps = P.period_taps(x, torch.tensor([hz]), RATE, 3)
    mid = slice(200, 1800)
    for c in range(6):
        np.testing.assert_allclose(taps[0, c, mid], x[0, 0, mid], atol=2e-3)


def test_draw_follows_the_class_histogram():
    labels = torch.tensor([0] * 4 + [1] * 4)
    hz = torch.tensor([0, 0, 0, P.midi_to_hz(60)] + [P.midi_to_hz(n) for n in (40, 40, 40, 52)])
    table = P.summary(hz, labels, ("drum", "bass"))
    assert table == {"drum": {"unpitched": 3, "notes": {"60": 1}},
                     "bass": {"unpitched": 0, "notes": {"40": 3, "52": 1}}}
    g = torch.Generator().manual_seed(0)
    drum = [P.draw(table, "drum", g) for _ in range(2000)]
    bass = [round(P.hz_to_midi(P.draw(table, "bass", g))) for _ in range(2000)]
    assert np.mean([d == 0 for d in drum]) == pytest.approx(0.75, abs=0.04)
    assert set(bass) == {40, 52} and np.mean([b == 40 for b in bass]) == pytest.approx(0.75,
                                                                                        abs=0.04)
    assert P.draw(table, "unknown class", g) == 0.0
    assert P.draw(table, "", g) >= 0.0  # unconditional: every clip counted


def _tiny(cond_dim=0):
    return config_for("tiny", RATE, 0.25, ("low", "high"), sigma_data=0.2, cond_dim=cond_dim)


def _tones_set(cfg) -> ClipSet:
    pitches = [110.0, 220.0, 0.0, 440.0] * 2
    n = cfg.audio.length
    clips = [np.pad(_tone(f, n / RATE), (0, 0))[:n] if f else
             np.random.default_rng(i).standard_normal(n).astype(np.float32) * 0.2
             for i, f in enumerate(pitches)]
    return ClipSet(torch.from_numpy(np.stack(clips)), torch.tensor([0, 1] * 4),
                   cfg.audio.classes, RATE)


def test_grown_model_starts_as_the_model_it_grew_from(tmp_path):
    """Adding pitch to a trained model: with any pitch the new model's denoiser is the old
    one's, so fine-tuning starts exactly where the old training stopped."""
    base_cfg = _tiny()
    base = Trainer(tmp_path / "a", _tones_set(base_cfg), base_cfg,
                   TrainConfig(steps=3, batch=4, checkpoint_every=3, demo_every=0))
    base.run()
    cfg = _tiny(P.COND_DIM)
    data = _tones_set(cfg)
    data.estimate_pitch()
    grown = Trainer(tmp_path / "b", data, cfg, TrainConfig(steps=6, batch=4, demo_every=0))
    grown.init_from(tmp_path / "a" / "model.json")
    assert grown.step == 3
    x = torch.randn(3, 1, cfg.audio.length, generator=torch.Generator().manual_seed(1))
    sigma, labels = torch.tensor([0.05, 0.5, 5.0]), torch.tensor([0, 1, 2])
    with torch.no_grad():
        want = base.ema(x, sigma, labels)
        for hz in (None, P.encode(torch.tensor([110.0, 0.0, 880.0]))):
            assert torch.allclose(grown.model(x, sigma, labels, hz), want, atol=1e-6)
    assert grown.cfg.network.pitch_taps > 0
    assert grown.cfg.training["cond_dim_from_step"] == 3
    assert grown.cfg.training["pitch_taps_from_step"] == 3
    grown.run()  # and trains on, with the batch's pitches
    assert grown.step == 6 and all(math.isfinite(v) for v in grown.losses)
    demos = grown.write_demos()  # a note drawn from the data's for each class
    assert [p.name for p in demos] == ["low.wav", "high.wav"] and all(p.exists() for p in demos)
    table = grown.model_config().training["pitch"]
    assert table == {"low": {"unpitched": 2, "notes": {"45": 2}},
                     "high": {"unpitched": 0, "notes": {"57": 2, "69": 2}}}


def test_growth_is_only_adding_pitch_from_zero():
    from dataclasses import replace
    from studio.models.diffusion.config import growth
    plain, pitched = _tiny().network, _tiny(P.COND_DIM).network
    assert growth(plain, plain) == [] and growth(pitched, pitched) == []
    assert growth(plain, pitched) == ["cond_dim", "pitch_taps"]
    assert growth(replace(pitched, pitch_taps=0), pitched) == ["pitch_taps"]
    assert growth(pitched, plain) is None                       # losing it is not growing
    assert growth(replace(pitched, pitch_taps=1), pitched) is None
    assert growth(replace(plain, blocks=2), pitched) is None    # another architecture


def test_grow_refuses_another_architecture(tmp_path):
    cfg = _tiny(P.COND_DIM)
    Trainer(tmp_path / "a", _tones_set(cfg), config_for("tiny", RATE, 0.25, ("x", "y")),
            TrainConfig(steps=1, batch=2, checkpoint_every=1, demo_every=0)).run()
    data = _tones_set(cfg)
    data.estimate_pitch()
    tr = Trainer(tmp_path / "b", data, cfg, TrainConfig(steps=1, batch=2))
    with pytest.raises(StudioError, match="another architecture"):
        tr.init_from(tmp_path / "a" / "model.json")


def test_pitch_model_without_estimated_pitch_is_refused(tmp_path):
    cfg = _tiny(P.COND_DIM)
    tr = Trainer(tmp_path, _tones_set(cfg), cfg, TrainConfig(steps=1, batch=2))
    with pytest.raises(StudioError, match="pitch"):
        tr.train_step()


def test_pipeline_passes_pitch_to_both_guidance_branches():
    """A pitch model's samples depend on the pitch asked for (also under guidance, whose
    unconditional branch keeps the pitch); a model without pitch refuses one."""
    torch.manual_seed(0)
    model = Denoiser(_tiny(P.COND_DIM))
    for layer in model.net.modules():  # random layers, so that the conditioning matters
        if isinstance(layer, (torch.nn.Conv1d, torch.nn.Linear)):
            layer.reset_parameters()
    gen = DiffusionModel(model)
    assert gen.pitched

    def take(hz, guidance):
        return gen.sample(2, 0, sampler="dpmpp_2m", steps=3, guidance=guidance,
                          generator=torch.Generator().manual_seed(3), pitch=hz)
    for guidance in (1.0, 2.0):
        a, b = take(220.0, guidance), take(440.0, guidance)
        assert (a - b).abs().max() > 1e-4
        assert torch.equal(take([220.0, 440.0], guidance)[1], b[1])
    # guidance away from "no class, no pitch" differs from guidance away from "no class"
    class_only = take(440.0, 2.0)
    gen.guide_pitch = True
    assert (take(440.0, 2.0) - class_only).abs().max() > 1e-4
    gen.guide_pitch = False
    # and with no class it still guides the pitch: the same as the hand-made combination
    x, sigma = torch.randn(1, 1, model.cfg.audio.length), torch.tensor([0.7])
    cond = P.encode(torch.tensor([440.0]))
    with torch.no_grad():
        want = model(x, sigma, None, torch.zeros_like(cond)) * (1 - 3.0) + \
            3.0 * model(x, sigma, None, cond)
        torch.testing.assert_close(model.guided(x, sigma, None, 3.0, cond, True), want,
                                   rtol=1e-3, atol=1e-4)
    plain = DiffusionModel(Denoiser(_tiny()))
    assert not plain.pitched and plain.auto_pitch("low", torch.Generator()) == 0.0
    with pytest.raises(StudioError, match="not trained with pitch"):
        plain.sample(1, 0, steps=2, pitch=440.0)
