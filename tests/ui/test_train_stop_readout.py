"""Bug 11 of issue 18: after Stop the training dialog still said "12 / 200 steps · 74 s
left", and Clip length went from 1.50 s to 1.54 s by itself (the run's length is a whole
number of the network's strides, 1.536 s, read back from the saved run). The field shows
the length the trainer will use before the run starts, and Stop ends the time left."""
import json
import sys

from studio.models.diffusion.config import config_for
from studio.ui import _training_process

# a stand-in `studio train --json`: 12 steps at 2.5 steps/s, then on SIGINT it saves the run
# as the trainer does (train_state.json with the config's length) and says it stopped
_TRAINER = """
import json, os, signal, sys, time
run, length = sys.argv[1], int(sys.argv[2])
def save(*_):
    os.makedirs(run, exist_ok=True)
    with open(os.path.join(run, "train_state.json"), "w") as f:
        json.dump({"step": 12, "train": {"steps": 200, "batch": 16, "demo_every": 0},
                   "model": {"size": "small", "audio": {"sample_rate": 16000,
                             "length": length, "classes": ["kick"]}}}, f)
    print(json.dumps({"event": "end", "step": 12, "stopped": True, "model": ""}), flush=True)
    sys.exit(0)
signal.signal(signal.SIGINT, save)
print(json.dumps({"event": "start", "step": 0, "steps": 200, "device": "cpu", "data": {},
                  "classes": ["kick"], "losses": []}), flush=True)
for k in range(1, 13):
    print(json.dumps({"event": "step", "step": k, "loss": 0.5, "steps_per_s": 2.5}),
          flush=True)
while True:
    time.sleep(0.05)
"""


def test_stop_ends_the_time_left_and_the_clip_length_does_not_move(qtbot, tmp_path,
                                                                   monkeypatch):
    from studio.ui.dialogs.train_dialog import TrainDialog
    length = config_for("small", 16000, 1.5, ()).audio.length  # what the trainer uses
    run = tmp_path / "run"
    monkeypatch.setattr(_training_process, "studio_command", lambda args: (
        sys.executable, ["-c", _TRAINER, str(run), str(length)]))
    (tmp_path / "data" / "kick").mkdir(parents=True)
    d = TrainDialog()
    d.quiet = True
    qtbot.addWidget(d)
    d.show()
    d.set_folders(str(tmp_path / "data"), str(run))
    d.size.setCurrentText("small")
    d.rate.setValue(16000)
    d.seconds.setValue(1.5)
    d.seconds.editingFinished.emit()  # the user typed 1.5 and left the field
    assert d.seconds.text() == f"{length / 16000:.3f} s" == "1.536 s"
    assert d.start()
    qtbot.waitUntil(lambda: d.step == 12, timeout=20000)
    assert d.stats.text().endswith("75 s left")  # 188 steps at 2.5 steps/s, while running
    d.stop()
    qtbot.waitUntil(lambda: d.outcome == "stopped", timeout=20000)
    assert json.loads((run / "train_state.json").read_text())["step"] == 12
    assert "left" not in d.stats.text()
    assert d.stats.text() == "loss 0.5000 · stopped at step 12 of 200"
    assert d.seconds.text() == "1.536 s"  # as before the run: nothing changed by itself
    d.shutdown()
