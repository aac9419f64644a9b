"""The layout editor offscreen: gestures on the plan views, undo, the table, presets,
transforms, warnings, and that drags coalesce into one figure computation per frame."""
import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from studio.arrays import formats, presets
from studio.ui.arrays import ArrayEditor


@pytest.fixture(scope="module")
def _shared_editor(qapp):
    e = ArrayEditor()  # one window for the module: building one costs seconds on a busy CI box
    e.resize(1200, 800)
    e.show()
    yield e
    e.close()
    e.deleteLater()


@pytest.fixture
def editor(_shared_editor, qtbot):
    e = _shared_editor
    e.set_layout(None)  # the default layout, an empty history
    e.units.setCurrentText("cm")
    e.polar_freq.setValue(1000)
    e._on_steer_changed(0.0)
    frames = e.panel.frames
    qtbot.waitUntil(lambda: e.panel.frames > frames, timeout=30000)
    return e


def _drag(view, start, path):
    view.begin_drag(QPointF(*start))
    for p in path:
        view.drag_to(QPointF(*p))
    view.end_drag(QPointF(*path[-1]))


def test_drag_moves_snaps_and_undoes_in_one_step(editor, qtbot):
    before = editor.layout().positions().copy()
    x, y = before[0, :2]
    changes = []
    editor.layout_changed.connect(changes.append)
    _drag(editor.top, (x, y), [(x + 0.01, y), (x + 0.05, y + 0.02), (x + 0.1234, y + 0.0517)])
    after = editor.layout().positions()
    want = np.round(np.array([x + 0.1234, y + 0.0517]) / 0.001) * 0.001  # onto the 1 mm grid
    assert after[0, :2] == pytest.approx(want, abs=1e-9)
    assert np.allclose(after[1:], before[1:])
    assert isinstance(changes[-1], dict) and changes[-1]["mics"][0]["x"] == pytest.approx(want[0])
    assert editor.undo_stack.count() == 1
    editor.undo_stack.undo()
    assert np.allclose(editor.layout().positions(), before)
    editor.undo_stack.redo()
    assert editor.layout().positions()[0, 0] == pytest.approx(want[0])
    # the table follows
    assert float(editor.table.item(0, 0).text()) == pytest.approx(want[0] * 100)


def test_drag_events_coalesce_into_one_computation_per_frame(editor, qtbot):
    qtbot.wait(50)
    frames = editor.panel.frames
    x, y = editor.layout().positions()[2, :2]
    editor.top.begin_drag(QPointF(x, y))
    for k in range(20):  # twenty mouse moves before the event loop runs once
        editor.top.drag_to(QPointF(x + 0.002 * k, y))
    qtbot.waitUntil(lambda: editor.panel.frames > frames, timeout=5000)
    qtbot.wait(30)
    assert editor.panel.frames == frames + 1
    editor.top.end_drag(QPointF(x + 0.04, y))
    # the figures describe the final layout, not an intermediate one
    qtbot.waitUntil(lambda: editor.panel.frames > frames + 1, timeout=5000)
    from studio.arrays.live import ArrayFigures
    fresh = ArrayFigures().compute(editor.layout(), editor._steer, "delay-and-sum",
                                   editor.loading, editor._polar_hz)
    assert np.allclose(editor.last_figures.map_db, fresh.map_db, atol=1e-2)


def test_side_view_moves_height_and_sources_and_room(editor):
    p0 = editor.layout().positions()[1]
    _drag(editor.side, (p0[0], p0[2]), [(p0[0], p0[2] + 0.3)])
    assert editor.layout().positions()[1, 2] == pytest.approx(p0[2] + 0.3)
    sx, sy = editor.layout().sources[0].x, editor.layout().sources[0].y
    _drag(editor.top, (sx, sy), [(sx - 1.0, sy + 0.5)])
    moved = editor.layout().sources[0]
    assert (moved.x, moved.y) == pytest.approx((sx - 1.0, sy + 0.5))
    size = editor.layout().room.size
    _drag(editor.top, (size[0], size[1]), [(size[0] + 1.0, size[1])])
    assert editor.layout().room.size[0] == pytest.approx(size[0] + 1.0)
    assert editor.undo_stack.count() == 3


def test_band_selection_then_rotate_and_delete(editor):
    lay = editor.layout()
    c = lay.centroid()
    editor.top.begin_drag(QPointF(c[0] + 0.001, c[1] - 0.5))  # an empty spot: a rubber band
    editor.top.drag_to(QPointF(c[0] + 0.1, c[1] + 0.1))
    editor.top.end_drag(QPointF(c[0] + 0.1, c[1] + 0.1))
    inside = [i for i, p in enumerate(lay.positions()) if p[0] >= c[0] + 0.001]
    assert editor._selected == set(inside) and inside
    editor.rotate_by.setValue(90)
    before = editor.layout().positions()
    editor._on_rotate_clicked()
    after = editor.layout().positions()
    others = [i for i in range(len(before)) if i not in inside]
    assert np.allclose(after[others], before[others])
    assert not np.allclose(after[inside], before[inside])
    n = len(editor.layout().mics)
    editor.delete_selected()
    assert len(editor.layout().mics) == n - len(inside)
    editor.undo_stack.undo()
    assert len(editor.layout().mics) == n


def test_table_edits_with_units_and_rejects_nonsense(editor):
    editor.units.setCurrentText("mm")
    editor.table.item(0, 1).setText("123.5")
    assert editor.layout().mics[0].y == pytest.approx(0.1235)
    editor.table.item(0, 5).setText("cardioid")
    assert editor.layout().mics[0].directivity == "cardioid"
    editor.table.item(0, 0).setText("abc")
    assert "not a valid" in editor.status.text()
    assert editor.table.item(0, 0).text() != "abc"
    editor.table.item(1, 3).setCheckState(Qt.CheckState.Unchecked)
    assert editor.layout().mics[1].enabled is False
    assert editor.undo_stack.count() == 3


def test_presets_warnings_and_session_round_trip(editor, qtbot):
    editor.apply_preset("Uniform linear")
    editor.count.setValue(4)   # the preset, re-made at 4 microphones 8 cm apart
    editor.size.setValue(8.0)  # cm, the editor's unit
    assert len(editor.layout().mics) == 4
    assert np.diff(editor.layout().positions()[:, 0]) == pytest.approx([0.08] * 3)
    editor.polar_freq.setValue(4000)
    editor._on_steer_changed(45.0)
    qtbot.waitUntil(lambda: "front-back" in editor.panel.warnings.text(), timeout=5000)
    text = editor.panel.warnings.text()
    assert "aliasing above 2144 Hz" in text and "grating" in text
    for name in presets.PRESETS:
        editor.apply_preset(name)
    stored = editor.get_layout()
    other = ArrayEditor()
    qtbot.addWidget(other)
    other.set_layout(stored)
    assert other.get_layout() == stored
    assert other.undo_stack.count() == 0
    # the stored dict is what the layout files hold
    assert formats.from_json(formats.to_json(formats.parse_layout(stored))).to_dict() == stored


def test_import_and_export(editor, tmp_path):
    lay = presets.spiral(12, 0.3)
    path = tmp_path / "spiral.xml"
    formats.save_layout(lay, path)
    editor.import_file(str(path))
    assert editor.layout().positions().tolist() == lay.positions().tolist()
    assert editor.layout().room is not None  # the room and sources stay
    editor.import_file(str(tmp_path / "missing.cfg"))
    assert "cannot read" in editor.status.text()
