"""The document's noise profile: learned from a noise-only selection (Audacity's Get Noise
Profile, RX's Learn), shown as a spectrum in the operations dock, kept with the session
(`doc.extensions["noise_profile"]`), and given to Noise reduction as its side input, so
Preview, Compare and Apply never ask for a file.

The spectrum is computed in the engine (analyze.noise_profile); this module keeps the
selection's samples, so the denoiser learns the profile at whichever frame size it picks,
exactly as from a noise clip. Any run of analyze.noise_profile (this panel's button, the
Process menu, the Analyze entry of the operations list) learns the document's profile.
"""
from __future__ import annotations

import os
import weakref

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (QGroupBox, QHBoxLayout, QLabel, QPushButton, QSizePolicy,
                               QVBoxLayout)

from studio.ui.repair.op_results import OpResults
from studio.ui.reports.panel import PlainAxis  # "100", "1k", "10k" on a log axis

EXTENSION_KEY = "noise_profile"
SOURCE = "noise_profile"       # the Extra.source this keeper provides
LEARN_OP = "analyze.noise_profile"
MAX_SECONDS = 30.0             # a longer selection is not a noise-only stretch


def seconds(t: float) -> str:
    """2.1, 2.65, 12 (no trailing zeros), for take names and labels."""
    return f"{t:.2f}".rstrip("0").rstrip(".")


class NoiseProfileKeeper(QObject):
    """Learns, keeps and provides the open document's noise profile."""
    changed = Signal()

    def __init__(self, window, parent=None):
        super().__init__(parent or window)
        self.w = window
        # job id -> the document it learns from (weak: a failed job leaves no document alive)
        self._learning = weakref.WeakValueDictionary()
        window.jobs.job_added.connect(self._on_job_added)
        self._results = OpResults(window, LEARN_OP, self._on_learned, self)
        window.model.document_replaced.connect(self.changed.emit)
        window.model.state_changed.connect(self._on_state_changed)

    # the profile ---------------------------------------------------------------------------
    def stored(self) -> dict | None:
        doc = self.w.model.document
        ext = getattr(doc, "extensions", None) or {}
        prof = ext.get(EXTENSION_KEY)
        return prof if isinstance(prof, dict) and "audio" in prof else None

    def profile(self) -> dict | None:
        """The profile, when it fits the audio (learned at the document's rate)."""
        p = self.stored()
        return p if p is not None and int(p["sample_rate"]) == self.w.model.rate else None

    def label(self) -> str:
        """'profile 2.1–2.6 s', what a take made with it is named after."""
        p = self.profile()
        if p is None:
            return ""
        r = p["sample_rate"]
        return f"profile {seconds(p['start'] / r)}–{seconds(p['end'] / r)} s"

    def provide(self):
        """(noise samples (C, N), rate) for an Extra whose source is the noise profile."""
        p = self.profile()
        return None if p is None else (np.asarray(p["audio"], np.float32), int(p["sample_rate"]))

    def _on_state_changed(self) -> None:
        if self.stored() is not None:  # a change of rate makes the profile unusable
            self.changed.emit()

    def forget(self) -> None:
        doc = self.w.model.document
        if doc is not None and getattr(doc, "extensions", None) and \
                doc.extensions.pop(EXTENSION_KEY, None) is not None:
            doc.mark_unsaved()  # the session on disk still holds it
        self.changed.emit()

    # learning ------------------------------------------------------------------------------
    def learn(self):
        """Learn from the selection (in the engine); the result arrives as a finished job."""
        from studio.engine import registry
        sel = self.w.model.selection
        if self.w.model.document is None:
            self.w.notify("Open a file first")
            return None
        if sel is None or sel.is_empty:
            self.w.notify("Select a noise-only stretch first (a pause, the room tone before "
                          "the first note), then Learn noise profile")
            return None
        if sel.length > MAX_SECONDS * self.w.model.rate:
            self.w.notify(f"Select a noise-only stretch of at most {MAX_SECONDS:g} s")
            return None
        return self.w.jobs.submit("analyze", registry.get(LEARN_OP), {})

    def _on_job_added(self, info) -> None:
        if info.op_id == LEARN_OP:
            self._learning[info.job_id] = self.w.model.document

    def _on_learned(self, info, report) -> None:
        doc = self._learning.pop(info.job_id, None)
        if doc is not self.w.model.document or doc is None:
            return  # learned on a document that is closed now
        rate = info.rate
        end = min(info.end, info.start + int(MAX_SECONDS * rate))
        psd = np.asarray(report.data["psd"], np.float64)
        n_fft = int(report.data["n_fft"])
        curve = report.curves[0]
        if getattr(doc, "extensions", None) is None:
            doc.extensions = {}
        doc.extensions[EXTENSION_KEY] = {
            "audio": info.state.read(info.start, end, channels=list(info.channels)),
            "sample_rate": rate, "start": info.start, "end": end,
            "channels": list(info.channels), "n_fft": n_fft, "psd": psd,
            "freqs": np.asarray(curve.x, np.float64), "level_db": np.asarray(curve.y),
            "noise_dbfs": float(report.values["noise level (dBFS)"])}
        doc.mark_unsaved()  # the profile is part of the session: closing now asks to save it
        self.changed.emit()
        self.w.notify(f"Learned the noise {self.label()} "
                      f"({report.values['noise level (dBFS)']:.1f} dBFS): select what to "
                      "clean, then Noise reduction")


class NoiseProfilePanel(QGroupBox):
    """In the operations dock, above the form of an op that takes the noise profile: what
    was learned (range, level), its spectrum, Learn from selection and Forget."""

    def __init__(self, keeper: NoiseProfileKeeper, parent=None):
        super().__init__("Noise profile", parent)
        self.keeper = keeper
        self.setObjectName("noiseProfilePanel")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 4, 6, 4)
        self.text = QLabel(wordWrap=True)
        lay.addWidget(self.text)
        self.plot = pg.PlotWidget(axisItems={"bottom": PlainAxis("bottom")})
        self.plot.setObjectName("noiseProfilePlot")
        self.plot.setFixedHeight(110)  # a glance at the spectrum; the form keeps the room
        self.plot.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Fixed)
        self.plot.setLogMode(x=True, y=False)
        self.plot.setLabel("bottom", "frequency (Hz)")
        self.plot.setLabel("left", "dBFS")
        for side in ("bottom", "left"):
            self.plot.getAxis(side).enableAutoSIPrefix(False)
        self.plot.setMouseEnabled(False, False)
        self.plot.showGrid(x=True, y=True, alpha=0.25)
        self.curve = self.plot.plot(pen=pg.mkPen((230, 160, 60), width=1.5))
        lay.addWidget(self.plot)
        row = QHBoxLayout()
        self.learn_btn = QPushButton("Learn from selection")
        self.learn_btn.setToolTip("Select a stretch with only noise in it, then learn its "
                                  "spectrum: Noise reduction removes that noise anywhere")
        self.forget_btn = QPushButton("Forget")
        self.forget_btn.setToolTip("Drop the profile: Noise reduction estimates the noise")
        row.addWidget(self.learn_btn)
        row.addWidget(self.forget_btn)
        row.addStretch(1)
        lay.addLayout(row)
        self.learn_btn.clicked.connect(lambda: keeper.learn())
        self.forget_btn.clicked.connect(keeper.forget)
        keeper.changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        p = self.keeper.profile()
        old = self.keeper.stored()
        self.forget_btn.setEnabled(old is not None)
        self.plot.setVisible(p is not None)
        if p is None:
            self.curve.setData([], [])
            self.text.setText(
                "No profile: select a noise-only stretch and Learn. Without one the noise "
                "is estimated from the audio itself." if old is None else
                f"The profile was learned at {old['sample_rate']} Hz and the audio is now "
                f"{self.keeper.w.model.rate} Hz: learn it again (until then the noise is "
                "estimated).")
            return
        chans = ", ".join(str(c + 1) for c in p["channels"])
        plural = "s" if len(p["channels"]) > 1 else ""
        self.text.setText(f"Learned from {self.keeper.label()[len('profile '):]} "
                          f"(channel{plural} {chans}): {p['noise_dbfs']:.1f} dBFS")
        f, db = np.asarray(p["freqs"]), np.asarray(p["level_db"])
        keep = f > 0
        self.curve.setData(f[keep], db[keep])
        self.plot.setYRange(float(np.min(db[keep])) - 3, float(np.max(db[keep])) + 3)
        self.plot.setXRange(np.log10(max(20.0, f[keep][0])), np.log10(f[keep][-1]), padding=0)


def file_param_given(op, params: dict) -> str:
    """The name of a file a File parameter of `op` names (a profile the user has), or ''."""
    from studio.engine import params as P
    for p in op.schema:
        if isinstance(p, P.File) and params.get(p.name):
            return os.path.basename(str(params[p.name]))
    return ""

