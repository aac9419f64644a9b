"""A status-bar progress strip for background file work: title, bar and a Cancel button.

Non-modal by design: the window stays usable while a file opens or saves. Several tasks may
run (an export while a session saves); the strip shows the newest and Cancel stops it.
"""
from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QToolButton, QWidget


class TaskProgress(QWidget):
    def __init__(self, tasks, parent=None):
        super().__init__(parent)
        self.tasks = tasks
        self._titles: dict[int, str] = {}   # task id -> title, in submission order
        self._fraction: dict[int, float] = {}
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 4, 0)
        lay.setSpacing(6)
        self.label = QLabel("")
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setFixedWidth(160)
        self.bar.setMaximumHeight(14)
        self.bar.setTextVisible(False)
        self.cancel_button = QToolButton(text="Cancel")
        self.cancel_button.setToolTip("Stop this task; nothing changes")
        self.cancel_button.setAutoRaise(True)
        self.cancel_button.setMaximumHeight(self.label.sizeHint().height() + 2)
        self.cancel_button.clicked.connect(self.cancel_current)
        for w in (self.label, self.bar, self.cancel_button):
            lay.addWidget(w)
        tasks.progress.connect(self._on_progress_changed)
        for sig in (tasks.finished, tasks.failed, tasks.cancelled):
            sig.connect(self._on_task_ended)
        self.hide()

    def track(self, task_id: int, title: str) -> None:
        self._titles[task_id] = title
        self._fraction[task_id] = 0.0
        self._show_current()

    def current(self) -> int | None:
        return next(reversed(self._titles), None)

    def cancel_current(self) -> None:
        tid = self.current()
        if tid is not None:
            self.tasks.cancel(tid)

    def _show_current(self) -> None:
        tid = self.current()
        if tid is None:
            self.hide()
            return
        more = len(self._titles) - 1
        self.label.setText(self._titles[tid] + (f" (+{more})" if more else ""))
        self.bar.setValue(int(self._fraction[tid] * 1000))
        self.show()

    def _on_progress_changed(self, tid: int, fraction: float, message: str) -> None:
        if tid in self._titles:
            self._fraction[tid] = fraction
            if tid == self.current():
                self.bar.setValue(int(fraction * 1000))

    def _on_task_ended(self, tid: int, *_) -> None:
        if self._titles.pop(tid, None) is not None:
            self._fraction.pop(tid, None)
            self._show_current()
