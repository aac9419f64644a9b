"""Switching theme while the window is open re-styles every plot: the background, the axis
pens and tick text, titles and legends, and each view's own colours (envelope, labels)."""
import pyqtgraph as pg
from PySide6.QtGui import QColor


def _plots(w):
    """Every pyqtgraph view in the window's tree (waveform, overview, spectrogram, reports,
    array plots, noise profile ...), found independently of the theme module's own walk."""
    return [v for v in w.findChildren(pg.GraphicsView)]


def _assert_styled(w, c):
    views = _plots(w)
    assert len(views) >= 5  # waveform, overview, spectrogram, reports, array plots
    for v in views:
        assert v.backgroundBrush().color().name() == QColor(c.background).name(), v
        for item in v.scene().items():
            if isinstance(item, pg.AxisItem):
                assert item.textPen().color().name() == QColor(c.text).name(), (v, item)
                assert item.pen().color().name() == QColor(c.text).name(), (v, item)
            elif isinstance(item, pg.LabelItem) and item.text:
                assert QColor(c.text).name() in item.item.toHtml(), (v, item.text)


def _assert_views_follow(w, c):
    _assert_styled(w, c)
    wave = w.waveform
    assert wave.ruler.textPen().color().name() == QColor(c.text).name()
    for item in wave.items:  # the envelope in the new theme's wave colour
        assert item._pen.color().name() == QColor(c.wave).name()
    for label in wave._labels:
        assert label.textItem.defaultTextColor().name() == QColor(c.text).name()
    assert w.overview.item._pen.color().name() == QColor(c.wave).name()
    editor = w.array_panel.editor  # the plan's microphone numbers
    assert editor is not None and editor.top._numbers
    for number in editor.top._numbers:
        assert number.textItem.defaultTextColor().name() == QColor(c.text).name()


def test_theme_switch_restyles_every_plot_both_ways(demo_window):
    from studio.ui import theme
    w = demo_window
    w.array_tools.show_dock()  # the Array dock's plots too
    try:
        w.actions_.set_theme("light")  # the window was made dark
        _assert_views_follow(w, theme.LIGHT)
        w.actions_.set_theme("dark")
        _assert_views_follow(w, theme.DARK)
    finally:
        w.actions_.set_theme("dark")  # the shared window goes back as the other tests expect
