"""A training run as a separate process: `studio train --json ...` started with QProcess.

The trainer runs in its own interpreter, so it can neither block nor crash the window, and it
is the very code path of the command line. Its stdout is one JSON object per line (events
loading / start / step / demo / end, see studio/cli/train.py `_JsonOut`); its stderr carries
the CLI's one-line error ("studio: ...") when it fails. Stop sends SIGINT: the trainer saves
everything and exits, and `--resume` goes on from there.
"""
from __future__ import annotations

import json
import os
import signal
import sys
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QProcess, QProcessEnvironment, Signal

STDERR_KEEP = 64 * 1024  # bytes of stderr kept for the error line


@dataclass
class TrainOptions:
    """What the dialog asks for; `argv()` is the `studio train` command line."""
    data: str
    out: str
    config: str = "small"
    steps: int = 10_000
    batch: int = 16
    device: str = "auto"
    rate: int = 16000
    seconds: float = 1.5
    demo_every: int = 1000
    checkpoint_every: int = 500
    resume: bool = False
    pitch: bool = False
    init_from: str = ""   # a controls model to fine-tune ("" : a new model)

    def argv(self) -> list[str]:
        args = ["train", "--json", "--data", self.data, "--out", self.out,
                "--config", self.config, "--steps", str(self.steps), "--batch", str(self.batch),
                "--device", self.device, "--rate", str(self.rate),
                "--seconds", f"{self.seconds:g}", "--demo-every", str(self.demo_every),
                "--checkpoint-every", str(self.checkpoint_every)]
        if self.init_from and not self.resume:  # a resumed fine-tune is in its run folder
            args += ["--init-from", self.init_from]
        return args + (["--resume"] if self.resume else []) + (["--pitch"] if self.pitch else [])


def studio_command(args: list[str]) -> tuple[str, list[str]]:
    """(program, arguments) that run `studio <args>` with this interpreter; a frozen bundle's
    executable is the `studio` command itself."""
    if getattr(sys, "frozen", False):
        return sys.executable, list(args)
    return sys.executable, ["-m", "studio", *args]


def parse_line(line: str | bytes) -> dict | None:
    """One event from a line of the trainer's stdout; None for anything else (a library may
    print a stray line)."""
    if isinstance(line, bytes):
        line = line.decode("utf-8", "replace")
    line = line.strip()
    if not line.startswith("{"):
        return None
    try:
        event = json.loads(line)
    except ValueError:
        return None
    return event if isinstance(event, dict) and isinstance(event.get("event"), str) else None


def error_line(stderr: str, exit_code: int) -> str:
    """The one line that says why the process failed: the CLI's own "studio: ..." line when
    there is one, else the last line it wrote, else the exit code."""
    lines = [s.strip() for s in stderr.replace("\r", "\n").splitlines() if s.strip()]
    for s in reversed(lines):
        if s.startswith("studio: "):
            return s[len("studio: "):]
    if lines:
        return lines[-1][:300]
    return f"the training process exited with code {exit_code}"


class TrainingProcess(QObject):
    """Runs one `studio train --json` at a time. `event(dict)` for every JSON line, then
    exactly one `ended(outcome, message)` with outcome "done", "stopped" or "failed"."""
    event = Signal(dict)
    ended = Signal(str, str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._proc: QProcess | None = None
        self._out = b""
        self._err = b""
        self._end: dict | None = None
        self._stopping = False

    def running(self) -> bool:
        return self._proc is not None and self._proc.state() != QProcess.NotRunning

    def start(self, options: TrainOptions) -> None:
        if self.running():
            raise RuntimeError("a training run is already going")
        self._out, self._err, self._end, self._stopping = b"", b"", None, False
        proc = QProcess(self)
        env = QProcessEnvironment.systemEnvironment()
        # the child imports this same studio package, installed or not
        root = str(Path(__file__).resolve().parents[2])
        path = env.value("PYTHONPATH", "")
        env.insert("PYTHONPATH", root + (os.pathsep + path if path else ""))
        env.insert("PYTHONUNBUFFERED", "1")
        proc.setProcessEnvironment(env)
        proc.readyReadStandardOutput.connect(self._on_stdout_changed)
        proc.readyReadStandardError.connect(self._on_stderr_changed)
        proc.finished.connect(self._on_finished_changed)
        proc.errorOccurred.connect(self._on_error_changed)
        self._proc = proc
        program, args = studio_command(options.argv())
        proc.start(program, args)

    def stop(self) -> bool:
        """Ask the trainer to save and exit (SIGINT, as Ctrl+C on the command line)."""
        if not self.running():
            return False
        self._stopping = True
        pid = self._proc.processId()
        if pid and hasattr(signal, "SIGINT") and os.name == "posix":
            os.kill(pid, signal.SIGINT)
        else:  # no SIGINT to send: the trainer's SIGTERM handler saves too (where there is one)
            self._proc.terminate()
        return True

    def kill(self) -> None:
        if self.running():
            self._stopping = True
            self._proc.kill()

    def wait(self, ms: int) -> bool:
        """Block until the process ends (shutdown only); True when it did."""
        if not self.running():
            return True
        done = self._proc.waitForFinished(ms)
        return done or not self.running()

    # replies ---------------------------------------------------------------------------------
    def _on_stdout_changed(self) -> None:
        self._out += bytes(self._proc.readAllStandardOutput())
        *lines, self._out = self._out.split(b"\n")
        for line in lines:
            self._emit(line)

    def _emit(self, line: bytes) -> None:
        ev = parse_line(line)
        if ev is None:
            return
        if ev["event"] == "end":
            self._end = ev
        self.event.emit(ev)

    def _on_stderr_changed(self) -> None:
        self._err = (self._err + bytes(self._proc.readAllStandardError()))[-STDERR_KEEP:]

    def _on_error_changed(self, error) -> None:
        if error == QProcess.FailedToStart:
            self._proc = None
            self.ended.emit("failed", "could not start the training process "
                                      f"({sys.executable})")

    def _on_finished_changed(self, code: int, status) -> None:
        proc = self._proc
        if proc is None:
            return
        self._on_stdout_changed()
        self._on_stderr_changed()
        if self._out:
            self._emit(self._out)
            self._out = b""
        stderr = self._err.decode("utf-8", "replace")
        end, stopping = self._end, self._stopping
        self._proc = None
        proc.deleteLater()
        if end is not None:
            self.ended.emit("stopped" if end.get("stopped") else "done", "")
        elif stopping:
            self.ended.emit("stopped", "stopped before training began; nothing was saved")
        elif status == QProcess.CrashExit:
            self.ended.emit("failed", "the training process crashed "
                                      f"({error_line(stderr, code)})")
        else:
            self.ended.emit("failed", error_line(stderr, code))
