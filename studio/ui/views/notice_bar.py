"""A dismissable bar above the views for what the user must know about the open document
(a truncated file, NaN/Inf samples replaced on load, ...). Non-modal, as editors show such
notices (VS Code's and Qt Creator's info bars): work goes on, nothing waits for a click, and
the bar stays until dismissed or another document opens."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton

from studio.ui import theme

MAX_LINES = 4  # more are counted, and all of them are in the tooltip


class NoticeBar(QFrame):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("noticeBar")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(8, 4, 4, 4)
        self.icon = QLabel("⚠")
        self.text = QLabel("")
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.dismiss = QToolButton(text="✕", toolTip="Dismiss", autoRaise=True)
        self.dismiss.clicked.connect(self.hide)
        lay.addWidget(self.icon, 0, Qt.AlignTop)
        lay.addWidget(self.text, 1)
        lay.addWidget(self.dismiss, 0, Qt.AlignTop)
        self.messages: list[str] = []
        self.hide()

    def show_messages(self, title: str, messages: list[str]) -> None:
        self.messages = list(messages)
        c = theme.colors()
        self.setStyleSheet(f"#noticeBar {{ background: {c.warning}; border-radius: 3px; }}"
                           f"#noticeBar QLabel {{ color: {c.text}; }}")
        shown = messages[:MAX_LINES]
        more = len(messages) - len(shown)
        lines = [f"<b>{_esc(title)}</b>"] + [_esc(m) for m in shown]
        if more:
            lines.append(f"… and {more} more")
        self.text.setText("<br>".join(lines))
        self.setToolTip("\n".join(messages))
        self.show()

    def clear(self) -> None:
        self.messages = []
        self.text.setText("")
        self.hide()


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
