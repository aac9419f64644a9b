"""Results of one operation, wherever the user started it (a repair panel's button, a menu,
the operations list): `handler(info, report)` runs when such a job finishes, with the
JobInfo it was submitted with (range, channels, the state it read)."""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QObject


class OpResults(QObject):
    def __init__(self, window, op_id: str, handler: Callable, parent=None):
        super().__init__(parent or window)
        self.op_id, self.handler = op_id, handler
        window.jobs.job_report.connect(self._on_job_report)

    def _on_job_report(self, info, report) -> None:
        if info.op_id == self.op_id and report is not None:
            self.handler(info, report)
