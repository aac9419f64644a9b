"""The "Train on folder…" dialog: a recorded `studio train --json` stream drives the plot, the
progress and the demo list; a real `studio train` process (tiny config, 3 steps) finishes and
its model installs into the catalog; Stop (asked for by closing the dialog) sends SIGINT and
the run folder holds a state Resume can go on from; a failing process ends in one line."""
import json
import sys

import numpy as np
import pytest
import soundfile as sf
from PySide6.QtWidgets import QMessageBox

from studio.ui import _training_process
from studio.ui._training_files import inspect_run, scan_data_folder
from studio.ui._training_process import error_line, parse_line

RATE = 8000


def _clips(folder, seconds=0.5):
    """Two classes of decaying tones, written through libsndfile, plus noise that is no
    training data (a text file, a hidden folder)."""
    t = np.arange(int(RATE * seconds)) / RATE
    for cls, hz in (("kick", 60.0), ("hat", 2500.0)):
        (folder / cls).mkdir(parents=True)
        for i in range(3):
            x = 0.7 * np.sin(2 * np.pi * hz * (1 + 0.1 * i) * t) * np.exp(-8 * t)
            sf.write(folder / cls / f"{i}.wav", x.astype(np.float32), RATE)
    (folder / "kick" / "notes.txt").write_text("not audio")
    (folder / ".cache").mkdir()
    sf.write(folder / ".cache" / "x.wav", np.zeros(100, np.float32), RATE)
    return folder


def _recorded_stream(demo_dir):
    """What `studio train --json --demo-every 2` printed for a 4-step tiny run (losses and
    rates as recorded; demo paths moved under demo_dir), with a stray library line."""
    demo = {s: [str(demo_dir / f"step_{s:07d}" / f"{c}.wav") for c in ("hat", "kick")]
            for s in (2, 4)}
    events = [
        {"event": "loading", "fraction": 0.0, "message": "reading 0.wav"},
        {"event": "start", "step": 0, "steps": 4, "device": "cpu",
         "data": {"clips": 6, "seconds": 3.1, "sample_rate": 8000,
                  "per_class": {"hat": 3, "kick": 3}, "skipped": 0},
         "classes": ["hat", "kick"], "losses": []},
        {"event": "step", "step": 1, "loss": 0.67755, "steps_per_s": 0.26, "lr": 3e-06},
        {"event": "step", "step": 2, "loss": 1.05649, "steps_per_s": 0.704, "lr": 4.5e-06},
        {"event": "demo", "step": 2, "files": demo[2]},
        {"event": "step", "step": 3, "loss": 0.94201, "steps_per_s": 0.263, "lr": 6e-06},
        {"event": "step", "step": 4, "loss": 1.00683, "steps_per_s": 0.5, "lr": 7.5e-06},
        {"event": "demo", "step": 4, "files": demo[4]},
        {"event": "end", "step": 4, "stopped": False, "model": "/x/model.json"},
    ]
    lines = [json.dumps(e) for e in events]
    lines.insert(3, "UserWarning: something a library printed")
    return lines, demo


def _dialog(qtbot, **kw):
    from studio.ui.dialogs.train_dialog import TrainDialog
    d = TrainDialog(**kw)
    d.quiet = True
    qtbot.addWidget(d)
    d.show()
    return d


def test_folder_scan_counts_classes_as_the_trainer_will(tmp_path):
    scan = scan_data_folder(str(_clips(tmp_path / "data")))
    assert scan.per_class == {"hat": 3, "kick": 3} and not scan.truncated
    assert scan.text() == "6 files in 2 classes: hat (3), kick (3)"
    # bounded: the root's 3 entries, then hat/ (3 files) reach the limit before kick/
    small = scan_data_folder(str(tmp_path / "data"), limit=5)
    assert small.truncated and small.text() == "at least 3 files in 1 class: hat (3)"


def test_recorded_stream_drives_plot_progress_and_demos(qtbot, tmp_path):
    lines, demo = _recorded_stream(tmp_path / "demos")
    for files in demo.values():
        for f in files:
            (tmp_path / "demos").joinpath(f.split("/")[-2]).mkdir(parents=True, exist_ok=True)
            sf.write(f, np.zeros((400,), np.float32), RATE)
    d = _dialog(qtbot)
    assert parse_line(lines[3]) is None and parse_line("{not json") is None
    d.feed_line(lines[0])
    assert d.progress.maximum() == 1000 and "reading 0.wav" in d.stats.text()
    for line in lines[1:7]:  # up to and including step 3 (the stray line is skipped)
        d.feed_line(line)
    assert (d.progress.value(), d.progress.maximum()) == (3, 4)
    assert "6 clips" in d.status_text() and "2 classes" in d.status_text()
    for line in lines[7:]:
        d.feed_line(line)
    assert d.progress.value() == 4
    d.refresh_plot()
    losses = np.array([0.67755, 1.05649, 0.94201, 1.00683])
    x, y = d.plot.raw_curve.xData, d.plot.raw_curve.yData
    np.testing.assert_array_equal(x, [1, 2, 3, 4])
    np.testing.assert_allclose(y, losses)
    # the bold curve is the mean of everything so far (fewer than 50 steps)
    np.testing.assert_allclose(d.plot.mean_curve.yData, np.cumsum(losses) / np.arange(1, 5))
    assert d.plot.getPlotItem().ctrl.logYCheck.isChecked()
    # mean of the last 4 losses, the last rate, and 0 steps left
    assert d.stats.text().startswith(f"loss {losses.mean():.4f} · 0.50 steps/s · 0 s left")
    # demos: newest step on top, its first clip selected; Open hands the path to the window
    assert d.demos.count() == 4
    top = d.demos.tree.topLevelItem(0)
    assert top.text(0) == "step 4" and d.demos.selected() == demo[4][0]
    opened = []
    d.open_clip.connect(opened.append)
    assert d.demos.open_btn.isEnabled()
    d.demos.open_btn.click()
    assert opened == [demo[4][0]]
    # Play reads the clip through libsndfile and hands it to the clip player
    played = []
    d.player.play = lambda audio, rate: played.append((audio, rate)) or False
    d.demos.play_btn.click()
    assert played[0][1] == RATE and played[0][0].shape == (1, 400)
    assert d.status_text().startswith("No audio output")  # said when nothing can sound


def test_eta_is_steps_left_over_rate(qtbot):
    d = _dialog(qtbot)
    d.handle_event({"event": "start", "step": 100, "steps": 1000, "device": "cpu", "data": {},
                    "classes": [], "losses": [0.5] * 100})
    d.handle_event({"event": "step", "step": 101, "loss": 0.25, "steps_per_s": 1.5})
    # 899 steps at 1.5 steps/s = 599 s = 10 min; a resumed run's past losses are plotted
    assert "10 min left" in d.stats.text()
    d.refresh_plot()
    assert d.plot.raw_curve.xData[0] == 1 and d.plot.raw_curve.xData[-1] == 101


def test_a_failing_process_ends_in_one_line(qtbot, tmp_path, monkeypatch):
    assert error_line("Traceback...\nstudio: no audio files under /x\n", 1) == \
        "no audio files under /x"
    assert error_line("", 3) == "the training process exited with code 3"
    # a stand-in for `studio train` that warns, then fails the way the CLI does
    script = ("import sys; print('{\"event\": \"loading\", \"fraction\": 0.0, "
              "\"message\": \"x\"}', flush=True); sys.stderr.write('a warning\\n"
              "studio: training data folder /nowhere does not exist\\n'); sys.exit(1)")
    monkeypatch.setattr(_training_process, "studio_command",
                        lambda args: (sys.executable, ["-c", script]))
    data = tmp_path / "data"
    data.mkdir()
    sf.write(data / "a.wav", np.zeros(800, np.float32), RATE)  # a folder Start accepts
    d = _dialog(qtbot)
    d.set_folders(str(data), str(tmp_path / "run"))
    with qtbot.waitSignal(d.process.ended, timeout=20000) as sig:
        assert d.start()
    assert sig.args == ["failed", "training data folder /nowhere does not exist"]
    assert d.status_text() == "training data folder /nowhere does not exist"
    assert d.start_btn.isEnabled() and not d.stop_btn.isEnabled()


def _configure(d, data, run, steps):
    d.set_folders(str(data), str(run))
    d.size.setCurrentText("tiny")
    d.steps.setValue(steps)
    d.batch.setValue(2)
    d.rate.setValue(RATE)
    d.seconds.setValue(0.5)
    d.demo_every.setValue(0)


def test_real_run_finishes_and_installs(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    data = _clips(tmp_path / "data")
    d = _dialog(qtbot)
    _configure(d, data, tmp_path / "run", steps=3)
    assert "2 classes" in d.classes_label.text() and d.run_label.text() == "a new run"
    assert d.start_btn.isEnabled() and not d.resume_btn.isEnabled()
    assert d.options(False).argv()[:2] == ["train", "--json"]
    assert "--pitch" not in d.options(False).argv()
    d.pitch.setChecked(True)
    assert d.options(False).argv()[-1] == "--pitch"
    assert d.start()
    qtbot.waitUntil(lambda: d.outcome != "running", timeout=120000)
    assert d.outcome == "done", d.status_text()
    assert d.steps_seen == [1, 2, 3] and all(np.isfinite(d.losses))
    assert d.progress.value() == 3 and d.status_text().startswith("Finished at step 3")
    assert inspect_run(str(tmp_path / "run")).step == 3
    assert d.install_btn.isEnabled()
    # the run's loss history is plotted by a dialog opened later on the same run folder
    again = _dialog(qtbot)
    assert again.plot.empty_label.isVisible()
    again.set_folders(str(data), str(tmp_path / "run"))
    np.testing.assert_allclose(again.plot.raw_curve.yData, d.losses, rtol=1e-4)
    np.testing.assert_array_equal(again.plot.raw_curve.xData, [1, 2, 3])
    assert not again.plot.empty_label.isVisible()
    installed = []
    d.model_installed.connect(installed.append)
    d.install("mytiny")
    assert installed == ["mytiny"]
    from studio.models.diffusion import catalog
    assert "mytiny" in [name for name, _ in catalog.list_models()]
    from studio.engine import params as P
    from studio.ui.forms import editor_for
    combo = editor_for(P.Model("model", default="", family="diffusion")).widget
    assert "mytiny" in [combo.itemText(i) for i in range(combo.count())]


def test_closing_while_training_asks_and_stop_saves_a_resumable_run(qtbot, tmp_path,
                                                                    monkeypatch):
    data = _clips(tmp_path / "data")
    run = tmp_path / "run"
    d = _dialog(qtbot)
    _configure(d, data, run, steps=5000)
    assert d.start()
    qtbot.waitUntil(lambda: len(d.steps_seen) >= 1, timeout=120000)
    assert d.stop_btn.isEnabled() and not d.start_btn.isEnabled()
    # closing asks; the answer "Stop training" sends SIGINT and the trainer saves
    asked = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: asked.append(box.text()))
    monkeypatch.setattr(QMessageBox, "clickedButton", lambda box: next(
        b for b in box.buttons() if b.text() == "Stop training"))
    d.quiet = False
    d.close()
    assert asked and "Stop the training" in asked[0]
    qtbot.waitUntil(lambda: d.outcome != "running", timeout=60000)
    assert d.outcome == "stopped", d.status_text()
    saved = inspect_run(str(run))
    assert saved is not None and 1 <= saved.step < 5000 and saved.steps == 5000
    assert (run / "train_state.safetensors").exists() and (run / "model.safetensors").exists()
    assert "Resume goes on" in d.status_text() and "--resume" in d.status_text()
    assert d.resume_btn.isEnabled() and not d.start_btn.isEnabled()
    assert not d.size.isEnabled()  # a resumed run keeps its architecture
    assert d.options(True).argv()[-1] == "--resume"
    assert not d.pitch.isEnabled() and not d.pitch.isChecked()  # the run's own, without pitch


_FAKE_TRAINER = """
import json, signal, sys, time
out = sys.argv[1]
def save(*_):
    open(out, "w").write("saved")
    print(json.dumps({"event": "end", "step": 1, "stopped": True, "model": ""}), flush=True)
    sys.exit(0)
signal.signal(signal.SIGINT, save)
print(json.dumps({"event": "start", "step": 0, "steps": 9, "device": "cpu", "data": {},
                  "classes": [], "losses": []}), flush=True)
while True:
    time.sleep(0.05)
"""


def test_quitting_the_app_lets_the_trainer_save(window, qtbot, tmp_path, monkeypatch):
    """A stand-in trainer that saves on SIGINT: the dialog's shutdown (which the window's
    shutdown calls) stops it that way and waits for it."""
    marker = tmp_path / "saved"
    monkeypatch.setattr(_training_process, "studio_command", lambda args: (
        sys.executable, ["-c", _FAKE_TRAINER, str(marker)]))
    data = tmp_path / "data"
    data.mkdir()
    d = window.actions_.train_dialog()
    try:
        assert d.isVisible() and d.tasks is window.tasks
        assert window.actions_.train_dialog() is d  # one per window
        d.set_folders(str(data), str(tmp_path / "run"))
        qtbot.waitUntil(lambda: d.scan is not None, timeout=20000)  # on the io lane
        assert d.classes_label.text().startswith("Found no audio files in this folder")
        assert not d.start_btn.isEnabled()  # nothing to train on
        d.start()
        qtbot.waitUntil(lambda: d.total_steps == 9, timeout=20000)
        d.shutdown()
        assert marker.read_text() == "saved" and not d.process.running()
        # Install copies on the window's io lane (the files' content is the catalog's
        # business; a copy is a copy)
        monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
        (tmp_path / "run").mkdir()
        (tmp_path / "run" / "model.json").write_text("{}")
        (tmp_path / "run" / "model.safetensors").write_bytes(b"weights")
        d._update_buttons()
        assert d.install_btn.isEnabled()
        with qtbot.waitSignal(d.model_installed, timeout=20000) as sig:
            d.install("copied")
        assert sig.args == ["copied"]
        dest = tmp_path / "xdg" / "audio-diffusion-studio" / "models"
        assert (dest / "copied.safetensors").read_bytes() == b"weights"
    finally:
        window.train_dialog = None
        d.close()
        d.deleteLater()


def test_a_run_folder_fills_in_what_the_run_was_started_with(qtbot, tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    (run / "train_state.json").write_text(json.dumps({
        "step": 120, "train": {"steps": 700, "batch": 8, "demo_every": 50},
        "model": {"size": "tiny", "audio": {"sample_rate": 22050, "length": 33075,
                                            "classes": ["a", "b", "c"]}}}))
    data = _clips(tmp_path / "data")
    d = _dialog(qtbot, tasks=None)
    d.set_folders(str(data), str(run))
    assert (d.size.currentText(), d.rate.value(), d.seconds.value()) == ("tiny", 22050, 1.5)
    assert (d.steps.value(), d.batch.value(), d.demo_every.value()) == (700, 8, 50)
    assert d.run_label.text().startswith("holds a tiny run at step 120 of 700")
    assert d.resume_btn.isEnabled() and not d.start_btn.isEnabled()
    assert not d.install_btn.isEnabled()  # no model.safetensors yet


def test_clip_player_feeds_the_transports_pull_device(qtbot):
    """What a sink would pull for a demo clip: its samples, in order, as float32 frames
    (no audio hardware needed to check the data path)."""
    from PySide6.QtCore import QIODevice
    from studio.ui._clip_player import _ArraySource
    from studio.ui.playback import PullDevice
    x = np.linspace(-1, 1, 1000, dtype=np.float32)[None]
    dev = PullDevice(2)
    dev.source, dev.channels, dev.pos, dev.end = _ArraySource(x), [0], 0, 1000
    dev.open(QIODevice.ReadOnly)
    got = np.frombuffer(bytes(dev.readData(8 * 600)), np.float32).reshape(-1, 2)
    rest = np.frombuffer(bytes(dev.readData(8 * 600)), np.float32).reshape(-1, 2)
    both = np.vstack([got, rest])
    np.testing.assert_array_equal(both[:, 0], x[0])  # mono to both output channels
    np.testing.assert_array_equal(both[:, 1], x[0])
    assert dev.readData(8) in (b"", bytes())  # the end


def test_folder_layout_is_explained_and_the_chosen_folder_checked(qtbot, tmp_path):
    d = _dialog(qtbot)
    help_text = d.folder_help.text()
    assert d.folder_help.isVisible() and "one sub-folder per class" in help_text
    assert "├── kick/" in help_text and "<pre>" in help_text  # an example tree
    data = _clips(tmp_path / "data")
    d.set_folders(str(data), str(tmp_path / "run"))
    text = d.classes_label.text()
    assert text.startswith("Found 6 files in 2 classes: hat (3), kick (3)")
    assert "few clips in hat, kick" in text  # 3 clips a class will not train a class
    assert d.start_btn.isEnabled()
    flat = tmp_path / "flat"
    flat.mkdir()
    sf.write(flat / "a.wav", np.zeros(800, np.float32), RATE)
    d.set_folders(str(flat))
    assert "no sub-folders: the model learns without classes" in d.classes_label.text()
    empty = tmp_path / "empty"
    empty.mkdir()
    d.set_folders(str(empty))
    assert "no audio files" in d.classes_label.text() and not d.start_btn.isEnabled()


def test_the_loss_plot_shows_the_first_step_and_says_why_it_is_empty(qtbot):
    d = _dialog(qtbot)
    d.refresh_plot()
    assert d.plot.empty_label.isVisible() and "first step" in d.plot.empty_label.text()
    d.handle_event({"event": "start", "step": 0, "steps": 10, "device": "cpu", "data": {},
                    "classes": [], "losses": []})
    d.handle_event({"event": "step", "step": 1, "loss": 0.8, "steps_per_s": 1.0})
    d.refresh_plot()
    assert not d.plot.empty_label.isVisible()
    # one step is one dot (a line through one point draws nothing), inside the log view
    assert d.plot.point_count() == 1 and d.plot.raw_curve.opts["symbol"] == "o"
    def shows(x, loss):  # the view auto-ranges when it paints next
        (x0, x1), (y0, y1) = d.plot.getViewBox().viewRange()
        return x0 <= x <= x1 and y0 <= np.log10(loss) <= y1
    qtbot.waitUntil(lambda: shows(1, 0.8), timeout=5000)
    d.handle_event({"event": "step", "step": 2, "loss": float("nan"), "steps_per_s": 1.0})
    d.handle_event({"event": "step", "step": 3, "loss": 0.5, "steps_per_s": 1.0})
    d.refresh_plot()
    assert d.plot.point_count() == 2  # the NaN step is left out; the axis keeps a range
    qtbot.waitUntil(lambda: shows(3, 0.5) and shows(1, 0.8), timeout=5000)
    assert np.isfinite(d.plot.getViewBox().viewRange()).all()
