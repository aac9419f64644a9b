"""Parts of the "Train on folder…" dialog: a folder row, the loss plot and the demo list."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QFileDialog, QHBoxLayout, QLabel, QLineEdit, QPushButton,
                               QToolButton, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget)

from studio.ui import theme
from studio.ui.reports.panel import PlainAxis
from studio.ui._training_files import running_mean

MEAN_WINDOW = 50   # steps in the bold running mean (as the command line's progress bar)
FEW_POINTS = 30    # up to this many steps, each is drawn as a dot as well
EMPTY_TEXT = ("The training loss appears here, one point per step, as soon as the trainer "
              "takes its first step (loading the clips comes first). A saved run shows its "
              "history when its run folder is chosen.")
STEP_ROLE = Qt.UserRole + 1


FOLDER_HELP = """<b>How to lay out the folder:</b> one sub-folder per class; the sub-folder's
name is the class Generate offers. Every audio file below it (WAV, FLAC, OGG, AIFF, MP3 …, in
nested folders too) is one training clip, cut or padded to the clip length. Files straight in
the folder train without a class; hidden files and other files are skipped.
<pre>my_samples/
├── kick/     kick_01.wav  kick_02.wav  …
├── snare/    snare_01.wav …
└── piano/    c4.flac  e4.flac  …</pre>"""


def folder_help() -> QLabel:
    label = QLabel(FOLDER_HELP, wordWrap=True)
    label.setTextFormat(Qt.RichText)
    label.setObjectName("folderHelp")
    return label


class PathRow(QWidget):
    """A line edit with a folder picker; `changed` when editing ends or a folder is picked."""
    changed = Signal(str)

    def __init__(self, caption: str, placeholder: str, parent=None):
        super().__init__(parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.caption = caption
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(placeholder)
        browse = QToolButton(text="…")
        browse.setToolTip(caption)
        lay.addWidget(self.edit, 1)
        lay.addWidget(browse)
        browse.clicked.connect(self._on_browse_changed)
        self.edit.editingFinished.connect(lambda: self.changed.emit(self.text()))

    def text(self) -> str:
        t = self.edit.text().strip()
        return os.path.abspath(os.path.expanduser(t)) if t else ""

    def set_text(self, text: str) -> None:
        self.edit.setText(text)
        self.changed.emit(self.text())

    def _on_browse_changed(self) -> None:
        path = QFileDialog.getExistingDirectory(self, self.caption, self.text())
        if path:
            self.set_text(path)


class LossPlot(pg.PlotWidget):
    """Loss against step on a log scale: every step faint, the running mean bold."""

    def __init__(self, parent=None):
        # y labels at 1, 2 and 5 of each decade: every one of 0.04 ... 0.09 ran together
        super().__init__(parent, axisItems={"left": PlainAxis("left")})
        self.setLogMode(x=False, y=True)
        self.showGrid(x=True, y=True, alpha=0.2)
        self.setLabel("left", "loss")
        self.setLabel("bottom", "step")
        self.setMinimumSize(420, 220)
        self._legend_above()
        faint = QColor(theme.colors().wave)
        faint.setAlpha(70)
        self.raw_curve = self.plot(pen=pg.mkPen(faint, width=1), name="loss per step")
        self.mean_curve = self.plot(pen=pg.mkPen(theme.colors().cursor, width=2.5),
                                    name=f"mean of {MEAN_WINDOW}")
        for curve in (self.raw_curve, self.mean_curve):
            curve.setDownsampling(auto=True, method="peak")  # a long run stays cheap to draw
            curve.setClipToView(True)
        # an empty plot says what will be drawn there, and why it is still empty
        self.empty_label = QLabel(EMPTY_TEXT, self, alignment=Qt.AlignCenter, wordWrap=True)
        self.empty_label.setStyleSheet("color: #9aa4b2; background: transparent;")

    def _legend_above(self) -> None:
        """The legend in one row above the plot, in the title's place: inside the plot it
        covered the points wherever it was anchored (the log axis fills the whole height)."""
        item = self.getPlotItem()
        legend = pg.LegendItem(colCount=2)
        item.legend = legend  # curves made with a name join it (PlotItem.addItem)
        item.titleLabel.setVisible(False)
        item.layout.removeItem(item.titleLabel)
        item.layout.addItem(legend, 0, 1)
        legend.setParentItem(item)

    def restyle_theme(self, c) -> None:
        faint = QColor(c.wave)
        faint.setAlpha(70)
        self.raw_curve.setPen(pg.mkPen(faint, width=1))
        self.mean_curve.setPen(pg.mkPen(c.cursor, width=2.5))

    def resizeEvent(self, ev) -> None:
        super().resizeEvent(ev)
        if getattr(self, "empty_label", None) is None:  # a resize while it is being built
            return
        self.empty_label.setGeometry(40, 20, max(10, self.width() - 80),
                                     max(10, self.height() - 60))

    def set_losses(self, steps, losses) -> None:
        x = np.asarray(steps, np.float64)
        y = np.asarray(losses, np.float64)
        ok = np.isfinite(y)  # one NaN step would leave the log axis without a range
        x, y = x[ok], np.maximum(y[ok], 1e-8)  # the log axis needs > 0
        self.raw_curve.setData(x, y)
        self.mean_curve.setData(x, running_mean(y, MEAN_WINDOW))
        # a line through one point draws nothing: the first steps are dots too
        few = 0 < x.size <= FEW_POINTS
        self.raw_curve.setSymbol("o" if few else None)
        self.raw_curve.setSymbolSize(5)
        self.raw_curve.setSymbolBrush(self.mean_curve.opts["pen"].color() if few else None)
        self.empty_label.setVisible(x.size == 0)
        if x.size:
            self.enableAutoRange()

    def point_count(self) -> int:
        return 0 if self.raw_curve.xData is None else int(self.raw_curve.xData.size)


class DemoList(QWidget):
    """Demo clips by step, newest on top, with Play and Open for the selected clip."""
    play_requested = Signal(str)
    open_requested = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(QLabel("Demo clips"))
        self.tree = QTreeWidget()
        self.tree.setHeaderHidden(True)
        self.tree.setToolTip("Clips the model makes as it learns (double-click to play)")
        lay.addWidget(self.tree, 1)
        row = QHBoxLayout()
        self.play_btn = QPushButton("Play")
        self.play_btn.setToolTip("Audition the selected clip")
        self.open_btn = QPushButton("Open")
        self.open_btn.setToolTip("Open the selected clip as a document")
        row.addWidget(self.play_btn)
        row.addWidget(self.open_btn)
        lay.addLayout(row)
        self.setMinimumWidth(190)  # class names stay readable beside a wide plot
        self.play_btn.clicked.connect(lambda: self._request(self.play_requested))
        self.open_btn.clicked.connect(lambda: self._request(self.open_requested))
        self.tree.itemDoubleClicked.connect(lambda *_: self._request(self.play_requested))
        self._update()

    def add(self, step: int, files) -> None:
        t = self.tree
        for i in range(t.topLevelItemCount()):  # a step listed from the run folder already
            if t.topLevelItem(i).data(0, STEP_ROLE) == step:
                t.takeTopLevelItem(i)
                break
        top = QTreeWidgetItem([f"step {step}"])
        top.setData(0, STEP_ROLE, step)
        for f in files:
            child = QTreeWidgetItem([Path(f).stem])
            child.setData(0, Qt.UserRole, str(f))
            child.setToolTip(0, str(f))
            top.addChild(child)
        at = next((i for i in range(t.topLevelItemCount())
                   if t.topLevelItem(i).data(0, STEP_ROLE) < step), t.topLevelItemCount())
        t.insertTopLevelItem(at, top)
        top.setExpanded(True)
        if top.childCount():
            t.setCurrentItem(top.child(0))
        self._update()

    def count(self) -> int:
        t = self.tree
        return sum(t.topLevelItem(i).childCount() for i in range(t.topLevelItemCount()))

    def selected(self) -> str | None:
        item = self.tree.currentItem()
        if item is None:
            return None
        if item.data(0, Qt.UserRole) is None and item.childCount():
            item = item.child(0)
        return item.data(0, Qt.UserRole)

    def set_playing(self, on: bool) -> None:
        self.play_btn.setText("Stop playing" if on else "Play")

    def _request(self, signal) -> None:
        path = self.selected()
        if path:
            signal.emit(path)

    def _update(self) -> None:
        has = self.count() > 0
        self.play_btn.setEnabled(has)
        self.open_btn.setEnabled(has)
