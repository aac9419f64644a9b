"""The Array dock as the main window shows it at its default size (1500 x 900): the plan
frames the 9 cm array (not the room), a microphone is big enough on screen to grab with the
mouse, the drag moves it and leaves the user's view alone, microphones are numbered, the
map has a usable height, and a preset brings its own geometry."""
import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest


@pytest.fixture
def array_editor(window, qtbot):
    w = window
    w.resize(1500, 900)
    w._default_dock_sizes()
    w.array_panel.set_layout_dict(None)
    w.array_dock.show()
    w.array_dock.raise_()  # what clicking the Array tab does
    qtbot.waitUntil(lambda: w.array_panel.editor is not None, timeout=20000)
    editor = w.array_panel.editor
    # the window and its dock areas settle (the resize, then the docks beside this one)
    sizes = []
    for _ in range(50):
        qtbot.wait(100)
        sizes.append((editor.width(), editor.height()))
        if len(sizes) > 3 and len(set(sizes[-4:])) == 1:
            break
    yield editor
    w.jobs_dock.raise_()


def _pixel_of(view, x, y) -> QPoint:
    """The viewport pixel where the plan's point (x, y) metres is drawn."""
    scene = view.getViewBox().mapViewToScene(QPointF(x, y))
    return view.mapFromScene(scene)


def test_default_dock_frames_the_array_and_a_mic_can_be_dragged(array_editor, qtbot):
    editor = array_editor
    view = editor.top
    pos = editor.layout().positions()
    (x0, x1), (y0, y1) = view.getViewBox().viewRange()
    # every microphone in view, and the view about the array's size (the room is 6 m)
    assert x0 < pos[:, 0].min() and pos[:, 0].max() < x1
    assert y0 < pos[:, 1].min() and pos[:, 1].max() < y1
    assert (y1 - y0) < 4 * np.ptp(pos[:, 1]) and (x1 - x0) < 1.0
    # the map and the plan are plots, not strips
    assert editor.panel.map.height() >= 140 and view.height() >= 150
    # microphones are numbered as the table's rows, next to each microphone
    texts = [t.toPlainText() for t in view._numbers if t.isVisible()]
    assert texts == [str(k) for k in range(1, len(pos) + 1)]
    assert view._numbers[2].pos().x() == pytest.approx(pos[2, 0])
    # two microphones 4.6 cm apart are far apart on screen: each can be grabbed alone
    a, b = _pixel_of(view, *pos[0, :2]), _pixel_of(view, *pos[1, :2])
    assert (a - b).manhattanLength() > 30
    # drag microphone 1 with the mouse by 40 px to the right
    before_range = view.getViewBox().viewRange()
    port = view.viewport()
    QTest.mousePress(port, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, a)
    for step in range(1, 9):
        QTest.mouseMove(port, a + QPoint(5 * step, 0))
        qtbot.wait(10)
    QTest.mouseRelease(port, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       a + QPoint(40, 0))
    qtbot.wait(50)
    after = editor.layout().positions()
    # where the mouse let go, in metres (snapped to the 1 mm grid)
    target = view.getViewBox().mapSceneToView(view.mapToScene(a + QPoint(40, 0)))
    assert after[0, 0] == pytest.approx(target.x(), abs=0.0015)
    assert after[0, 0] - pos[0, 0] > 0.02  # a visible move, not a jitter
    assert after[0, 1] == pytest.approx(pos[0, 1], abs=0.002)
    assert np.allclose(after[1:], pos[1:])
    assert editor.undo_stack.count() == 1
    # the user's view stays where it was: no re-fit to the room after the drag, nor on undo
    assert np.allclose(view.getViewBox().viewRange(), before_range)
    editor.undo_stack.undo()
    assert np.allclose(view.getViewBox().viewRange(), before_range)
    # the room is one click away
    editor.fit_views("room")
    (rx0, rx1), _ = view.getViewBox().viewRange()
    assert rx0 <= 0.0 and rx1 >= editor.layout().room.size[0]


def test_one_unit_on_the_plan_the_table_and_the_boxes(array_editor):
    editor = array_editor
    editor.units.setCurrentText("mm")
    assert editor.top.getPlotItem().getAxis("bottom").labelText == "x (mm)"
    assert editor.table.horizontalHeaderItem(0).text() == "x (mm)"
    assert editor.size.suffix() == " mm" and editor.size.value() == pytest.approx(46.3)
    assert editor.move_by[0].suffix() == " mm"
    editor.units.setCurrentText("cm")
    assert editor.top.getPlotItem().getAxis("left").labelText == "y (cm)"
    assert editor.size.value() == pytest.approx(4.63)


def test_a_preset_brings_its_own_geometry_then_the_boxes_edit_it(array_editor):
    editor = array_editor
    editor.apply_preset("Spiral")
    pos = editor.layout().positions()
    centre = pos.mean(0)
    assert len(pos) == 32
    assert np.linalg.norm(pos - centre, axis=1).max() == pytest.approx(0.5, rel=0.15)
    assert editor.count.value() == 32 and editor.size.value() == pytest.approx(50.0)
    assert editor.boxes.size_label.text() == "radius"
    # the view frames the new, larger array
    (x0, x1), _ = editor.top.getViewBox().viewRange()
    assert x0 < pos[:, 0].min() and pos[:, 0].max() < x1
    editor.count.setValue(12)  # editable after: the same preset at 12 microphones
    assert len(editor.layout().mics) == 12
    editor.size.setValue(20.0)
    r = np.linalg.norm(editor.layout().positions() - editor.layout().centroid(), axis=1)
    assert r.max() == pytest.approx(0.2, rel=0.2)
    editor.apply_preset("Rectangular")
    assert len(editor.layout().mics) == 16 and editor.boxes.count_label.text() == "grid side"
    assert editor.count.value() == 4 and editor.size.value() == pytest.approx(4.0)


def test_an_added_source_is_shown(array_editor):
    editor = array_editor
    editor.add_source()
    s = editor.layout().sources[-1]
    (x0, x1), (y0, y1) = editor.top.getViewBox().viewRange()
    assert x0 < s.x < x1 and y0 < s.y < y1
    editor.undo_stack.undo()


def test_default_dock_shows_whole_labels_and_values_with_units(array_editor):
    """Issue 18: at 1500 x 900 the tabs read "Side (:" and "Loc", the table's columns were
    cut at the dock's edge and the loading read "1.0e-02"."""
    from PySide6.QtWidgets import QTabWidget
    editor = array_editor
    for tabs in editor.findChildren(QTabWidget):
        bar = tabs.tabBar()
        names = [tabs.tabText(i) for i in range(tabs.count())]
        # every tab as wide as its whole text wants: nothing elided, no scroll arrows
        assert sum(bar.tabRect(i).width() for i in range(tabs.count())) <= bar.width(), names
        for i in range(tabs.count()):
            assert bar.tabRect(i).width() >= bar.tabSizeHint(i).width(), names[i]
    table = editor.table
    widths = sum(table.columnWidth(c) for c in range(table.columnCount()))
    assert widths <= table.viewport().width()
    # positions in one format per column (a tenth of a millimetre in cm), as numbers
    pos = editor.layout().positions()
    texts = [table.item(r, 0).text() for r in range(table.rowCount())]
    assert texts == [f"{x * 100:.2f}" for x in pos[:, 0]]
    # the loading in dB relative to the mean power, its default 1e-2
    assert editor.loading == pytest.approx(1e-2)
    assert editor.loading_label.text() == "−20 dB"
