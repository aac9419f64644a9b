"""Dark and light themes: a Qt palette, a small style sheet from resources/themes/, and the
colours the views paint with (one place, so every view agrees)."""
from __future__ import annotations

from dataclasses import dataclass

import pyqtgraph as pg
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QWidget

from studio.paths import resource

THEMES = ("dark", "light")


@dataclass(frozen=True)
class Colors:
    background: str
    panel: str
    grid: str
    text: str
    wave: str          # min/max envelope
    rms: str           # RMS band inside the envelope
    selection: str     # translucent, with alpha
    playhead: str
    cursor: str
    region: str        # overview's visible window
    disabled_wave: str
    clip: str          # samples at or over full scale ("Show Clipping" marks)
    warning: str       # the notice bar's background


DARK = Colors(background="#16181d", panel="#1f2229", grid="#2c3039", text="#d7dae0",
              wave="#4aa3df", rms="#9bd0f5", selection="#f0c04055", playhead="#ff5c5c",
              cursor="#f0c040", region="#ffffff30", disabled_wave="#59606b",
              clip="#ff3030", warning="#5a4413")
LIGHT = Colors(background="#fbfbfc", panel="#eceef2", grid="#d5d8de", text="#1d2026",
               wave="#1f6fb2", rms="#77aee0", selection="#e0a00040", playhead="#d02020",
               cursor="#c07800", region="#00000022", disabled_wave="#a7adb6",
               clip="#e00000", warning="#fbe7b0")

_current: Colors = DARK
_name = "dark"


def colors() -> Colors:
    return _current


def current_name() -> str:
    return _name


def _palette(c: Colors, dark: bool) -> QPalette:
    p = QPalette()
    base = QColor(c.background)
    panel = QColor(c.panel)
    text = QColor(c.text)
    p.setColor(QPalette.Window, panel)
    p.setColor(QPalette.WindowText, text)
    p.setColor(QPalette.Base, base)
    p.setColor(QPalette.AlternateBase, panel.darker(110) if dark else panel.lighter(104))
    p.setColor(QPalette.Text, text)
    p.setColor(QPalette.Button, panel)
    p.setColor(QPalette.ButtonText, text)
    p.setColor(QPalette.ToolTipBase, panel)
    p.setColor(QPalette.ToolTipText, text)
    p.setColor(QPalette.Highlight, QColor(c.wave))
    p.setColor(QPalette.HighlightedText, QColor("#ffffff"))
    p.setColor(QPalette.PlaceholderText, QColor(c.disabled_wave))
    for role in (QPalette.Text, QPalette.ButtonText, QPalette.WindowText):
        p.setColor(QPalette.Disabled, role, QColor(c.disabled_wave))
    return p


def apply(name: str, app: QApplication | None = None) -> str:
    """Switch the whole application to theme `name` ("dark" or "light"); returns the name used."""
    global _current, _name
    name = name if name in THEMES else "dark"
    _name = name
    _current = DARK if name == "dark" else LIGHT
    pg.setConfigOptions(background=_current.background, foreground=_current.text,
                        antialias=False)
    app = app or QApplication.instance()
    if app is not None:
        app.setStyle("Fusion")
        app.setPalette(_palette(_current, name == "dark"))
        qss = resource("themes", f"{name}.qss")
        app.setStyleSheet(qss.read_text() if qss.exists() else "")
        restyle_plots(app)
    return name


def _closed(window) -> bool:
    """A top-level window that was shown and then closed: it may be waiting for its deferred
    deletion, and walking its scene then crashed (a segfault in a test run that had closed
    other windows). A hidden floating dock is not closed: it comes back with its view."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QDockWidget
    return (window.isHidden() and window.testAttribute(Qt.WA_WState_ExplicitShowHide)
            and not isinstance(window, QDockWidget))


def restyle_plots(app: QApplication) -> None:
    """Re-colour every pyqtgraph view already on screen: pyqtgraph reads its configured
    background and foreground only when a view or axis is made, so without this a theme
    switch left the old background, axis pens and labels in place (a black waveform with
    dark labels after Light). A view with colours of its own (an envelope, a selection)
    re-paints them in its `restyle_theme(colors)`."""
    c = _current
    for widget in app.allWidgets():
        # QWidget.window: a view may name an item of its own `window`
        if not isinstance(widget, pg.GraphicsView) or _closed(QWidget.window(widget)):
            continue
        widget.setBackground(c.background)
        for item in widget.scene().items() if widget.scene() is not None else ():
            if isinstance(item, pg.AxisItem):
                item.setPen(c.text)
                item.setTextPen(c.text)
            elif isinstance(item, pg.LabelItem):
                item.setAttr("color", None)  # the foreground option, now the new text colour
                item.setText(item.text)
            elif isinstance(item, pg.LegendItem):
                item.setLabelTextColor(c.text)
        hook = getattr(widget, "restyle_theme", None)
        if callable(hook):
            hook(c)
