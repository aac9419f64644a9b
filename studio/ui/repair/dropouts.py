"""Find dropouts, then step through them: each found run is selected (and brought into view)
so Fill gap repairs exactly it. The finder is the engine's analyze.dropouts; its markers are
also drawn by the report viewers. A run of the op from anywhere (menu, operations list)
updates the list."""
from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from studio.ui.repair.op_results import OpResults

FIND_OP = "analyze.dropouts"
VIEW_MARGIN_S = 0.25  # audio shown on each side of a selected dropout


class DropoutFinder(QObject):
    found = Signal(int)   # how many

    def __init__(self, window, parent=None):
        super().__init__(parent or window)
        self.w = window
        self.runs: list[tuple[int, int]] = []  # document frames [start, end)
        self._results = OpResults(window, FIND_OP, self._on_found, self)
        window.model.document_replaced.connect(self._on_document_changed)

    def find(self):
        """Scan the selection, or the whole document when there is none."""
        from studio.engine import registry
        if self.w.model.document is None:
            self.w.notify("Open a file first")
            return None
        return self.w.jobs.submit("analyze", registry.get(FIND_OP), {}, title="Find dropouts")

    def select_next(self) -> tuple[int, int] | None:
        """Select the first found dropout after the selection's start (wrapping around)."""
        from studio.core.selection import Selection
        model = self.w.model
        if model.document is None or not self.runs:
            self.w.notify("No dropouts found: Process › Find dropouts first")
            return None
        at = model.selection.start if model.selection is not None else 0
        k = next((i for i, (a, _) in enumerate(self.runs) if a > at), 0)
        a, b = self.runs[k]
        model.set_selection(Selection(a, b))
        r = model.rate
        self.w.waveform.set_visible_range(max(0.0, a / r - VIEW_MARGIN_S), b / r + VIEW_MARGIN_S)
        self.w.notify(f"Dropout {k + 1} of {len(self.runs)}: {1000 * (b - a) / r:.1f} ms at "
                      f"{a / r:.3f} s selected; Restore › Fill gap repairs it")
        return a, b

    def _on_document_changed(self) -> None:
        self.runs = []

    def _on_found(self, info, report) -> None:
        data = report.data
        self.runs = [(info.start + int(s), info.start + int(s) + int(n))
                     for s, n in zip(data.get("starts", ()), data.get("lengths", ()))]
        n = len(self.runs)
        self.found.emit(n)
        self.w.notify(f"Found {n} dropout{'s' if n != 1 else ''}" +
                      (": Process › Select next dropout selects one" if n else ""))
