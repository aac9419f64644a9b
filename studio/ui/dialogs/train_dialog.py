"""Train on folder…: choose a folder of clips (classes are its sub-folders) and a run folder,
then watch `studio train --json` run in its own process: a live loss plot (each step faint,
the running mean bold, log scale), steps per second, time left, the demo clips as they are
written (play them, or open one as a document), Stop (the trainer saves), Resume, and
Install model… which copies the run into the user's models so generate operations list it.

Nothing here blocks the window: the trainer is another process, the folder scan and the
install copy run on the engine's task runner when the window gives one.
"""
from __future__ import annotations

import os

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDoubleSpinBox, QFormLayout,
                               QGridLayout, QGroupBox, QHBoxLayout, QInputDialog, QLabel,
                               QMessageBox, QProgressBar, QPushButton, QSpinBox, QSplitter,
                               QVBoxLayout)

from studio.errors import StudioError
from studio.paths import data_dir
from studio.ui._clip_player import ClipPlayer
from studio.models.diffusion.config import CONTROLS_RATE, CONTROLS_SECONDS  # plain data
from studio.ui._training_files import (BaseModel, FolderScan, controls_models, has_model,
                                       inspect_run, list_demos, run_losses, scan_data_folder)
from studio.ui._training_process import TrainingProcess, TrainOptions, parse_line
from studio.ui.dialogs._train_parts import (MEAN_WINDOW, DemoList, LossPlot, PathRow,
                                            folder_help)

PLOT_HZ = 4              # the plot redraws at most this often, however fast steps arrive
SIZES = ("tiny", "small", "base", "ctl-tiny", "ctl-small")
SIZE_TIPS = {
    "tiny": "Waveform model, tiny: trains in minutes on a CPU, coarse",
    "small": "Waveform model, small (the bundled 'oneshots'): hours on a CPU",
    "base": "Waveform model, base: wants a GPU",
    "ctl-tiny": "Controls model (generator v2), tiny: a synthesizer's controls at 44.1 kHz",
    "ctl-small": "Controls model (generator v2), small (the bundled 'controls'): notes at "
                 "44.1 kHz up to 5.12 s; each clip's note and hold are measured",
}
FINE_TUNE_STEPS = 2000   # a fine-tune's suggested length: about half an hour on a 2-core CPU
DEVICES = ("auto", "cpu", "cuda")


def _scan_task(ctx, folder: str) -> FolderScan:
    return scan_data_folder(folder, ctx.cancelled)


def _install_task(ctx, run_dir: str, name: str) -> str:
    from studio.models.diffusion import catalog
    return str(catalog.install(run_dir, name))


def default_run_dir(data_folder: str) -> str:
    name = os.path.basename(os.path.normpath(data_folder)) or "run"
    return str(data_dir() / "runs" / name)


def _format_eta(seconds: float) -> str:
    if not np.isfinite(seconds) or seconds < 0:
        return "–"
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


class TrainDialog(QDialog):
    model_installed = Signal(str)   # the installed model's name
    open_clip = Signal(str)         # a demo clip to open as a document

    def __init__(self, parent=None, tasks=None, output_device=lambda: None):
        super().__init__(parent)
        self.setWindowTitle("Train on folder")
        self.setObjectName("trainDialog")
        self.tasks = tasks
        self.quiet = False              # tests: never ask
        self.process = TrainingProcess(self)
        self.player = ClipPlayer(output_device, self)
        self.scan: FolderScan | None = None
        self.steps_seen: list[int] = []
        self.losses: list[float] = []
        self.total_steps = 0
        self.step = 0
        self.steps_per_s = 0.0
        self.outcome = ""               # "", "running", "done", "stopped", "failed"
        self._run_dir = ""              # the run folder of the current/last process
        self._pending: dict[int, str] = {}
        self._plot_dirty = False
        self._history_of = ""           # the run folder whose saved losses are plotted
        self._build()
        self.process.event.connect(self.handle_event)
        self.process.ended.connect(self._on_process_ended)
        if tasks is not None:
            # bound methods: Qt drops these connections when the dialog goes
            tasks.finished.connect(self._on_task_finished)
            tasks.failed.connect(self._on_task_failed)
            tasks.cancelled.connect(self._on_task_cancelled)
        self._timer = QTimer(self, interval=int(1000 / PLOT_HZ))
        self._timer.timeout.connect(self._on_plot_timer_changed)
        self._timer.start()
        self._update_buttons()

    # construction ------------------------------------------------------------------------
    def _build(self) -> None:
        lay = QVBoxLayout(self)
        where = QGroupBox("Data and run")
        form = QFormLayout(where)
        self.data_row = PathRow("Folder of clips (sub-folders are classes)",
                                 "a folder whose sub-folders are the classes")
        self.classes_label = QLabel("", wordWrap=True)
        self.run_row = PathRow("Run folder (checkpoints, demo clips, the model)",
                                "where the run is written")
        self.run_label = QLabel("", wordWrap=True)
        self.folder_help = folder_help()
        form.addRow("", self.folder_help)
        form.addRow("Data folder", self.data_row)
        form.addRow("", self.classes_label)
        form.addRow("Run folder", self.run_row)
        form.addRow("", self.run_label)
        lay.addWidget(where)

        opts = QGroupBox("Settings")
        grid = QGridLayout(opts)
        self.start_from = QComboBox()
        self.bases: dict[str, BaseModel] = {}
        self.refresh_bases()
        self.start_from.setToolTip(
            "Fine-tune a controls model on this folder: it keeps the classes it knows and "
            "learns the folder's sub-folders as new ones, in minutes to an hour on a CPU "
            "instead of the hours a new model takes")
        self.size = QComboBox()
        self.size.addItems(SIZES)
        for i, name in enumerate(SIZES):
            self.size.setItemData(i, SIZE_TIPS[name], Qt.ToolTipRole)
        self.size.setCurrentText("small")
        self.size.setToolTip("Network kind and size (hover an entry for what it is)")
        self.steps = QSpinBox(minimum=1, maximum=10_000_000, singleStep=1000, value=10_000)
        self.batch = QSpinBox(minimum=1, maximum=4096, value=16)
        self.device = QComboBox()
        self.device.addItems(DEVICES)
        self.rate = QSpinBox(minimum=4000, maximum=96000, singleStep=1000, value=16000,
                             suffix=" Hz")
        self.seconds = QDoubleSpinBox(minimum=0.1, maximum=30.0, singleStep=0.25, value=1.5,
                                      suffix=" s", decimals=3)
        self.demo_every = QSpinBox(minimum=0, maximum=1_000_000, singleStep=100, value=1000)
        self.demo_every.setSpecialValueText("never")
        self.demo_every.setToolTip("Write one demo clip per class every N steps (0: never)")
        self.pitch = QCheckBox("Condition on pitch")
        self.pitch.setToolTip("Estimate every clip's pitch and train the model on it, so that "
                              "generation can ask for a note (for pitched instruments; a new "
                              "run only)")
        cells = (("Start from", self.start_from), ("Size", self.size), ("Steps", self.steps),
                 ("Batch", self.batch),
                 ("Device", self.device), ("Sample rate", self.rate),
                 ("Clip length", self.seconds), ("Demo clips every", self.demo_every),
                 ("Pitch", self.pitch))
        for i, (label, w) in enumerate(cells):
            r, c = divmod(i, 3)
            grid.addWidget(QLabel(label), r, 2 * c)
            grid.addWidget(w, r, 2 * c + 1)
        self.kind_label = QLabel("", wordWrap=True)
        self.kind_label.setObjectName("trainKind")
        grid.addWidget(self.kind_label, grid.rowCount(), 0, 1, 6)
        lay.addWidget(opts)

        prow = QHBoxLayout()
        self.progress = QProgressBar()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.stats = QLabel("")
        self.stats.setMinimumWidth(380)
        prow.addWidget(self.progress, 1)
        prow.addWidget(self.stats)
        lay.addLayout(prow)

        split = QSplitter(Qt.Horizontal)
        self.plot = LossPlot()
        self.demos = DemoList()
        split.addWidget(self.plot)
        split.addWidget(self.demos)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        lay.addWidget(split, 1)

        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextSelectableByMouse)
        lay.addWidget(self.status)
        brow = QHBoxLayout()
        self.start_btn = QPushButton("Start")
        self.stop_btn = QPushButton("Stop")
        self.stop_btn.setToolTip("Save the run and stop (Resume goes on from there)")
        self.resume_btn = QPushButton("Resume")
        self.resume_btn.setToolTip("Go on with the run saved in the run folder")
        self.install_btn = QPushButton("Install model…")
        self.install_btn.setToolTip("Copy the trained model into your models: generate "
                                    "operations list it by name")
        self.close_btn = QPushButton("Close")
        brow.addWidget(self.start_btn)
        brow.addWidget(self.stop_btn)
        brow.addWidget(self.resume_btn)
        brow.addStretch(1)
        brow.addWidget(self.install_btn)
        brow.addWidget(self.close_btn)
        lay.addLayout(brow)
        self.resize(980, 720)

        self.data_row.changed.connect(self._on_data_folder_changed)
        self.run_row.changed.connect(self._on_run_folder_changed)
        self.start_btn.clicked.connect(lambda: self.start(resume=False))
        self.resume_btn.clicked.connect(lambda: self.start(resume=True))
        self.stop_btn.clicked.connect(self.stop)
        self.install_btn.clicked.connect(lambda: self.install())
        self.close_btn.clicked.connect(self.close)
        self.demos.play_requested.connect(self._on_play_changed)
        self.demos.open_requested.connect(self.open_clip)
        self.player.playing_changed.connect(self.demos.set_playing)
        self.seconds.editingFinished.connect(self._on_clip_length_changed)
        self.rate.editingFinished.connect(self._on_clip_length_changed)
        self.size.currentTextChanged.connect(self._on_model_kind_changed)
        self.start_from.currentIndexChanged.connect(self._on_start_from_changed)
        self._on_model_kind_changed()

    # what kind of model ------------------------------------------------------------------
    def base(self) -> BaseModel | None:
        """The controls model this run fine-tunes, or None for a new model."""
        return self.bases.get(self.start_from.currentData() or "")

    def refresh_bases(self) -> None:
        """List the controls models there are now (one installed since is offered too)."""
        current = self.start_from.currentData() or ""
        self.bases = {m.name: m for m in controls_models()}
        self.start_from.blockSignals(True)
        self.start_from.clear()
        self.start_from.addItem("a new model", "")
        for name in self.bases:
            self.start_from.addItem(f"{name} (fine-tune)", name)
        self.start_from.setCurrentIndex(max(0, self.start_from.findData(current)))
        self.start_from.blockSignals(False)

    def showEvent(self, ev) -> None:
        super().showEvent(ev)
        if not self.process.running():
            self.refresh_bases()
            self._update_settings_enabled()

    def trains_controls(self) -> bool:
        return self.base() is not None or self.size.currentText().startswith("ctl-")

    def _on_start_from_changed(self, *_) -> None:
        base = self.base()
        if base is not None:
            self.size.blockSignals(True)
            self.size.setCurrentText(base.size)   # a fine-tune keeps its base's network
            self.size.blockSignals(False)
            if self.steps.value() == 10_000:      # still the new-model default
                self.steps.setValue(FINE_TUNE_STEPS)
        self._on_model_kind_changed()

    def _on_model_kind_changed(self, *_) -> None:
        """A controls model fixes its rate and clip length and always learns each clip's
        note; a waveform model lets the user choose them."""
        if self.trains_controls() and inspect_run(self.run_row.text()) is None:
            base = self.base()
            self.rate.setValue(base.sample_rate if base else CONTROLS_RATE)
            self.seconds.setValue(base.seconds if base else CONTROLS_SECONDS)
            self.pitch.setChecked(True)
        self._on_clip_length_changed()
        self._show_kind()
        self._update_settings_enabled()

    def _show_kind(self) -> None:
        base = self.base()
        if base is None:
            self.kind_label.setText(
                "A new controls model: notes at 44.1 kHz up to 5.12 s; each clip's note and "
                "hold are measured as it is read." if self.trains_controls() else "")
            return
        folder = self.scan.classes if self.scan is not None else []
        new = [c for c in folder if c not in base.classes]
        known = [c for c in folder if c in base.classes]
        self.kind_label.setText(
            f"Fine-tunes {base.name} ({len(base.classes)} classes, {base.sample_rate} Hz, "
            f"{base.seconds:g} s)" +
            (f"; new classes from the folder: {', '.join(new)}" if new else "") +
            (f"; trained further: {', '.join(known)}" if known else "") + ".")

    def _update_settings_enabled(self, saved: bool | None = None) -> None:
        """What a run fixes once it exists (`saved`: the run folder holds one; read from it
        when not given), or while it trains, is greyed out; so are a controls model's rate,
        length and pitch (its own), and a fine-tune's size."""
        if saved is None:
            saved = inspect_run(self.run_row.text()) is not None
        free = not self.process.running() and not saved
        self.start_from.setEnabled(free and len(self.bases) > 0)
        self.size.setEnabled(free and self.base() is None)
        for w in (self.rate, self.seconds, self.pitch):
            w.setEnabled(free and not self.trains_controls())

    def _on_clip_length_changed(self, *_) -> None:
        """Show the clip length the trainer will really use: a whole number of the network's
        strides (1.5 s at 16 kHz is 1.536 s for every size). Shown only when the run had
        saved it, the field seemed to change by itself after Stop (1.50 -> 1.54 s)."""
        if not self.seconds.isEnabled():  # a saved run's or a controls model's own length
            return
        from studio.models.diffusion.config import config_for  # plain Python, no torch
        rate = self.rate.value()
        length = config_for(self.size.currentText(), rate, self.seconds.value(), ()) \
            .audio.length
        self.seconds.blockSignals(True)
        self.seconds.setValue(length / rate)
        self.seconds.blockSignals(False)
        self.seconds.setToolTip(f"Length of the training clips: {length} samples at {rate} Hz,"
                                " a whole number of the network's strides (a length between "
                                "is rounded up)")

    # folders -----------------------------------------------------------------------------
    def set_folders(self, data: str, run: str = "") -> None:
        self.data_row.set_text(data)
        if run:
            self.run_row.set_text(run)

    def _on_data_folder_changed(self, folder: str) -> None:
        self.scan = None
        if not folder:
            self.classes_label.setText("")
        elif not os.path.isdir(folder):
            self.classes_label.setText("this folder does not exist")
        else:
            self.classes_label.setText("counting the audio files…")
            if self.tasks is not None:
                tid = self.tasks.submit(_scan_task, folder, key=("train-scan", id(self)),
                                        lane="io")
                self._pending[tid] = "scan"
            else:  # no task runner (a dialog on its own): the scan is bounded
                self._on_scan_done(scan_data_folder(folder))
        if folder and not self.run_row.edit.text().strip():
            self.run_row.set_text(default_run_dir(folder))
        self._update_buttons()

    def _on_scan_done(self, scan: FolderScan) -> None:
        if scan.folder != self.data_row.text():
            return  # the user chose another folder meanwhile
        self.scan = scan
        problems = scan.problems()
        # what was found, then what would make it train badly (in red when nothing can)
        self.classes_label.setText("Found " + scan.text() + "".join(
            f"\n⚠ {p}" for p in problems))
        self.classes_label.setStyleSheet("color: #ff6b6b;" if not scan.files else
                                         "color: #e0b050;" if problems else "")
        self._show_kind()
        self._update_buttons()

    def _on_run_folder_changed(self, folder: str = "") -> None:
        run = inspect_run(self.run_row.text())
        self._update_settings_enabled(run is not None)
        if run is None:
            exists = os.path.isdir(self.run_row.text()) and bool(os.listdir(self.run_row.text()))
            self.run_label.setText("a new run" + (" (the folder is not empty)" if exists else ""))
        else:  # what the run was started with (size, rate and length are fixed now)
            self.start_from.blockSignals(True)
            self.start_from.setCurrentIndex(max(0, self.start_from.findData(
                run.fine_tuned_from)))
            self.start_from.blockSignals(False)
            self.size.blockSignals(True)
            self.size.setCurrentText(run.size or self.size.currentText())
            self.size.blockSignals(False)
            self.pitch.setChecked(run.pitch)
            self.rate.setValue(run.sample_rate)
            self.seconds.setValue(run.seconds)
            if not self.process.running() and self._run_dir != self.run_row.text():
                self.steps.setValue(max(run.steps, self.steps.minimum()))
                self.batch.setValue(run.batch)
                self.demo_every.setValue(run.demo_every)
            more = ("finished: raise Steps to train further" if run.step >= run.steps
                    else "Resume goes on with it")
            self.run_label.setText(
                f"holds a {run.size} run at step {run.step} of {run.steps} "
                f"({run.sample_rate} Hz, {len(run.classes)} classes): {more}")
            if not self.demos.count():
                for step, files in list_demos(self.run_row.text()):
                    self.demos.add(step, files)
            if not self.process.running() and self._history_of != self.run_row.text():
                self._show_saved_losses(run.step)
        self._update_buttons()

    def _show_saved_losses(self, step: int) -> None:
        """A saved run's loss history on the plot (it was empty until Resume started)."""
        self._history_of = self.run_row.text()
        past = run_losses(self._history_of)
        if past.size:
            self.losses = [float(v) for v in past]
            self.steps_seen = list(range(step - past.size + 1, step + 1))
            self.refresh_plot()

    # running -----------------------------------------------------------------------------
    def options(self, resume: bool) -> TrainOptions:
        return TrainOptions(data=self.data_row.text(), out=self.run_row.text(),
                            config=self.size.currentText(), steps=self.steps.value(),
                            batch=self.batch.value(), device=self.device.currentText(),
                            rate=self.rate.value(), seconds=self.seconds.value(),
                            demo_every=self.demo_every.value(), resume=resume,
                            pitch=self.pitch.isChecked(),
                            init_from=self.start_from.currentData() or "")

    def start(self, resume: bool = False) -> bool:
        if self.process.running():
            return False
        self._on_clip_length_changed()  # a value set from code: the length the run will use
        opts = self.options(resume)
        if not opts.data or not os.path.isdir(opts.data):
            self._say("Choose the folder of clips to train on", error=True)
            return False
        if not opts.out:
            self._say("Choose a run folder", error=True)
            return False
        self._run_dir = self._history_of = opts.out
        self.steps_seen, self.losses = [], []
        self.total_steps, self.step, self.steps_per_s = opts.steps, 0, 0.0
        self._plot_dirty = True
        self.outcome = "running"
        self.progress.setRange(0, 0)  # busy until the trainer reports
        self.stats.setText("starting…")
        self._say("Starting the trainer (loading torch takes a few seconds)…")
        self.process.start(opts)
        self._update_buttons()
        return True

    def stop(self) -> None:
        if self.process.stop():
            self._say("Stopping: the trainer saves the run, then exits…")
            self.stop_btn.setEnabled(False)

    def feed_line(self, line: str) -> None:
        """One line of `studio train --json` output (tests feed recorded streams here)."""
        ev = parse_line(line)
        if ev is not None:
            self.handle_event(ev)

    def handle_event(self, ev: dict) -> None:
        kind = ev.get("event")
        if kind == "loading":
            self.progress.setRange(0, 1000)
            self.progress.setValue(int(1000 * float(ev.get("fraction", 0.0))))
            self.progress.setFormat("loading data %p%")
            self.stats.setText(str(ev.get("message", ""))[:60])
        elif kind == "start":
            self.total_steps = int(ev.get("steps", 0))
            self.step = int(ev.get("step", 0))
            past = [float(v) for v in ev.get("losses", [])]
            self.losses = past
            self.steps_seen = list(range(self.step - len(past) + 1, self.step + 1))
            self._plot_dirty = True
            self.progress.setRange(0, max(1, self.total_steps))
            self.progress.setValue(min(self.step, self.total_steps))
            self.progress.setFormat("%v / %m steps")
            data = ev.get("data", {})
            classes = ev.get("classes", [])
            self._say(f"Training on {data.get('clips', '?')} clips ({data.get('seconds', '?')} s) "
                      f"in {len(classes)} classes on {ev.get('device', '?')}, "
                      f"from step {self.step}" +
                      (f"; {data['skipped']} files skipped" if data.get("skipped") else ""))
        elif kind == "step":
            self.step = int(ev["step"])
            self.steps_seen.append(self.step)
            self.losses.append(float(ev["loss"]))
            self.steps_per_s = float(ev.get("steps_per_s", 0.0))
            self._plot_dirty = True
            self.progress.setValue(min(self.step, self.total_steps))
            self._show_stats()
        elif kind == "demo":
            self.demos.add(int(ev["step"]), ev.get("files", []))
        elif kind == "end":
            self.step = int(ev.get("step", self.step))
            self.progress.setValue(min(self.step, self.progress.maximum()))

    def _show_stats(self) -> None:
        left = max(0, self.total_steps - self.step)
        eta = left / self.steps_per_s if self.steps_per_s > 0 else float("inf")
        mean = float(np.mean(self.losses[-MEAN_WINDOW:])) if self.losses else float("nan")
        self.stats.setText(f"loss {mean:.4f} · {self.steps_per_s:.2f} steps/s · "
                           f"{_format_eta(eta)} left")

    def _on_process_ended(self, outcome: str, message: str) -> None:
        self.outcome = outcome
        if outcome in ("done", "stopped", "failed") and self.losses:
            # no "74 s left" once nothing runs: where it ended, and the last mean loss
            mean = float(np.mean(self.losses[-MEAN_WINDOW:]))
            self.stats.setText(f"loss {mean:.4f} · {outcome} at step {self.step} of "
                               f"{self.total_steps}")
        elif outcome in ("stopped", "failed"):
            self.stats.setText(f"{outcome} at step {self.step}")
        run = self._run_dir
        if self.progress.maximum() == 0:
            self.progress.setRange(0, 1)
        if outcome == "done":
            self._say(f"Finished at step {self.step}. Install model… makes it a choice of the "
                      "Generate operations.")
        elif outcome == "stopped":
            if message:
                self._say(f"Stopped: {message}.")
            else:
                self._say(f"Stopped and saved at step {self.step}. Resume goes on from there "
                          f"(or on the command line: studio train --data … --out {run} "
                          f"--resume).")
        else:
            self._say(message, error=True)
        self._on_run_folder_changed()
        self._update_buttons()

    # demos -------------------------------------------------------------------------------
    def _on_play_changed(self, path: str) -> None:
        if self.player.playing:
            self.player.stop()
            return
        from studio.io.audiofile import read  # a demo clip is a second or two: read at once
        try:
            audio, rate = read(path)
        except StudioError as e:
            self._say(str(e), error=True)
            return
        if not self.player.play(audio, rate):
            self._say("No audio output: Open loads the clip as a document instead", error=True)

    # install -----------------------------------------------------------------------------
    def install(self, name: str | None = None) -> None:
        run = self.run_row.text()
        if not has_model(run):
            self._say(f"{run} has no trained model yet", error=True)
            return
        if name is None:
            name, ok = QInputDialog.getText(self, "Install model", "Model name:",
                                            text=os.path.basename(run))
            if not ok or not name.strip():
                return
        name = name.strip()
        self.install_btn.setEnabled(False)
        self._say(f"Installing {name}…")
        if self.tasks is not None:
            tid = self.tasks.submit(_install_task, run, name, lane="io")
            self._pending[tid] = f"install:{name}"
        else:
            try:
                _install_task(None, run, name)
            except StudioError as e:
                self._on_task_failed(None, str(e))
                return
            self._on_installed(name)

    def _on_installed(self, name: str) -> None:
        self._say(f"Installed model '{name}': Generate operations list it in Model.")
        self.model_installed.emit(name)
        self._update_buttons()

    def _on_task_finished(self, tid: int, result) -> None:
        kind = self._pending.pop(tid, None)
        if kind == "scan":
            self._on_scan_done(result)
        elif kind is not None and kind.startswith("install:"):
            self._on_installed(kind.split(":", 1)[1])

    def _on_task_cancelled(self, tid: int) -> None:
        if self._pending.pop(tid, None) is not None:
            self._update_buttons()

    def _on_task_failed(self, tid, message: str, traceback: str = "") -> None:
        kind = self._pending.pop(tid, None) if tid is not None else "install"
        if kind is None:
            return
        if kind == "scan":
            self.classes_label.setText(message)
        else:
            self._say(message, error=True)
        self._update_buttons()

    # state -------------------------------------------------------------------------------
    def _say(self, text: str, error: bool = False) -> None:
        self.status.setStyleSheet("color: #ff6b6b;" if error else "")
        self.status.setText(text)

    def status_text(self) -> str:
        return self.status.text()

    def _update_buttons(self) -> None:
        running = self.process.running()
        run = self.run_row.text()
        saved = inspect_run(run) if run else None
        has_data = bool(self.data_row.text()) and os.path.isdir(self.data_row.text()) and (
            self.scan is None or self.scan.files > 0)  # a folder without audio cannot train
        self.start_btn.setEnabled(not running and has_data and bool(run) and saved is None)
        self.resume_btn.setEnabled(not running and has_data and saved is not None)
        self.stop_btn.setEnabled(running)
        self.install_btn.setEnabled(not running and bool(run) and has_model(run)
                                    and not any(k.startswith("install") for k in
                                                self._pending.values()))
        for w in (self.data_row, self.run_row, self.steps, self.batch, self.device,
                  self.demo_every):
            w.setEnabled(not running)
        self._update_settings_enabled(saved is not None)

    def _on_plot_timer_changed(self) -> None:
        if self._plot_dirty and self.isVisible():
            self.refresh_plot()

    def refresh_plot(self) -> None:
        """Redraw the loss curves now (the timer calls it; tests and screenshots too)."""
        self._plot_dirty = False
        self.plot.set_losses(self.steps_seen, self.losses)

    # closing -----------------------------------------------------------------------------
    def confirm_close(self) -> bool:
        """While training: stop it (it is saved), keep it going in the background, or cancel.
        True when the dialog may go."""
        if not self.process.running() or self.quiet:
            return True
        box = QMessageBox(QMessageBox.Question, "Training is running",
                          "Stop the training? It is saved and can be resumed.", parent=self)
        stop = box.addButton("Stop training", QMessageBox.AcceptRole)
        keep = box.addButton("Keep training", QMessageBox.RejectRole)
        box.addButton(QMessageBox.Cancel)
        box.exec()
        if box.clickedButton() is stop:
            self.stop()
            return True
        return box.clickedButton() is keep

    def closeEvent(self, ev) -> None:
        if not self.confirm_close():
            ev.ignore()
            return
        self.player.stop()
        ev.accept()

    def reject(self) -> None:  # Esc closes like the Close button
        self.close()

    def shutdown(self, wait_ms: int = 20000) -> None:
        """The app quits: let the trainer save (SIGINT), then make sure it is gone."""
        self.player.stop()
        self._timer.stop()
        if self.process.running():
            self.process.stop()
            if not self.process.wait(wait_ms):
                self.process.kill()
                self.process.wait(2000)
