"""Operation forms from schemas; preview, A/B, compare, apply and stale results through the
real engine host."""
import numpy as np
import pytest

from studio.core.document import Document
from studio.core.selection import Selection
from studio.engine import params as P


def test_form_generated_from_schema(qtbot, tmp_path):
    from PySide6.QtWidgets import QCheckBox, QComboBox
    from studio.ui.forms import ParamForm, _NumberEditor
    f = tmp_path / "n.wav"
    f.write_bytes(b"")
    schema = P.Schema((P.Float("cutoff", 1000.0, lo=20.0, hi=20000.0, unit="Hz", log=True),
                       P.Int("order", 4, lo=1, hi=12),
                       P.Bool("zero_phase", True),
                       P.Choice("mode", "soft", options=("soft", "hard")),
                       P.File("profile", "", must_exist=True),
                       P.FreqRange("band", None)))
    form = ParamForm(schema)
    qtbot.addWidget(form)
    assert dict(schema.validate(form.values())) == dict(schema.validate({}))
    cut = form.editors["cutoff"]
    assert isinstance(cut, _NumberEditor) and cut.spin.suffix() == " Hz" and cut.log
    # the log slider's middle is the geometric mean of the range
    cut.slider.setValue(500)
    assert abs(cut.value() - np.sqrt(20.0 * 20000.0)) / 632.5 < 0.01
    assert isinstance(form.editors["mode"].widget, QComboBox)
    assert isinstance(form.editors["zero_phase"].widget, QCheckBox)
    form.set_values({"order": 8, "mode": "hard", "profile": str(f), "band": (100.0, 900.0)})
    v = schema.validate(form.values())
    assert (v.order, v.mode, v.profile, v.band) == (8, "hard", str(f), (100.0, 900.0))
    form.reset("order")
    assert form.values()["order"] == 4 and form.values()["mode"] == "hard"
    form.reset()
    assert dict(schema.validate(form.values())) == dict(schema.validate({}))


def _tone_doc(rate=8000):
    t = np.arange(rate * 3) / rate
    x = (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    return Document.from_array(np.stack([x, 0.5 * x]), rate)


def _gain_op():
    from studio.engine import registry
    return registry.get("edit.gain")


def test_preview_ab_apply_undo(window, qtbot):
    w = window
    w.set_document(_tone_doc())
    before = w.model.state.read()
    op = _gain_op()
    gain_param = op.schema.params[0].name
    w.model.set_selection(Selection(800, 4800))
    w.actions_.preview(op, {gain_param: -6.0})
    qtbot.waitUntil(lambda: len(w.model.document.takes) == 1, timeout=20000)
    take = list(w.model.document.takes)[0]
    assert (take.start, take.end) == (800, 4800)
    np.testing.assert_allclose(take.audio, before[:, 800:4800] * 10 ** (-6 / 20), atol=1e-5)
    assert not w.model.document.is_modified  # a preview never touches the document
    # A/B through the transport action selects the take as the player's source
    w.transport.ab.setChecked(True)
    assert w.player.use_take and w.player.take.id == take.id and w.takes.ab.isChecked()
    w.transport.ab.setChecked(False)
    # apply the take: one undo step, equal to numpy
    w.takes.apply_take.emit(take)
    expected = before.copy()
    expected[:, 800:4800] *= 10 ** (-6 / 20)
    np.testing.assert_allclose(w.model.state.read(), expected, atol=1e-5)
    w.actions_.all["undo"].trigger()
    np.testing.assert_array_equal(w.model.state.read(), before)


def test_apply_job_and_stale_result_dropped(window, qtbot):
    w = window
    w.set_document(_tone_doc())
    before = w.model.state.read()
    op = _gain_op()
    name = op.schema.params[0].name
    w.model.set_selection(Selection(0, 8000))
    ended = []
    w.jobs.job_ended.connect(lambda info, how: ended.append(how))
    w.actions_.apply(op, {name: 6.0})
    qtbot.waitUntil(lambda: bool(ended), timeout=20000)
    assert ended == ["finished"] and w.model.document.can_undo
    np.testing.assert_allclose(w.model.state.read(0, 8000), before[:, :8000] * 10 ** 0.3,
                               rtol=1e-4, atol=1e-6)
    # a result computed from a state that was edited meanwhile is dropped
    ended.clear()
    mid = w.model.state.read()
    w.actions_.apply(op, {name: 6.0})
    w.actions_.edit.reverse()  # the document changes while the job is queued/running
    reversed_ = w.model.state.read()
    qtbot.waitUntil(lambda: bool(ended), timeout=20000)
    assert ended == ["stale"]
    np.testing.assert_array_equal(w.model.state.read(), reversed_)
    assert not np.array_equal(reversed_, mid)


def test_failed_job_changes_nothing(window, qtbot):
    w = window
    w.set_document(_tone_doc())
    before = w.model.state.read()
    ended = []
    w.jobs.job_ended.connect(lambda info, how: ended.append(how))
    op = _gain_op()
    w.actions_.apply(op, {"no_such_param": 1})
    qtbot.waitUntil(lambda: bool(ended), timeout=20000)
    assert ended[0].startswith("failed")
    np.testing.assert_array_equal(w.model.state.read(), before)
    assert not w.model.document.can_undo


def test_compare_renders_one_take_per_set(window, qtbot):
    w = window
    w.set_document(_tone_doc())
    op = _gain_op()
    name = op.schema.params[0].name
    w.actions_.compare(op, {}, sets=[{name: -3.0}, {name: -6.0}, {name: -12.0}])
    qtbot.waitUntil(lambda: len(w.model.document.takes) == 3, timeout=30000)
    peaks = sorted(float(np.abs(t.audio).max()) for t in w.model.document.takes)
    np.testing.assert_allclose(peaks, [0.5 * 10 ** (g / 20) for g in (-12, -6, -3)], rtol=1e-3)
    assert w.takes.list.count() == 3


def test_chain_runs_steps_in_order(window, qtbot, tmp_path):
    import json
    w = window
    w.set_document(_tone_doc())
    before = w.model.state.read()
    name = _gain_op().schema.params[0].name
    chain = tmp_path / "c.json"
    chain.write_text(json.dumps([{"op": "edit.gain", "params": {name: -6.0}},
                                 {"op": "edit.gain", "params": {name: -6.0}}]))
    w.model.set_selection(Selection(0, 8000))
    w.actions_.run_chain(str(chain), kind="apply")
    qtbot.waitUntil(lambda: w.model.document.can_undo, timeout=30000)
    np.testing.assert_allclose(w.model.state.read(0, 8000), before[:, :8000] * 10 ** (-12 / 20),
                               atol=1e-5)
