"""`studio train` end to end on a tiny config: files through libsndfile, a model and demo
clips written, --resume going on, and one clear line for mistakes."""
import json

import numpy as np
import soundfile as sf

from studio.cli.main import main
from studio.models.diffusion.checkpoint import load_model


def _folder(tmp_path):
    data = tmp_path / "samples"
    for cls, f in (("low", 150), ("high", 900)):
        (data / cls).mkdir(parents=True)
        for k in range(3):
            t = np.arange(6000) / 12000
            sf.write(data / cls / f"{k}.flac", 0.5 * np.sin(2 * np.pi * f * t) * np.exp(-4 * t),
                     12000)
    return data


def _args(data, out, steps, *extra):
    return ["train", "--data", str(data), "--out", str(out), "--config", "tiny",
            "--steps", str(steps), "--batch", "2", "--rate", "8000", "--seconds", "0.25",
            "--checkpoint-every", "2", "--demo-every", "2", *extra]


def test_train_writes_a_model_and_resumes(tmp_path, capsys):
    data, out = _folder(tmp_path), tmp_path / "run"
    assert main(_args(data, out, 2, "--json")) == 0
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    kinds = [e["event"] for e in events]
    assert kinds[0] == "loading" and "start" in kinds and kinds[-1] == "end"
    assert [e["step"] for e in events if e["event"] == "step"] == [1, 2]
    start = next(e for e in events if e["event"] == "start")
    assert start["classes"] == ["high", "low"] and start["data"]["clips"] == 6
    demos = next(e for e in events if e["event"] == "demo")["files"]
    assert sorted(p.rsplit("/", 1)[1] for p in demos) == ["high.wav", "low.wav"]
    audio, rate = sf.read(demos[0])
    assert rate == 8000 and len(audio) == load_model(out / "model").cfg.audio.length

    assert main(_args(data, out, 4, "--json")) == 1  # a run is there: no silent overwrite
    assert "--resume" in capsys.readouterr().err
    assert main(_args(data, out, 4, "--json", "--resume")) == 0
    steps = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [e["step"] for e in steps if e["event"] == "step"] == [3, 4]
    model = load_model(out / "model.json")
    assert model.cfg.training["steps"] == 4 and model.cfg.training["data"]["clips"] == 6


def test_train_refuses_a_folder_without_audio(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(_args(tmp_path / "empty", tmp_path / "run", 1)) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no audio files" in err[0]


def test_class_weights_reach_the_run_and_bad_ones_are_one_line(tmp_path, capsys):
    data = _folder(tmp_path)
    assert main(_args(data, tmp_path / "run", 2, "--class-weight", "high=2.5")) == 0
    state = json.loads((tmp_path / "run" / "train_state.json").read_text())
    assert state["train"]["class_weights"] == [["high", 2.5]]
    capsys.readouterr()
    for bad in ("loud=2", "high=lots"):
        assert main(_args(data, tmp_path / f"run-{bad}", 2, "--class-weight", bad)) == 1
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "class weight" in err[0], err
