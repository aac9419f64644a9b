"""The transport toolbar: play/pause, stop, home/end, loop the selection, follow the playhead,
A/B, and the position display; the actions live on the window so menus and shortcuts share them."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QIcon, QKeySequence
from PySide6.QtWidgets import QLabel, QStyle, QToolBar

from studio.ui.ruler import format_time


class Transport(QToolBar):
    def __init__(self, window):
        super().__init__("Transport", window)
        self.setObjectName("transportToolbar")
        self.window_ = window
        st = window.style()

        def act(text, icon, shortcut=None, checkable=False, tip=""):
            a = QAction(st.standardIcon(icon) if isinstance(icon, QStyle.StandardPixmap)
                        else QIcon(), text, window)
            if shortcut:
                a.setShortcut(QKeySequence(shortcut))
            a.setCheckable(checkable)
            a.setToolTip(f"{tip or text} ({QKeySequence(shortcut).toString()})" if shortcut
                         else tip or text)
            return a

        self.play = act("Play/Pause", QStyle.SP_MediaPlay, "Space", tip="Play from the cursor")
        self.stop = act("Stop", QStyle.SP_MediaStop, "Ctrl+.", tip="Stop and return")
        self.home = act("Go to start", QStyle.SP_MediaSkipBackward, "Home")
        self.end = act("Go to end", QStyle.SP_MediaSkipForward, "End")
        self.loop = act("Loop selection", QStyle.SP_BrowserReload, "L", checkable=True)
        self.follow = act("Follow playhead", QStyle.SP_ArrowRight, "F", checkable=True)
        self.follow.setChecked(True)
        self.ab = act("A/B: play the take", QStyle.SP_DialogApplyButton, "B", checkable=True,
                      tip="Switch between the original (A) and the selected take (B)")
        for a in (self.home, self.play, self.stop, self.end):
            self.addAction(a)
        self.addSeparator()
        for a in (self.loop, self.follow, self.ab):
            self.addAction(a)
        self.addSeparator()
        self.time_label = QLabel(format_time(0.0))
        self.time_label.setObjectName("timeDisplay")
        self.time_label.setMinimumWidth(130)
        self.time_label.setAlignment(Qt.AlignCenter)
        self.time_label.setToolTip("Playhead position")
        self.addWidget(self.time_label)
        self.addSeparator()

    def set_playing(self, playing: bool) -> None:
        icon = QStyle.SP_MediaPause if playing else QStyle.SP_MediaPlay
        self.play.setIcon(self.window_.style().standardIcon(icon))

    def set_position(self, seconds: float) -> None:
        self.time_label.setText(format_time(seconds, 1e-3))
