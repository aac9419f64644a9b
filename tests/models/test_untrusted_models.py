"""Crafted model and preset files: a config is checked against bounds and the weights' header
before anything is built, so a 5 KB JSON cannot allocate gigabytes, divide by zero or recurse,
a damaged safetensors file is one line (never "SafetensorError"), and a zero or NaN scale is
refused instead of rendering silence."""
from __future__ import annotations

import errno
import json
import resource
import shutil

import pytest
import torch

from studio import paths
from studio.dsp.voice.timbre_model import TimbreModel
from studio.errors import StudioError
from studio.models.diffusion import checkpoint as ckpt
from studio.models.diffusion.config import config_for
from studio.models.diffusion.edm import Denoiser


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    folder = tmp_path_factory.mktemp("model")
    cfg = config_for("tiny", 8000, 0.25, ("a", "b"))
    torch.manual_seed(0)
    st, js = ckpt.save_model(folder / "m", Denoiser(cfg).state_dict(), cfg)
    return st, js


def _crafted(tmp_path, tiny_model, mutate=None, text=None, weights=None):
    st, js = tiny_model
    d = json.loads(js.read_text())
    if mutate:
        mutate(d)
    (tmp_path / "m.json").write_text(text if text is not None else json.dumps(d))
    (tmp_path / "m.safetensors").write_bytes(weights if weights is not None else st.read_bytes())
    return tmp_path / "m.json"


def test_the_genuine_tiny_model_loads(tiny_model):
    assert isinstance(ckpt.load_model(tiny_model[1]), Denoiser)


def test_a_config_asking_for_a_giant_network_is_refused_before_building(tmp_path, tiny_model):
    path = _crafted(tmp_path, tiny_model, lambda d: d["network"].update(channels=[2048] * 4))
    assert path.stat().st_size < 5000
    before = _rss_mib()
    with pytest.raises(StudioError, match="channels entry is 2048"):
        ckpt.load_model(path)
    # each field within bounds, together too big: counted on torch's meta device
    path = _crafted(tmp_path, tiny_model, lambda d: d["network"].update(channels=[1024] * 4,
                                                                         emb=2048, heads=4))
    with pytest.raises(StudioError, match="describes more than 200000000 weights"):
        ckpt.load_model(path)
    # within bounds but not what the weights hold: compared on shapes, nothing allocated
    path = _crafted(tmp_path, tiny_model, lambda d: d["network"].update(channels=[32, 32, 48, 64]))
    with pytest.raises(StudioError, match="does not match its config"):
        ckpt.load_model(path)
    assert _rss_mib() - before < 200  # a real build of that would take gigabytes


@pytest.mark.parametrize("field,value,words", [
    ("patch", 0, "patch is 0"), ("heads", 0, "heads is 0"), ("factors", [0, 4, 4], "factors"),
    ("channels", [], "channels must be"), ("blocks", True, "blocks is True"),
    ("channels", [[16]], "channels entry"), ("kind", "lstm", "unknown network kind"),
])
def test_network_fields_out_of_bounds_are_one_line(tmp_path, tiny_model, field, value, words):
    path = _crafted(tmp_path, tiny_model, lambda d: d["network"].update({field: value}))
    with pytest.raises(StudioError, match=words):
        ckpt.load_model(path)


def test_nan_deep_nesting_and_damaged_weights_are_one_line(tmp_path, tiny_model):
    text = json.dumps(json.loads(tiny_model[1].read_text())).replace('"sigma_data": 0.2', '"sigma_data": NaN')
    with pytest.raises(StudioError, match="NaN is not a number JSON allows"):
        ckpt.load_model(_crafted(tmp_path, tiny_model, text=text))
    with pytest.raises(StudioError, match="nested too deeply"):
        ckpt.load_model(_crafted(tmp_path, tiny_model, text="[" * 100_000 + "]" * 100_000))
    raw = tiny_model[0].read_bytes()
    for damaged in (raw[:len(raw) // 2], b"\xff" * 8 + raw[8:], b"\x00" * 100):
        with pytest.raises(StudioError) as e:
            ckpt.load_model(_crafted(tmp_path, tiny_model, weights=damaged))
        assert "SafetensorError" not in str(e.value) and "\n" not in str(e.value)


def test_nan_weights_are_refused(tmp_path, tiny_model):
    cfg_path = _crafted(tmp_path, tiny_model)
    weights = ckpt.load_tensors(tmp_path / "m.safetensors")
    name = next(iter(weights))
    weights[name] = torch.full_like(weights[name], float("nan"))
    ckpt.save_tensors(tmp_path / "m.safetensors", weights)
    with pytest.raises(StudioError, match="NaN or infinite weights"):
        ckpt.load_model(cfg_path)


@pytest.fixture
def cello(tmp_path):
    src = paths.resource("presets", "timbre")
    for suffix in (".json", ".safetensors"):
        shutil.copyfile(src / f"cello{suffix}", tmp_path / f"p{suffix}")
    return tmp_path / "p.json"


def _edit(path, **changes):
    d = json.loads(path.read_text())
    d.update(changes)
    path.write_text(json.dumps(d))


def test_the_bundled_preset_loads(cello):
    assert TimbreModel.load(cello).n_harmonics == 60


@pytest.mark.parametrize("changes,words", [
    ({"hidden": 20000}, "hidden is 20000"),
    ({"pitch_scale": 0}, "pitch_scale is 0"),
    ({"loudness_scale": -3.0}, "loudness_scale"),
    ({"n_bands": 0}, "n_bands is 0"),
    ({"noise_band_edges": [0, 100]}, "noise_band_edges must be 17"),
    ({"pitch_range": [80, 20]}, "pitch_range must be"),
    ({"hidden": 32}, "does not match its config"),
])
def test_preset_configs_out_of_bounds_are_one_line(cello, changes, words):
    _edit(cello, **changes)
    before = _rss_mib()
    with pytest.raises(StudioError, match=words) as e:
        TimbreModel.load(cello)
    assert str(e.value).startswith("timbre preset 'p'") and "\n" not in str(e.value)
    assert _rss_mib() - before < 100


def test_preset_with_nan_scale_or_damaged_weights_is_refused(cello):
    cello.write_text(cello.read_text().replace('"pitch_scale": ', '"pitch_scale": NaN, "x": '))
    with pytest.raises(StudioError, match="NaN is not a number JSON allows"):
        TimbreModel.load(cello)
    st = cello.with_suffix(".safetensors")
    raw = st.read_bytes()
    for damaged in (raw[:100], raw[:len(raw) - 10], b"junk" * 50):
        st.write_bytes(damaged)
        with pytest.raises(StudioError) as e:
            TimbreModel.load(cello)
        assert "SafetensorError" not in str(e.value) and "\n" not in str(e.value)


def test_saving_a_preset_onto_a_full_disk_keeps_the_old_one(cello, monkeypatch):
    model = TimbreModel.load(cello)
    before = {p.name: p.read_bytes() for p in cello.parent.iterdir()}

    def disk_full(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr("studio.io.atomic._fsync_file", disk_full)
    with pytest.raises(StudioError, match="no space left on the disk"):
        model.save(cello)
    assert {p.name: p.read_bytes() for p in cello.parent.iterdir()} == before


def test_installing_a_model_is_atomic_and_leaves_no_temporary_file(tmp_path, tiny_model, monkeypatch):
    from studio.models.diffusion import catalog
    run = tmp_path / "run"
    run.mkdir()
    for src, name in zip(tiny_model, ("model.safetensors", "model.json")):
        shutil.copyfile(src, run / name)
    js = catalog.install(run, "mine")
    assert js.read_bytes() == tiny_model[1].read_bytes()
    assert [p.name for p in js.parent.iterdir() if p.name.startswith(".")] == []
    before = js.read_bytes()

    def disk_full(path):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr("studio.io.atomic._fsync_file", disk_full)
    with pytest.raises(StudioError, match="no space left on the disk"):
        catalog.install(run, "mine")
    assert js.read_bytes() == before
    assert [p.name for p in js.parent.iterdir() if p.name.startswith(".")] == []
