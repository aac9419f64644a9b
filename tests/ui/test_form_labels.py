"""What a generated form shows (issue 18): labels made from parameter names spell acronyms as
people write them ("FFT size", not "Fft size"), numbers read like numbers ("0.5", not
"0.5000"), and a value that means "decide for me" says so instead of a raw -1 or 0."""
import re

import pytest
from PySide6.QtWidgets import QFormLayout, QLabel

from studio.engine import registry
from studio.ui.forms import ParamForm

# how these are written, checked independently of the label map in studio.engine.params
WRITTEN = {"fft": "FFT", "rt60": "RT60", "snr": "SNR", "lpc": "LPC", "doa": "DOA",
           "mvdr": "MVDR", "lcmv": "LCMV", "f0": "f0", "lufs": "LUFS", "dbfs": "dBFS"}


def _labels(form) -> dict[str, str]:
    lay = form.layout()
    out = {}
    for row in range(lay.rowCount()):
        label = lay.itemAt(row, QFormLayout.LabelRole)
        field = lay.itemAt(row, QFormLayout.FieldRole)
        if label is not None and isinstance(label.widget(), QLabel):
            ed = next(name for name, e in form.editors.items()
                      if field.widget().isAncestorOf(e))
            out[ed] = label.widget().text()
    return out


def test_every_forms_labels_spell_acronyms(qtbot):
    seen = 0
    for op in registry.all_operations():
        form = ParamForm(op.schema)
        qtbot.addWidget(form)
        for name, text in _labels(form).items():
            for word in name.split("_"):
                if word in WRITTEN:
                    seen += 1
                    assert re.search(rf"\b{re.escape(WRITTEN[word])}\b", text), (op.id, text)
    assert seen >= 6  # FFT sizes, RT60, SNR, target f0, LUFS, dBFS at least


@pytest.mark.parametrize("op_id,name,label", [("analyze.spectrum", "fft_size", "FFT size"),
                                              ("edit.normalize", "peak_dbfs", "Peak dBFS"),
                                              ("convert.voice", "target_f0", "Target f0")])
def test_labels_from_names(qtbot, op_id, name, label):
    form = ParamForm(registry.get(op_id).schema)
    qtbot.addWidget(form)
    assert _labels(form)[name] == label


def test_numbers_read_without_padding_zeros(qtbot):
    form = ParamForm(registry.get("analyze.spectrum").schema)
    qtbot.addWidget(form)
    overlap = form.editors["overlap"]
    assert overlap.spin.text() == "0.5" and overlap.value() == pytest.approx(0.5)
    overlap.spin.setValue(0.125)  # the decimals the step allows are kept
    assert overlap.spin.text() == "0.125" and form.values()["overlap"] == pytest.approx(0.125)


@pytest.mark.parametrize("op_id,name,shown,value", [
    ("array.simulate", "max_order", "auto", -1),
    ("array.separate", "iterations", "method's default", 0),
    ("array.beamform", "noise_end", "no segment", 0.0),
    ("generate.sample", "duration", "model's length", 0.0),
    ("restore.denoise", "smoothing", "none", 1),
])
def test_a_value_that_means_decide_for_me_says_so(qtbot, op_id, name, shown, value):
    form = ParamForm(registry.get(op_id).schema)
    qtbot.addWidget(form)
    ed = form.editors[name]
    assert ed.spin.text() == shown
    assert form.values()[name] == value  # what runs is still the number
    ed.spin.setValue(ed.spin.value() + 2 * ed.spin.singleStep())  # a number reads as one
    assert ed.spin.text() != shown and ed.spin.text()[0].isdigit()


def test_an_empty_text_says_what_empty_means(qtbot):
    from PySide6.QtWidgets import QLineEdit
    form = ParamForm(registry.get("array.simulate").schema)
    qtbot.addWidget(form)
    edit = form.editors["array_center"].widget
    assert isinstance(edit, QLineEdit) and edit.text() == ""
    assert edit.placeholderText() == "as in the layout"


def test_every_form_starts_on_its_declared_defaults(qtbot):
    """A box rounded to its step's decimals changed the value that runs: Beamform's loading
    0.001 became 0, the filters' Q 0.707 became 0.71."""
    for op in registry.all_operations():
        form = ParamForm(op.schema)
        qtbot.addWidget(form)
        shown = form.values()
        for p in op.schema:
            if p.name in shown and isinstance(p.default, float):
                assert shown[p.name] == pytest.approx(p.default, rel=1e-9, abs=1e-12), \
                    (op.id, p.name)
    form = ParamForm(registry.get("array.beamform").schema)
    qtbot.addWidget(form)
    assert form.editors["loading"].spin.text() == "0.001"
