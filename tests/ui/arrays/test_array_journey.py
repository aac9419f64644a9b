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


def _best_correlation(a, b, lags: int) -> float:
    a, b = a - a.mean(), b - b.mean()
    n = len(a) - 2 * lags
    ref = b[lags:lags + n]
    return max(float(np.dot(a[k:k + n], ref) / np.sqrt(np.dot(a[k:k + n], a[k:k + n])
                                                       * np.dot(ref, ref)))
               for k in range(2 * lags + 1))


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
    # anechoic, small (seconds to run), with sensor noise as a real array has
    sim.form.set_values({"rt60": 0.0, "rate": 16000, "snr": 40.0})
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

    # a beam toward the located source, and the separated source, come back as takes
    image = doc.takes.get(next(iter(doc.takes)).id).audio[0]
    n_takes = len(doc.takes)
    _array_action(w, "array.beamform").trigger()
    beam = tools.dialogs["array.beamform"]
    # the look direction starts on the located source, and offers it (issue 18, bug 9)
    look = beam.form.editors["azimuth"]
    assert look.value() == label[:-1] and look.items() == [label[:-1]]
    beam.run_button.click()
    qtbot.waitUntil(lambda: len(doc.takes) == n_takes + 1 or not w.jobs.jobs, timeout=60000)
    _array_action(w, "array.separate").trigger()
    sep = tools.dialogs["array.separate"]
    sep.form.set_values({"sources": 1, "iterations": 20})
    sep.run_button.click()
    qtbot.waitUntil(lambda: len(doc.takes) == n_takes + 2 or not w.jobs.jobs, timeout=60000)
    takes = list(doc.takes)[n_takes:]
    names = [t.name.split(". ", 1)[1] for t in takes]
    assert names == ["Beamform", "Separate sources · source 1"], w.statusBar().currentMessage()
    for take in takes:
        # one signal, heard on every channel of the recording
        assert take.audio.shape == (6, doc.state.n_frames)
        assert np.array_equal(take.audio[0], take.audio[5])
        # the source as heard at microphone 1, give or take the few samples between the
        # microphone and the array's centre (the beam's reference point)
        corr = _best_correlation(take.audio[0], image, lags=8)
        assert corr > 0.9, (take.name, corr)
    items = [w.takes.list.item(i).text() for i in range(w.takes.list.count())]
    assert any("Beamform" in t for t in items) and any("source 1" in t for t in items)

    # the same operations are in Process › Operations and the Operations dock, where the
    # layout is not a field to type: the dock's layout goes with the job
    tops = w.menuBar().actions()  # kept: PySide drops a menu whose action list is gone
    process = next(a for a in tops if a.text() == "&Process").menu()
    entries = process.actions()
    ops_menu = next(a for a in entries if a.text() == "&Operations").menu()
    categories = ops_menu.actions()
    array_sub = next(a for a in categories if a.text() == "Array").menu()
    assert {a.text() for a in array_sub.actions()} == {op.title for op in tools.ops()}
    w.operations.select("array.doa")
    assert w.operations.operation.id == "array.doa" and "layout" not in w.operations.form.editors
    editor.located.clear()
    w.operations.preview_btn.click()
    qtbot.waitUntil(lambda: bool(editor.located.azimuths or not w.jobs.jobs), timeout=60000)
    assert abs((editor.located.azimuths[0] - truth + 180) % 360 - 180) < 5.0


def test_locate_on_a_stereo_file_says_why_not_before_running(demo_window, qtbot):
    w = demo_window
    w.array_panel.set_layout_dict(None)  # six microphones; the demo has two channels
    _array_action(w, "array.doa").trigger()
    doa = w.array_tools.dialogs["array.doa"]
    assert "2 channels" in doa.note.text() and "6 microphones" in doa.note.text()
    assert doa.run() is None and not w.jobs.jobs
    # a two-microphone layout matches: the note goes and the job runs
    layout = w.array_tools.layout().to_dict()
    layout["mics"] = layout["mics"][:2]
    w.array_panel.set_layout_dict(layout)
    doa.refresh()
    assert doa.note.text() == ""
    doa.hide()


def test_simulate_from_the_open_documents_selection_opens_a_new_window(demo_window, qtbot):
    from studio.core.selection import Selection
    from studio.ui.arrays.source_signals import DOCUMENT
    w = demo_window
    w.array_panel.set_layout_dict(None)
    rate = w.model.rate
    w.model.set_selection(Selection(rate, 2 * rate))  # one second of the demo
    _array_action(w, "array.simulate").trigger()
    sim = w.array_tools.dialogs["array.simulate"]
    sim.form.set_values({"rt60": 0.0, "rate": 16000})
    sim.signals.choose(0, DOCUMENT)
    before = list(getattr(w, "children_windows", []))
    assert sim.run() is not None
    qtbot.waitUntil(lambda: len(getattr(w, "children_windows", [])) > len(before),
                    timeout=60000)
    other = w.children_windows[-1]
    try:
        doc = other.model.document
        assert doc.state.n_channels == 6 and doc.state.sample_rate == 16000
        # the demo stays open here; the recording is the selection's second, plus the
        # room's tail, resampled to 16 kHz
        assert w.model.document.path.endswith("demo.flac")
        assert 1.0 <= doc.state.duration < 1.2
        assert other.array_panel.layout_dict()["mics"] == w.array_tools.layout().to_dict()["mics"]
    finally:
        sim.hide()
        other.quiet = True
        other.close()


def test_beamform_offers_every_located_source_and_keeps_a_typed_direction(window):
    w = window
    w.array_panel.set_layout_dict(None)
    w.array_tools.show_dock()
    editor = w.array_panel.editor
    editor.show_located([35.6, 120.0], [], [], "srp-phat")  # what a DOA report draws
    beam = w.array_tools.open("array.beamform")
    look = beam.form.editors["azimuth"]
    assert look.value() == "35.6"
    assert look.items() == ["35.6", "120.0", "35.6, 120.0"]
    beam.form.set_values({"azimuth": "90"})  # the user's own direction outlives a new Locate
    editor.show_located([-45.0], [], [], "srp-phat")
    w.array_tools.open("array.beamform")
    assert look.value() == "90" and look.items() == ["-45.0"]
    beam.form.reset("azimuth")
    editor.located.clear()
    beam.hide()
