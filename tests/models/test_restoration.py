"""The conditional restorer on a tiny network: the missing map, data consistency, the
sampler, the three repairs at the rates users have, training's resume, and model files as
untrusted input. Known parts must come back to the last bit: that is the restorer's promise."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch

from studio.errors import StudioError
from studio.models.diffusion.stft2d import Stft
from studio.models.restoration import api
from studio.models.restoration.config import RestorerConfig
from studio.models.restoration.damage import Damage, frame_fraction, keep_known, missing_map
from studio.models.restoration.model import Restorer, restoration_loss, restore

TINY = RestorerConfig(sample_rate=16000, n_fft=128, hop=32, bin_patch=2, frame_patch=2,
                      channels=(8, 16), factors=(2,), time_factors=(2,), attention=(),
                      heads=2, emb=16, segment=4096)


@pytest.fixture(scope="module")
def tiny():
    torch.manual_seed(0)
    return Restorer(TINY).eval()


def _music(n, rate, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n) / rate
    x = sum(rng.uniform(0.05, 0.2) * np.sin(2 * np.pi * f * t + rng.uniform(0, 6))
            for f in rng.uniform(100, rate / 2.2, 12))
    return torch.from_numpy(np.stack([x, 0.5 * x]).astype(np.float32))


def test_missing_map_marks_a_gap_the_band_above_a_cutoff_and_a_rectangle():
    stft = Stft(TINY.n_fft, TINY.hop)
    d = Damage.none(3, 4096)
    d.gap[0, 1024:2048] = True
    d.cutoff[1] = 4000.0
    d.region[2, 1024:2048] = True
    d.band[2] = torch.tensor([2000.0, 3000.0])
    m = missing_map(stft, d, 16000)[:, 0]
    assert m.shape == (3, 64, 128)
    frames = torch.arange(128) * 32  # frame centres
    inside = (frames >= 1024 + 64) & (frames < 2048 - 64)   # windows wholly in the gap
    assert torch.allclose(m[0][:, inside], torch.ones(1)) and m[0][:, frames < 900].max() == 0
    f = torch.arange(64) * 125.0
    assert torch.equal(m[1][f >= 4000], torch.ones_like(m[1][f >= 4000]))
    assert m[1][f < 4000].max() == 0
    rows = (f >= 2000) & (f < 3000)
    assert float(m[2][rows][:, inside].min()) > 1 - 1e-6 and m[2][~rows].max() == 0


def test_frame_fraction_is_the_share_of_window_weight():
    stft = Stft(128, 32)
    mask = torch.zeros(1, 1024, dtype=torch.bool)
    mask[0, 512:] = True
    frac = frame_fraction(stft, mask)[0]
    # the frame centred on sample 512 has half its (symmetric) window weight on each side
    assert abs(float(frac[16]) - 0.5) < 0.02
    assert float(frac[8]) == 0 and abs(float(frac[24]) - 1) < 1e-6


def test_keep_known_puts_back_exactly_what_is_known():
    stft = Stft(TINY.n_fft, TINY.hop)
    y = _music(4096, 16000)[:1].repeat(3, 1)
    x = torch.randn(3, 4096)
    d = Damage.none(3, 4096)
    d.gap[0, 1000:1500] = True
    d.cutoff[1] = 3000.0
    d.region[2, 1000:2000] = True
    d.band[2] = torch.tensor([1000.0, 2000.0])
    out = keep_known(stft, x, y, d, 16000)
    assert torch.equal(out[0, :1000], y[0, :1000]) and torch.equal(out[0, 1500:], y[0, 1500:])
    assert torch.equal(out[0, 1000:1500], x[0, 1000:1500])
    f = np.fft.rfftfreq(4096, 1 / 16000)
    lo = lambda v: np.fft.rfft(v.double().numpy())[f < 3000]  # noqa: E731
    assert np.abs(lo(out[1]) - lo(y[1])).max() < 1e-6 * np.abs(lo(y[1])).max()
    hi = lambda v: np.fft.rfft(v.double().numpy())[f >= 3000]  # noqa: E731
    assert np.abs(hi(out[1]) - hi(x[1])).max() < 1e-6 * np.abs(hi(x[1])).max()
    # a region: far (over a window) from the rectangle's frames every sample is y's
    assert torch.allclose(out[2, :800], y[2, :800], atol=1e-6)
    assert not torch.allclose(out[2, 1100:1900], y[2, 1100:1900], atol=1e-3)


def test_the_sampler_keeps_the_known_part_and_fills_the_rest(tiny):
    y = _music(4096, 16000)
    d = Damage.none(2, 4096)
    d.gap[:, 2000:2400] = True
    out = restore(tiny, y, d, steps=3, generator=torch.Generator().manual_seed(1))
    assert torch.equal(out[:, :2000], y[:, :2000]) and torch.equal(out[:, 2400:], y[:, 2400:])
    assert torch.isfinite(out).all() and float(out[:, 2000:2400].abs().sum()) > 0


def test_the_loss_is_over_the_missing_part_and_trains(tiny):
    model = Restorer(TINY)
    x0 = _music(4096, 16000)
    d = Damage.none(2, 4096)
    d.gap[0, 1000:2000] = True
    d.cutoff[1] = 2000.0
    loss = restoration_loss(model, x0, d, torch.Generator().manual_seed(0))
    assert torch.isfinite(loss) and loss > 0
    loss.backward()
    assert all(p.grad is not None for p in model.net.stem.parameters())


@pytest.mark.parametrize("rate", [16000, 22050, 44100, 48000])
def test_a_gap_at_any_rate_leaves_every_other_sample_as_it_was(tiny, rate):
    x = _music(rate, rate)
    s, e = rate // 2, rate // 2 + rate // 10
    out = api.fill_gap_diffusion(x, s, e, rate, steps=2, model=tiny, context_seconds=0.2)
    assert out.shape == x.shape
    assert torch.equal(out[:, :s], x[:, :s]) and torch.equal(out[:, e:], x[:, e:])
    assert float(out[:, s:e].abs().mean()) > 0


def test_bandwidth_keeps_the_band_below_the_cutoff_to_the_last_bit(tiny):
    rate = 22050
    x = _music(rate + 777, rate)
    cut = 3000.0
    calls = []
    out = api.extend_bandwidth(x, rate, cut, steps=2, model=tiny,
                               progress=lambda f, m: calls.append(f))
    f = np.fft.rfftfreq(x.shape[-1], 1 / rate)
    a = np.fft.rfft(x.double().numpy(), axis=-1)[:, f < cut]
    b = np.fft.rfft(out.double().numpy(), axis=-1)[:, f < cut]
    assert np.abs(a - b).max() < 1e-4 * np.abs(a).max()
    assert calls and calls == sorted(calls) and calls[-1] <= 1.0


def test_spectral_repair_changes_nothing_away_from_the_region(tiny):
    rate = 16000
    x = _music(2 * rate, rate)
    s, e = rate // 2, rate
    out = api.repair_region(x, rate, s, e, (1000.0, 2000.0), steps=2, model=tiny,
                            only_what_stands_out=False)
    far = 2 * 128  # more than a window of the frame at this rate
    assert torch.allclose(out[:, :s - far], x[:, :s - far], atol=1e-5)
    assert torch.allclose(out[:, e + far:], x[:, e + far:], atol=1e-5)
    assert not torch.allclose(out[:, s:e], x[:, s:e], atol=1e-3)
    # by default only what stands out of its sides is redrawn: here nothing does
    kept = api.repair_region(x, rate, s, e, (1000.0, 2000.0), steps=2, model=tiny)
    assert torch.allclose(kept, x, atol=1e-4)


def test_a_cancelled_repair_raises_from_progress_and_returns_nothing(tiny):
    class Stop(Exception):
        pass

    def progress(f, m):
        raise Stop()
    with pytest.raises(Stop):
        api.fill_gap_diffusion(_music(16000, 16000), 8000, 9000, 16000, steps=2, model=tiny,
                               progress=progress)


def test_model_files_round_trip_and_refuse_what_does_not_fit(tmp_path, tiny):
    api.save_restorer(tmp_path / "m", tiny.state_dict(), TINY)
    loaded = api.load_restorer(tmp_path / "m")
    x = torch.randn(1, 4096)
    sig = torch.tensor([1.0])
    d = Damage.none(1, 4096)
    d.gap[0, 100:200] = True
    y, miss = tiny.condition(x, d)
    # float16 weights: the same network up to that rounding
    assert torch.allclose(loaded(x, sig, y, miss, d), tiny(x, sig, y, miss, d), atol=5e-2)
    cfg = json.loads((tmp_path / "m.json").read_text())
    cfg["channels"] = [8, 32]
    (tmp_path / "bad.json").write_text(json.dumps(cfg))
    (tmp_path / "bad.safetensors").write_bytes((tmp_path / "m.safetensors").read_bytes())
    with pytest.raises(StudioError, match="bad"):
        api.load_restorer(tmp_path / "bad")
    cfg["channels"] = [4096, 4096]
    (tmp_path / "big.json").write_text(json.dumps(cfg))
    (tmp_path / "big.safetensors").write_bytes(b"\0" * 16)
    with pytest.raises(StudioError):
        api.load_restorer(tmp_path / "big")
    with pytest.raises(StudioError, match="needs both"):
        api.load_restorer(tmp_path / "missing")


def test_config_refuses_a_file_that_is_not_a_restorer():
    with pytest.raises(StudioError):
        RestorerConfig.from_json({"format": "studio-diffusion"})
    with pytest.raises(StudioError):
        RestorerConfig.from_json({**TINY.to_json(), "n_fft": 100, "hop": 30})
    assert RestorerConfig.from_json(json.loads(json.dumps(TINY.to_json()))) == TINY


def test_an_interrupted_training_run_resumes_exactly(tmp_path):
    import soundfile as sf
    from studio.models.restoration.train import RestorerTrainer
    data = tmp_path / "data"
    data.mkdir()
    for i in range(2):
        sf.write(data / f"c{i}.wav", _music(16000, 16000, seed=i)[0].numpy(), 16000)
    whole = RestorerTrainer(tmp_path / "a", data, cfg=TINY, batch=2)
    whole.run(steps=3)
    part = RestorerTrainer(tmp_path / "b", data, cfg=TINY, batch=2)
    part.run(steps=2)
    resumed = RestorerTrainer(tmp_path / "b", data, cfg=TINY, batch=2)
    assert resumed.state.step == 2
    resumed.run(steps=3)
    for k, v in whole.ema_weights().items():
        assert torch.equal(v, resumed.ema_weights()[k]), k
