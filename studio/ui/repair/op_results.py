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
        self._pending: dict[str, object] = {}   # job id -> JobInfo
        window.jobs.job_added.connect(self._on_job_added)
        window.jobs.job_ended.connect(self._on_job_ended)
        # connected after the JobController's own slot: by then it has taken the job off its
        # list (and ended it), so this sees each finished job once, after the window did
        window.jobs.host.finished.connect(self._on_job_finished)

    def _on_job_added(self, info) -> None:
        if info.op_id == self.op_id:
            self._pending[info.job_id] = info

    def _on_job_ended(self, info, how: str) -> None:
        if how != "finished":  # failed, cancelled, stale: nothing to take
            self._pending.pop(info.job_id, None)

    def _on_job_finished(self, msg) -> None:
        info = self._pending.pop(msg.job_id, None)
        if info is not None:
            self.handler(info, msg.result.report)
