"""The job queue dock: each job with its progress and a cancel button; finished, failed and
cancelled jobs stay listed (greyed) until cleared."""
from __future__ import annotations

from PySide6.QtWidgets import (QHBoxLayout, QHeaderView, QLabel, QProgressBar, QPushButton,
                               QToolButton, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget)

KEEP_ENDED = 30


class JobsPanel(QWidget):
    def __init__(self, controller, parent=None):
        super().__init__(parent)
        self.controller = controller
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Job", "Progress", ""])
        self.tree.setRootIsDecorated(False)
        # the job's name takes the room the dock has (a fixed 170 px cut "analyze: Noise
        # reduction · profile 2.1–2.6 s"); the bar and the cancel button keep theirs
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.Stretch)
        header.setSectionResizeMode(1, QHeaderView.Fixed)
        header.setSectionResizeMode(2, QHeaderView.ResizeToContents)
        self.tree.setColumnWidth(1, 120)
        lay.addWidget(self.tree, 1)
        row = QHBoxLayout()
        self.summary = QLabel("No jobs")
        clear = QPushButton("Clear finished")
        cancel_all = QPushButton("Cancel all")
        row.addWidget(self.summary, 1)
        row.addWidget(cancel_all)
        row.addWidget(clear)
        lay.addLayout(row)
        self._items: dict[str, tuple[QTreeWidgetItem, QProgressBar, QToolButton]] = {}
        clear.clicked.connect(self._on_clear_changed)
        cancel_all.clicked.connect(controller.cancel_all)
        controller.job_added.connect(self._on_job_added)
        controller.job_progress.connect(self._on_job_progress)
        controller.job_ended.connect(self._on_job_ended)

    def _on_job_added(self, info) -> None:
        item = QTreeWidgetItem([f"{info.kind}: {info.title}", "", ""])
        item.setToolTip(0, item.text(0))
        self.tree.addTopLevelItem(item)
        bar = QProgressBar()
        bar.setRange(0, 1000)
        bar.setTextVisible(True)
        bar.setFormat("queued")
        cancel = QToolButton(text="✕")
        cancel.setToolTip("Cancel this job")
        cancel.clicked.connect(lambda: self.controller.cancel(info.job_id))
        self.tree.setItemWidget(item, 1, bar)
        self.tree.setItemWidget(item, 2, cancel)
        self._items[info.job_id] = (item, bar, cancel)
        self._update_summary()

    def _on_job_progress(self, info) -> None:
        entry = self._items.get(info.job_id)
        if entry:
            _, bar, _ = entry
            bar.setValue(int(info.progress * 1000))
            bar.setFormat(f"{info.progress * 100:.0f}%")
            bar.setToolTip(info.message)

    def _on_job_ended(self, info, how: str) -> None:
        entry = self._items.get(info.job_id)
        if entry:
            item, bar, cancel = entry
            bar.setValue(1000 if how == "finished" else bar.value())
            bar.setFormat(how.split(":")[0])
            bar.setToolTip(how)
            cancel.setEnabled(False)
            item.setDisabled(True)
        self._update_summary()

    def _on_clear_changed(self) -> None:
        for jid, (item, _, cancel) in list(self._items.items()):
            if not cancel.isEnabled():
                self.tree.takeTopLevelItem(self.tree.indexOfTopLevelItem(item))
                del self._items[jid]
        self._update_summary()

    def _update_summary(self) -> None:
        running = len(self.controller.jobs)
        self.summary.setText(f"{running} running/queued" if running else "Idle")
