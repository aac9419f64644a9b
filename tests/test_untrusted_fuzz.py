"""Fuzzing what a user may be handed: WAV headers, damaged FLAC streams, session manifests,
diffusion model configs and timbre presets. Every outcome is either a clean result or one
`studio:` line (StudioError), never another exception; and the test process's peak RSS grows
by less than RSS_BOUND_MIB over all examples (a file claiming gigabytes must not get them).
Bounded: a fixed number of examples each, a few seconds in all, no deadline per example."""
from __future__ import annotations

import functools
import io
import json
import resource
import struct
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studio import paths
from studio.cli.main import main
from studio.core.document import Document
from studio.core.session import load_session, save_session
from studio.errors import StudioError

RSS_BOUND_MIB = 300
FUZZ = settings(max_examples=30, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.fixture(scope="module", autouse=True)
def rss_bound():
    # the libraries and seed files first: the bound is on what the fuzzed files cost
    import studio.dsp.voice.timbre_model  # noqa: F401 - torch and the loaders, loaded once
    import studio.models.diffusion.checkpoint  # noqa: F401
    _session_parts(), _tiny_model(), _cello(), _flac_bytes()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    yield
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - before
    assert grown < RSS_BOUND_MIB, f"peak RSS grew by {grown:.0f} MiB while fuzzing"


def _cli_outcome(capsys, argv) -> None:
    """A clean result, or exactly one `studio:` line and exit 1."""
    try:
        rc = main([str(a) for a in argv])
    except SystemExit as e:
        rc = e.code
    err = capsys.readouterr().err
    assert "internal error" not in err and "Traceback" not in err, err
    if rc:
        lines = err.strip().splitlines()
        assert rc == 1 and len(lines) == 1 and lines[0].startswith("studio: "), err


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12)


@FUZZ
@given(tag=st.sampled_from([1, 3, 0xFFFE, 0, 85, 0x1234]), channels=st.integers(0, 0xFFFF),
       rate=st.integers(0, 0xFFFFFFFF), bits=st.integers(0, 0xFFFF),
       block=st.integers(0, 0xFFFF), claim=st.integers(0, 0xFFFFFFFF),
       payload=st.binary(max_size=3000), cut=st.integers(0, 200))
def test_wav_headers(tmp_path, capsys, tag, channels, rate, bits, block, claim, payload, cut):
    fmt = struct.pack("<HHIIHH", tag, channels, rate, (rate * max(block, 1)) & 0xFFFFFFFF, block, bits)
    body = b"WAVEfmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", claim) + payload
    data = b"RIFF" + struct.pack("<I", len(body)) + body
    path = tmp_path / "f.wav"
    path.write_bytes(data[:len(data) - cut] if cut < len(data) else data)
    _cli_outcome(capsys, ["info", path])
    _cli_outcome(capsys, ["convert", path, tmp_path / "o.wav"])


@functools.lru_cache(maxsize=1)
def _flac_bytes() -> bytes:
    """A genuine FLAC stream to damage (not a fixture: hypothesis would print it)."""
    buf = io.BytesIO()
    x = (np.random.default_rng(0).standard_normal((20000, 2)) * 0.1).astype(np.float32)
    sf.write(buf, x, 16000, format="FLAC", subtype="PCM_16")
    return buf.getvalue()


@FUZZ
@given(edits=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)), max_size=20),
       keep=st.floats(0.05, 1.0))
def test_damaged_flac(tmp_path, capsys, edits, keep):
    data = bytearray(_flac_bytes())
    for where, value in edits:
        data[int(where * (len(data) - 1))] = value
    path = tmp_path / "f.flac"
    path.write_bytes(bytes(data[:max(1, int(len(data) * keep))]))
    _cli_outcome(capsys, ["info", path])
    _cli_outcome(capsys, ["convert", path, tmp_path / "o.flac"])


@functools.lru_cache(maxsize=1)
def _session_parts() -> dict:
    """The members of a genuine session (cached, not a fixture: hypothesis would print it)."""
    path = Path(tempfile.mkdtemp()) / "s.adsession"
    doc = Document.from_array(np.random.default_rng(1).standard_normal((2, 5000)).astype(np.float32), 8000)
    doc.extensions = {"x": np.arange(3.0)}
    save_session(doc, path)
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


MANIFEST_PATHS = [("audio", "frames"), ("audio", "sample_rate"), ("audio", "channels"),
                  ("audio", "channel_names"), ("audio", "pool"), ("audio", "pool", "lengths"),
                  ("audio", "pool", "zero"), ("audio", "pool", "member"), ("audio", "pool", "external"),
                  ("audio", "pool", "files"), ("selection",), ("takes",), ("history",),
                  ("source",), ("extensions",), ("version",), ("audio",)]


def _set(d, keys, value):
    for k in keys[:-1]:
        d = d.setdefault(k, {}) if isinstance(d, dict) else d
    if isinstance(d, dict):
        d[keys[-1]] = value


@FUZZ
@given(changes=st.lists(st.tuples(st.sampled_from(MANIFEST_PATHS), json_values), min_size=1, max_size=3))
def test_session_manifests(tmp_path, changes):
    session_parts = _session_parts()
    manifest = json.loads(session_parts["manifest.json"])
    for keys, value in changes:
        _set(manifest, keys, value)
    path = tmp_path / "f.adsession"
    with zipfile.ZipFile(path, "w") as z:
        for name, data in session_parts.items():
            z.writestr(name, json.dumps(manifest) if name == "manifest.json" else data)
    try:
        doc = load_session(path)
    except StudioError as e:
        assert "\n" not in str(e)
    else:
        assert doc.state.n_frames * doc.state.n_channels <= (1 << 31)


@functools.lru_cache(maxsize=1)
def _tiny_model():
    import torch

    from studio.models.diffusion import checkpoint as ckpt
    from studio.models.diffusion.config import config_for
    from studio.models.diffusion.edm import Denoiser
    cfg = config_for("tiny", 8000, 0.25, ("a", "b"))
    torch.manual_seed(0)
    st_path, js = ckpt.save_model(Path(tempfile.mkdtemp()) / "m", Denoiser(cfg).state_dict(), cfg)
    return st_path.read_bytes(), json.loads(js.read_text())


@FUZZ
@given(section=st.sampled_from(["network", "diffusion", "audio"]), key=st.sampled_from(
    ["patch", "channels", "factors", "blocks", "attention", "heads", "emb", "kind", "sigma_min",
     "sigma_max", "sigma_data", "rho", "sample_rate", "length", "classes", "n_fft", "hop"]),
       value=json_values)
def test_model_configs(tmp_path, section, key, value):
    from studio.models.diffusion import checkpoint as ckpt
    weights, config = _tiny_model()
    config = json.loads(json.dumps(config))
    config[section][key] = value
    (tmp_path / "m.json").write_text(json.dumps(config))
    (tmp_path / "m.safetensors").write_bytes(weights)
    try:
        ckpt.load_model(tmp_path / "m.json")
    except StudioError as e:
        assert "\n" not in str(e)


@functools.lru_cache(maxsize=1)
def _cello():
    folder = paths.resource("presets", "timbre")
    return json.loads((folder / "cello.json").read_text()), (folder / "cello.safetensors").read_bytes()


@FUZZ
@given(key=st.sampled_from(["n_harmonics", "n_bands", "hidden", "sample_rate", "pitch_mean",
                            "pitch_scale", "loudness_mean", "loudness_scale", "pitch_range",
                            "loudness_range", "noise_band_edges", "note_shape_db", "format"]),
       value=json_values | st.floats(-1e6, 1e6))
def test_timbre_presets(tmp_path, key, value):
    import torch

    from studio.dsp.voice.timbre_model import TimbreModel
    config, weights = _cello()
    config = dict(config, **{key: value})
    (tmp_path / "p.json").write_text(json.dumps(config))
    (tmp_path / "p.safetensors").write_bytes(weights)
    try:
        model = TimbreModel.load(tmp_path / "p.json")
    except StudioError as e:
        assert "\n" not in str(e)
        return
    harm, noise = model.predict(torch.tensor([40.0, 60.0]), torch.tensor([-30.0, -20.0]))
    assert torch.isfinite(harm).all() and torch.isfinite(noise).all()  # never a silent preset


def test_the_fuzzed_families_start_from_files_that_work(tmp_path, capsys):
    """The seeds are genuine: unmutated, every family gives a clean result."""
    (tmp_path / "x.flac").write_bytes(_flac_bytes())
    assert main(["info", str(tmp_path / "x.flac")]) == 0
    path = tmp_path / "s.adsession"
    with zipfile.ZipFile(path, "w") as z:
        for name, data in _session_parts().items():
            z.writestr(name, data)
    assert load_session(path).state.n_frames == 5000
    capsys.readouterr()
