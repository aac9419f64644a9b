"""The array operations in the window: the Array menu (built from the registry's "array"
category), the layout side input (every array operation runs on the Array dock's layout,
never a typed one), a simulated recording opened as a multichannel document that carries
its layout, and the DOA report drawn on the plan and as the azimuth map.

Results reach the window the usual ways: beams and separated sources as takes (the job
controller), a simulation as a new document, a DOA report as plan markers here."""
from __future__ import annotations

import json

import numpy as np
from PySide6.QtCore import QObject

from studio.arrays.geometry import Layout
from studio.engine import registry
from studio.engine.operation import InputKind
from studio.ui.arrays.op_dialog import ArrayOpDialog
from studio.ui.docks.array import EXTENSION_KEY
from studio.ui.docks.operations import summary

CATEGORY = "array"
LAYOUT_PARAM = "layout"


class ArrayTools(QObject):
    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.dialogs: dict[str, ArrayOpDialog] = {}
        window.jobs.job_report.connect(self._on_report_ready)
        window.array_panel.layout_changed.connect(self._on_layout_changed)
        window.model.document_replaced.connect(self._on_layout_changed)

    # ---- the operations and their menu -------------------------------------------------------
    @staticmethod
    def ops() -> list:
        """The array operations, the ones that make a recording first."""
        ops = [op for op in registry.all_operations() if op.category == CATEGORY]
        return sorted(ops, key=lambda op: op.inputs != InputKind.NONE)

    def build_menu(self, menubar):
        menu = menubar.addMenu("A&rray")
        for op in self.ops():
            action = menu.addAction(f"{op.title}…")
            action.setObjectName(f"array:{op.id}")
            action.setStatusTip(summary(op.description) if op.description else "")
            action.triggered.connect(lambda _=False, i=op.id: self.open(i))
        menu.addSeparator()
        menu.addAction("Array &editor", self.show_dock)
        self.menu = menu
        return menu

    def open(self, op_id: str, values: dict | None = None) -> ArrayOpDialog:
        dlg = self.dialogs.get(op_id)
        if dlg is None:
            dlg = ArrayOpDialog(registry.get(op_id), self, self.window)
            self.dialogs[op_id] = dlg
        if values:
            dlg.form.set_values(values)
        dlg.refresh()
        dlg.show()
        dlg.raise_()
        return dlg

    def show_dock(self) -> None:
        dock = self.window.array_dock
        dock.show()
        dock.raise_()
        self.window.array_panel.ensure_editor()

    # ---- the layout side input ----------------------------------------------------------------
    def layout(self) -> Layout:
        data = self.window.array_panel.layout_dict()
        if data is None:
            from studio.ui.arrays.editor import default_layout
            return default_layout()
        return Layout.from_dict(data)

    def located_azimuths(self) -> list[float]:
        """The source azimuths (degrees) the last Locate drew on the dock's plan, or []."""
        editor = self.window.array_panel.editor
        return list(editor.located.azimuths) if editor is not None else []

    def with_layout(self, op, params: dict) -> dict:
        """`params` with the dock's layout as the op's layout (an op that has one)."""
        params = dict(params)
        if op.category == CATEGORY and any(p.name == LAYOUT_PARAM for p in op.schema):
            params[LAYOUT_PARAM] = json.dumps(self.layout().to_dict(), separators=(",", ":"))
        return params

    def submit(self, op, params: dict, extras: dict | None = None, kind: str = "preview"):
        """Run an array operation on the dock's layout. Its results are candidates (beams,
        sources, a report), never an in-place edit: a multichannel op's kind is a preview."""
        params = self.with_layout(op, params)
        return self.window.jobs.submit("render" if op.inputs == InputKind.NONE else kind, op,
                                       params, extras=extras or {})

    def route(self, kind: str, op, params: dict):
        """The Operations dock's buttons on an array op: a simulation asks for its source
        signals first (its dialog, filled with the dock's values); the others run."""
        if op.extras:
            self.open(op.id, params)
            return None
        return self.submit(op, params, kind="preview")

    def _on_layout_changed(self, *_):
        for dlg in self.dialogs.values():
            if dlg.isVisible():
                dlg.refresh()

    # ---- results ----------------------------------------------------------------------------
    @staticmethod
    def makes_recording(op_id: str) -> bool:
        try:
            op = registry.get(op_id)
        except Exception:  # noqa: BLE001 - an unknown id is not an array recording
            return False
        return op.category == CATEGORY and op.inputs == InputKind.NONE

    def open_recording(self, gen):
        """A simulated recording: a multichannel document (here when the window is empty,
        else in a new window), each source's image a take, and the layout it was simulated
        with in the document, so the Array dock and the next Locate use the same array."""
        from studio.core.document import Document
        from studio.core.takes import Take
        audio = np.asarray(gen.audio, np.float32)
        m, n = audio.shape
        doc = Document.from_array(audio, gen.rate, source_info={
            "title": f"simulated {m}-microphone recording", "generated_by": gen.op_id})
        doc.mark_unsaved()
        try:
            layout = json.loads(gen.params.get(LAYOUT_PARAM) or "null")
        except json.JSONDecodeError:  # a layout file's path: the dock keeps its own
            layout = None
        if isinstance(layout, dict) and layout.get("room") and "rt60" in gen.params:
            layout["room"]["rt60"] = float(gen.params["rt60"])  # the room it was made in
        doc.extensions = {EXTENSION_KEY: layout} if isinstance(layout, dict) else {}
        for i, (name, take) in enumerate(gen.takes, 1):
            take = np.atleast_2d(np.asarray(take, np.float32))
            doc.takes.add(Take(id=Take.new_id(), name=f"{i}. {name}", start=0, end=n,
                               channels=tuple(range(take.shape[0])), audio=take,
                               sample_rate=gen.rate, op_id=gen.op_id, params={}))
        w = self.window
        target = w if w.model.document is None else w.actions_._new_window()
        target.set_document(doc)
        target.show()
        target.takes_dock.raise_()
        target.notify(f"Simulated a {m}-microphone recording of {len(gen.takes)} source(s); "
                      "each source's image is a take")
        return target

    def _on_report_ready(self, info, report) -> None:
        """A report with found azimuths (a DOA) is drawn on the plan and the azimuth map."""
        data = getattr(report, "data", None) or {}
        if "azimuths_deg" not in data:
            return
        self.show_dock()
        editor = self.window.array_panel.editor
        if editor is None:
            return
        found = np.atleast_1d(np.asarray(data["azimuths_deg"], dtype=float))
        method = str((report.values or {}).get("method", ""))
        editor.show_located(found, data.get("grid_deg", []), data.get("spectrum", []), method)
        self._on_layout_changed()  # an open Beamform dialog offers what was found
        self.window.notify("Located: " + ", ".join(f"{a:.1f}°" for a in found) +
                           " (drawn on the Array dock's plan)")
