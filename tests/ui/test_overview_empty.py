"""The overview strip of an empty window draws nothing but its background (issue 18: a grey
block from the middle with a yellow line); with a document, the visible window is shown."""
from PySide6.QtGui import QColor


def _colours(widget) -> set[str]:
    image = widget.grab().toImage()
    return {QColor(image.pixel(x, y)).name()
            for x in range(0, image.width(), 3) for y in range(0, image.height(), 3)}


def test_empty_overview_draws_nothing_then_frames_the_document(window, qtbot):
    from studio.ui import theme
    w = window
    strip = w.overview
    assert w.model.document is None
    qtbot.wait(20)
    assert _colours(strip) == {QColor(theme.colors().background).name()}
    assert not strip.window.isVisible()
    from tests.ui.conftest import DEMO
    assert w.actions_.open_path(DEMO, wait=True)
    qtbot.waitUntil(lambda: strip.window.isVisible(), timeout=5000)
    assert len(_colours(strip)) > 3  # the envelope and the window are drawn
    w.set_document(None)
    assert not strip.window.isVisible()
