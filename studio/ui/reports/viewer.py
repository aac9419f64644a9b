"""Wires the report viewers into the window: every finished job leaves a summary line in the
status bar; a report with something to show goes to the Reports dock (raised) and its markers
and spectrogram overlays onto the views."""
from __future__ import annotations

import time

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QDockWidget, QMenu

from studio.ui.reports.formatting import summary_line
from studio.ui.reports.overlays import Mark, Overlay, ViewMarks
from studio.ui.reports.panel import ReportsPanel, Shown

SPECTROGRAM = "spectrogram"
MARK_MARGIN_S = 0.25    # audio shown either side of a chosen marker
DOCK_HEIGHT = 260       # the bottom dock area grows to this when a report arrives


def has_content(report) -> bool:
    return report is not None and bool(report.values or report.curves or report.markers
                                       or report.text)


class ReportViewer(QObject):
    def __init__(self, window):
        super().__init__(window)
        self.w = window
        self.panel = ReportsPanel()
        self.marks = ViewMarks(window.waveform, window.spectrogram)
        dock = QDockWidget("Reports", window)
        dock.setObjectName("reportsDock")
        dock.setWidget(self.panel)
        dock.setFeatures(QDockWidget.DockWidgetMovable | QDockWidget.DockWidgetFloatable |
                         QDockWidget.DockWidgetClosable)
        # beside the Jobs tab group, not inside it: progress and results both stay in view
        window.addDockWidget(Qt.BottomDockWidgetArea, dock, Qt.Horizontal)
        # the Array dock shares this tab group, not the Jobs one: side by side, the plan and
        # a report's plot needed 1470 px, wider than a laptop's screen
        if getattr(window, "array_dock", None) is not None:
            window.tabifyDockWidget(dock, window.array_dock)
            dock.raise_()
        self.dock = dock
        panels = [m for m in window.findChildren(QMenu) if m.title() == "&Panels"]
        if panels:  # View › Panels shows and hides it like the other docks
            panels[0].addAction(dock.toggleViewAction())
        window.jobs.job_report.connect(self._on_job_report)
        window.model.document_replaced.connect(self.marks.clear)
        self.panel.mark_chosen.connect(self._on_mark_chosen)
        self.panel.clear_marks.connect(self.marks.clear)

    def _on_job_report(self, info, report) -> None:
        self.w.notify(summary_line(info.title, report), 15000)
        if not has_content(report):
            return
        start = 0.0 if info.generator or not info.rate else info.start / info.rate
        marks = [Mark(start + float(m.time), float(m.duration), m.label) for m in report.markers]
        overlays = [Overlay(c.x, c.y, c.name) for c in report.curves
                    if c.overlay == SPECTROGRAM]
        self.panel.add(Shown(info.title, info.op_id, time.time(), report, marks))
        if not info.generator and (marks or overlays):
            self.marks.set_group(info.op_id, marks, overlays)
        self.dock.show()
        self.dock.raise_()
        width = self.w.width()
        if self.dock.width() < 0.5 * width:  # the readout and the plot need the room
            self.w.resizeDocks([self.w.jobs_dock, self.dock], [int(0.35 * width),
                                                               int(0.65 * width)], Qt.Horizontal)
        if self.dock.height() < DOCK_HEIGHT:
            self.w.resizeDocks([self.dock], [DOCK_HEIGHT], Qt.Vertical)

    def _on_mark_chosen(self, mark: Mark) -> None:
        from studio.core.selection import Selection
        model = self.w.model
        if model.document is None:
            return
        r = model.rate
        a = max(0, min(model.n_frames, int(round(mark.start * r))))
        b = max(a, min(model.n_frames, int(round((mark.start + mark.duration) * r))))
        model.set_selection(Selection(a, b))
        self.w.waveform.set_visible_range(max(0.0, mark.start - MARK_MARGIN_S),
                                          mark.start + mark.duration + MARK_MARGIN_S)
        self.w.notify(f"Marker at {mark.describe()}")
