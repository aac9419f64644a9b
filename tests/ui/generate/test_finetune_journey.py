"""A musician fine-tunes a controls model on their own folder in the window: Train on folder…
offers the installed controls model under "Start from", fixes what the model fixes (its size,
rate, clip length, pitch), says which of the folder's classes are new, runs `studio train
--init-from` as a real process, installs the result, and Generate clip then offers the new
class and puts its clip in the bin."""
import numpy as np
import soundfile as sf
import torch

from studio.models.controls.spec import DEFAULT, SILENT
from studio.models.controls.train import config_for
from studio.models.diffusion import catalog
from studio.models.diffusion import checkpoint as ckpt
from studio.models.diffusion.edm import Denoiser
from studio.ui._training_files import inspect_run

RATE = 16000
FRAMES = 64      # the base model's clips: 0.64 s


def _base_model(path) -> None:
    """A tiny controls model of classes a and b at 16 kHz, saved as an installed model."""
    audio = torch.full((4, DEFAULT.features, FRAMES), SILENT)
    audio[:, 1] = 0.5
    cfg = config_for("ctl-tiny", DEFAULT, FRAMES, RATE, ("a", "b"), audio)
    cfg = cfg.with_training(steps=100)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        den = Denoiser(cfg)
    ckpt.save_model(path, den.state_dict(), cfg)


def _folder(root):
    """marimba (new to the model) and a (known): decaying harmonic tones, through
    libsndfile."""
    t = np.arange(int(0.5 * RATE)) / RATE
    for cls, hz in (("marimba", 523.25), ("a", 220.0)):
        (root / cls).mkdir(parents=True)
        for i in range(3):
            f = hz * 2 ** (i / 12)
            x = sum(0.3 / k * np.sin(2 * np.pi * k * f * t) for k in (1, 2, 4)) * np.exp(-6 * t)
            sf.write(root / cls / f"{cls}{i}.wav", x.astype(np.float32), RATE)
    return root


def test_fine_tune_a_controls_model_on_a_folder_then_generate_its_new_class(
        window, qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    catalog.user_dir().mkdir(parents=True)
    _base_model(catalog.user_dir() / "mybase")
    data = _folder(tmp_path / "samples")
    w = window
    w.actions_.all["train"].trigger()
    d = w.train_dialog
    d.quiet = True
    assert "mybase (fine-tune)" in [d.start_from.itemText(i) for i in
                                    range(d.start_from.count())]
    d.set_folders(str(data), str(tmp_path / "run"))
    qtbot.waitUntil(lambda: d.classes_label.text().startswith("Found"), timeout=20000)

    d.start_from.setCurrentIndex(d.start_from.findData("mybase"))
    # what the base fixes is shown and greyed out
    assert d.size.currentText() == "ctl-tiny" and not d.size.isEnabled()
    assert d.rate.value() == RATE and not d.rate.isEnabled()
    assert d.seconds.value() == FRAMES / 100 and not d.seconds.isEnabled()
    assert d.pitch.isChecked() and not d.pitch.isEnabled()
    kind = d.kind_label.text()
    assert kind.startswith("Fine-tunes mybase (2 classes, 16000 Hz, 0.64 s)"), kind
    assert "new classes from the folder: marimba" in kind and "trained further: a" in kind
    assert d.steps.value() == 2000  # a fine-tune's suggested length, not a new model's
    argv = d.options(False).argv()
    assert argv[argv.index("--init-from") + 1] == "mybase"

    d.steps.setValue(3)
    d.batch.setValue(2)
    d.demo_every.setValue(0)
    assert d.start()
    qtbot.waitUntil(lambda: d.outcome != "running", timeout=180000)
    assert d.outcome == "done", d.status_text()
    assert d.steps_seen == [1, 2, 3]     # the fine-tune counts its own steps
    run = inspect_run(str(tmp_path / "run"))
    assert run.fine_tuned_from == "mybase" and run.classes == ["a", "b", "marimba"]
    assert run.seconds == FRAMES / 100
    # the saved run shows what it started from, fixed
    assert d.start_from.currentData() == "mybase" and not d.start_from.isEnabled()
    d.install("mine")
    qtbot.waitUntil(lambda: "Installed model 'mine'" in d.status_text(), timeout=20000)
    d.close()

    # Generate clip offers the fine-tuned model and its new class
    w.actions_.all["generate.sample"].trigger()
    form = w.operations.form
    form.set_values({"model": "mine"})
    qtbot.waitUntil(lambda: form.editors["class"].items() == ["(none)", "a", "b", "marimba"],
                    timeout=10000)
    form.editors["class"].combo.setCurrentText("marimba")
    form.set_values({"pitch": "C5", "duration": 0.4, "steps": 4, "sampler": "dpmpp_2m",
                     "seed": 2, "count": 1})
    before = len(w.clip_bin.entries())
    w.operations.generate_btn.click()
    qtbot.waitUntil(lambda: len(w.clip_bin.entries()) == before + 1, timeout=120000)
    clip = w.clip_bin.entries()[-1]
    assert clip.name == "sample marimba seed 2 C5" and clip.rate == RATE
    assert np.isfinite(clip.audio).all()
