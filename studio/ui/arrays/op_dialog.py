"""A non-modal dialog that runs one array operation (Array menu) on the Array dock's layout:
it says which layout, room and sources it will use, shows the operation's own form (the
layout and, for a simulation, the room and source positions are not typed: they come from
the dock), the source signals of a simulation, and a button named after the operation."""
from __future__ import annotations

from PySide6.QtWidgets import (QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout)

from studio.engine.operation import InputKind
from studio.errors import StudioError
from studio.ui.arrays.source_signals import SourceSignals
from studio.ui.docks.operations import summary
from studio.ui.forms import ParamForm


def describe(layout) -> str:
    mics = layout.enabled_mics()
    room = "no room" if layout.room is None else (
        "room " + " × ".join(f"{v:g}" for v in layout.room.size) + " m, RT60 "
        f"{layout.room.rt60:g} s")
    return (f"Layout from the Array dock: {layout.name}, {len(mics)} microphones, {room}, "
            f"{len(layout.sources)} source(s)")


class ArrayOpDialog(QDialog):
    def __init__(self, op, tools, parent=None):
        super().__init__(parent)
        self.op, self.tools = op, tools
        self.setObjectName(f"arrayOp:{op.id}")
        self.setWindowTitle(op.title)
        self.setModal(False)
        lay = QVBoxLayout(self)
        top = QHBoxLayout()
        self.summary = QLabel(wordWrap=True)
        edit = QPushButton("Edit layout…")
        edit.setToolTip("Show the Array dock, where the microphones, room and sources are placed")
        edit.clicked.connect(tools.show_dock)
        top.addWidget(self.summary, 1)
        top.addWidget(edit)
        lay.addLayout(top)
        if op.description:
            about = QLabel(summary(op.description), wordWrap=True)
            lay.addWidget(about)
        self.form = ParamForm(op.schema)
        lay.addWidget(self.form)
        self.signals = SourceSignals(op.extras) if op.extras else None
        if self.signals is not None:
            lay.addWidget(QLabel("Source signals:"))
            lay.addWidget(self.signals)
        self.note = QLabel(wordWrap=True)
        self.note.setStyleSheet("color: #d9822b;")
        lay.addWidget(self.note)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.run_button = QPushButton(op.title)
        self.run_button.setDefault(True)
        self.run_button.clicked.connect(self.run)
        close = QPushButton("Close")
        close.clicked.connect(self.hide)
        buttons.addWidget(self.run_button)
        buttons.addWidget(close)
        lay.addLayout(buttons)
        if "rt60" in self.form.editors:  # the room drawn in the dock carries its RT60
            room = tools.layout().room
            if room is not None:
                self.form.set_values({"rt60": room.rt60})
        self._auto: dict[str, str] = {}  # look-direction text this dialog filled in itself
        self.refresh()

    def refresh(self) -> None:
        """Follow the dock: the layout it shows, its sources, what Locate found, and whether
        the open document can be the array's recording."""
        layout = self.tools.layout()
        self.summary.setText(describe(layout))
        self._offer_located(self.tools.located_azimuths())
        if self.signals is not None:
            self.signals.show_sources(layout.sources)
        self.note.setText(self._problem(layout))

    def _offer_located(self, found: list[float]) -> None:
        """A look-direction field ("located:azimuths") offers each located source and, for
        several, all of them (LCMV's list); it starts on the first (the strongest peak) unless
        the user typed a direction of their own."""
        texts = [f"{a:.1f}" for a in found]
        offered = texts + ([", ".join(texts)] if len(texts) > 1 else [])
        for p in self.op.schema:
            ed = self.form.editors.get(p.name)
            if ed is None or p.hint != "located:azimuths":
                continue
            ed.refresh(offered)
            if texts and ed.value() in (str(p.default), self._auto.get(p.name)):
                ed.set_value(texts[0])
                self._auto[p.name] = texts[0]

    def _problem(self, layout) -> str:
        if self.op.inputs == InputKind.NONE:
            return "" if layout.sources else \
                "The layout has no source: use Add source in the Array dock."
        state = self.tools.window.model.state
        if state is None:
            return "Open the array's multichannel recording first (or simulate one)."
        m, enabled = len(layout.mics), len(layout.enabled_mics())
        if state.n_channels not in (m, enabled):
            return (f"The document has {state.n_channels} channels but the layout has "
                    f"{enabled} microphones: load or draw the layout it was recorded with.")
        return ""

    def values(self) -> dict:
        return self.form.values()

    def run(self):
        """Submit the operation; returns the job, or None (the reason is in the note)."""
        self.refresh()
        if self.note.text() and self.op.inputs != InputKind.NONE:
            return None  # it would fail in the engine for the reason the note gives
        try:
            params = dict(self.op.schema.validate(self.values()))
            extras = {}
            if self.signals is not None:
                rate = int(params.get("rate", 0)) or self.tools.window.model.rate
                extras = self.signals.collect(rate, self.tools.window.model)
        except StudioError as e:
            self.note.setText(str(e))
            return None
        return self.tools.submit(self.op, params, extras)
