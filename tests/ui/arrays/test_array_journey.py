"""The microphone-placing journey in the real window (offscreen, the real engine thread):
Array menu → Simulate (one source at a known azimuth, anechoic) → the recording opens as a
multichannel document with the source's image as a take → Array menu → Locate → a marker
on the plan within 5° of the source, labelled in degrees, and the azimuth map drawn."""
import math

import numpy as np
import pytest


def _array_action(window, op_id):
    """The Array menu's entry for `op_id`, as the user finds it in the menu bar."""
    menu = window.array_tools.menu
    assert menu.menuAction() in window.menuBar().actions()
    assert menu.title().replace("&", "") == "Array"
    return next(a for a in menu.actions() if a.objectName() == f"array:{op_id}")


def test_simulate_then_locate_marks_the_source_on_the_plan(window, qtbot):
    w = window
    w.array_panel.set_layout_dict(None)  # the default: a 6-mic circle, one source, a room
    tools = w.array_tools
    layout = tools.layout()
    centre = layout.centroid()
    src = layout.sources[0]
    truth = math.degrees(math.atan2(src.y - centre[1], src.x - centre[0]))

    _array_action(w, "array.simulate").trigger()
    sim = tools.dialogs["array.simulate"]
    assert sim.isVisible() and "6 microphones" in sim.summary.text()
    sim.form.set_values({"rt60": 0.0, "rate": 16000})  # anechoic, small: seconds to run
    sim.signals.seconds.setValue(1.0)
    sim.run_button.click()
    qtbot.waitUntil(lambda: w.model.document is not None, timeout=60000)
    doc = w.model.document
    assert doc.state.n_channels == 6 and doc.state.sample_rate == 16000
    assert [t.name for t in doc.takes] == ["1. image: source 1"]
    assert w.format_label.text().startswith("16000 Hz · 6 ch")
    # the recording carries the layout it was simulated with
    assert doc.extensions["array_layout"]["mics"] == layout.to_dict()["mics"]

    _array_action(w, "array.doa").trigger()
    doa = tools.dialogs["array.doa"]
    assert doa.note.text() == ""  # 6 channels for 6 microphones: nothing to fix first
    assert doa.run_button.click() is None and w.jobs.jobs, w.statusBar().currentMessage()
    panel = w.array_panel
    qtbot.waitUntil(lambda: bool(panel.editor is not None and panel.editor.located.azimuths
                                 or not w.jobs.jobs), timeout=60000)
    editor = panel.editor
    assert editor is not None and editor.located.azimuths, w.statusBar().currentMessage()
    assert w.array_dock.isVisible()
    (x, y), = editor.located.positions()
    drawn = math.degrees(math.atan2(y - centre[1], x - centre[0]))
    assert abs((drawn - truth + 180) % 360 - 180) < 5.0
    label, = editor.located.label_texts()
    assert label.endswith("°") and abs(float(label[:-1]) - truth) < 5.0
    gx, gy = editor.azimuth_map.curve.getData()
    assert gx is not None and len(gx) > 100 and gy.max() == pytest.approx(1.0)
    # the map's peak is the located azimuth
    assert abs(gx[int(np.argmax(gy))] - drawn) < 2.0
    assert editor.tabs.currentWidget() is editor.azimuth_map
