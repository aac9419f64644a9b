"""Operation forms generated from a parameter schema (studio.engine.params): a slider with its
unit beside a spin box for numbers, a combo box for choices, a check box, a file picker, a
frequency band, an editable list of the installed models of a model family; each row has a
reset-to-default button. A parameter's `hint` picks a richer editor (form_hints.py: a seed box
with a dice button, a combo of the chosen model's classes or notes) and a Choice's `fills`
fill the fields it sets. A parameter is declared once, in its operation; nothing here knows
any particular operation."""
from __future__ import annotations

import importlib
import math

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFileDialog, QFormLayout,
                               QHBoxLayout, QLineEdit, QPushButton, QSlider, QSpinBox,
                               QToolButton, QWidget)

from studio.engine import params as P
from studio.ui import form_hints, special_values

SLIDER_STEPS = 1000


class _PlainDoubleSpinBox(QDoubleSpinBox):
    """Shows a number as people write it: 0.5, 6 sigma, 1.17, not 0.5000 or 6.00 sigma (the
    decimals the step allows are still typed and kept)."""

    def textFromValue(self, value: float) -> str:
        text = super().textFromValue(value)
        point = self.locale().decimalPoint()
        if point in text:
            text = text.rstrip("0").rstrip(point)
        return text


class _NumberEditor(QWidget):
    """Slider + spin box for a Float or Int with a range (log-scaled when the param says so)."""
    changed = Signal()

    def __init__(self, param, parent=None):
        super().__init__(parent)
        self.param = param
        is_int = isinstance(param, P.Int)
        lo = param.lo if param.lo is not None else (-1e9 if param.hi is None else param.hi - 1e6)
        hi = param.hi if param.hi is not None else lo + 1e6
        self.lo, self.hi = float(lo), float(hi)
        self.log = bool(getattr(param, "log", False)) and self.lo > 0
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.spin = special_values.spin_box(param, QSpinBox if is_int else _PlainDoubleSpinBox)
        self.spin.setRange(int(lo) if is_int else lo, int(hi) if is_int else hi)
        if not is_int:
            step = param.step or _nice_step(self.hi - self.lo)
            self.spin.setSingleStep(step)
            # as fine as the step, and as the default: 0.001 with a 0.1 step was rounded to
            # 0 (Beamform ran without loading), a Q of 0.707 to 0.71
            decimals = max(-int(math.floor(math.log10(step))) + 1, _decimals_of(param.default))
            self.spin.setDecimals(max(0, min(6, decimals)))
        if param.unit:
            self.spin.setSuffix(f" {param.unit}")
        self.spin.setKeyboardTracking(False)
        self.slider = QSlider(Qt.Horizontal)
        self.slider.setRange(0, SLIDER_STEPS)
        bounded = param.lo is not None and param.hi is not None
        self.slider.setVisible(bounded)
        row.addWidget(self.slider, 3)
        row.addWidget(self.spin, 2)
        self.slider.valueChanged.connect(self._on_slider_changed)
        self.spin.valueChanged.connect(self._on_spin_changed)
        self._sync = False

    def _to_slider(self, v: float) -> int:
        if self.hi <= self.lo:
            return 0
        if self.log:
            f = math.log(max(v, self.lo) / self.lo) / math.log(self.hi / self.lo)
        else:
            f = (v - self.lo) / (self.hi - self.lo)
        return int(round(min(max(f, 0.0), 1.0) * SLIDER_STEPS))

    def _from_slider(self, i: int) -> float:
        f = i / SLIDER_STEPS
        return self.lo * (self.hi / self.lo) ** f if self.log else self.lo + f * (self.hi - self.lo)

    def _on_slider_changed(self, i: int) -> None:
        if not self._sync:
            self._sync = True
            v = self._from_slider(i)
            self.spin.setValue(int(round(v)) if isinstance(self.spin, QSpinBox) else v)
            self._sync = False
            self.changed.emit()

    def _on_spin_changed(self, v) -> None:
        if not self._sync:
            self._sync = True
            self.slider.setValue(self._to_slider(float(v)))
            self._sync = False
            self.changed.emit()

    def value(self):
        return self.spin.value()

    def set_value(self, v) -> None:
        self.spin.setValue(int(v) if isinstance(self.spin, QSpinBox) else float(v))
        self._sync = True
        self.slider.setValue(self._to_slider(float(v)))
        self._sync = False


def _decimals_of(value) -> int:
    """The decimals a number is written with (up to 6): 0.707 -> 3, 30.0 -> 0."""
    if not isinstance(value, (int, float)) or not math.isfinite(value):
        return 0
    fraction = f"{abs(value):.6f}".rstrip("0").split(".")[1]
    return len(fraction)


def _nice_step(span: float) -> float:
    if span <= 0 or not math.isfinite(span):
        return 0.1
    return 10 ** math.floor(math.log10(span / 100))


class _FileEditor(QWidget):
    changed = Signal()

    def __init__(self, param, parent=None):
        super().__init__(parent)
        self.param = param
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.edit = QLineEdit()
        self.edit.setPlaceholderText("(none)")
        browse = QToolButton(text="…")
        browse.setToolTip("Choose a file")
        row.addWidget(self.edit, 1)
        row.addWidget(browse)
        browse.clicked.connect(self._on_browse_changed)
        self.edit.editingFinished.connect(self.changed.emit)

    def _on_browse_changed(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.param.title, self.edit.text(),
                                              self.param.filter or "All files (*)")
        if path:
            self.edit.setText(path)
            self.changed.emit()

    def value(self):
        return self.edit.text()

    def set_value(self, v) -> None:
        self.edit.setText("" if v is None else str(v))


class _BandEditor(QWidget):
    changed = Signal()

    def __init__(self, param, parent=None):
        super().__init__(parent)
        self.param = param
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.lo, self.hi = QDoubleSpinBox(), QDoubleSpinBox()
        for s in (self.lo, self.hi):
            s.setRange(param.lo, param.hi)
            s.setSuffix(" Hz")
            s.setDecimals(0)
            s.setSpecialValueText("–")
            s.valueChanged.connect(lambda *_: self.changed.emit())
            row.addWidget(s)

    def value(self):
        a, b = self.lo.value(), self.hi.value()
        return None if b <= a else (a, b)

    def set_value(self, v) -> None:
        v = self.param.coerce(v)  # a declared default may be the text "300,3500"
        a, b = v if v else (0.0, 0.0)
        self.lo.setValue(a)
        self.hi.setValue(b)


def model_names(family: str) -> list[str] | None:
    """The models a family's catalog knows (`studio.models.<family>.catalog.list_models()`:
    bundled, then the user's), or None when the family has no catalog."""
    if not family or not family.isidentifier():
        return None
    try:
        catalog = importlib.import_module(f"studio.models.{family}.catalog")
    except ImportError:
        return None
    try:
        names = [name for name, _ in catalog.list_models()]
    except Exception:  # noqa: BLE001 - an unreadable models folder leaves the field free text
        return []
    return list(dict.fromkeys(names))


class _ModelCombo(QComboBox):
    """An editable combo box of a family's models (a path may be typed too); the list is read
    again each time it opens, so a model installed meanwhile is there."""

    def __init__(self, family: str, names: list[str], parent=None):
        super().__init__(parent)
        self.family = family
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.NoInsert)
        self.lineEdit().setPlaceholderText("(default model)")
        self.addItems(names)

    def refresh(self) -> None:
        names = model_names(self.family) or []
        text = self.currentText()
        self.blockSignals(True)
        self.clear()
        self.addItems(names)
        self.setEditText(text)
        self.blockSignals(False)

    def showPopup(self) -> None:
        self.refresh()
        super().showPopup()


class _Simple(QWidget):
    changed = Signal()

    def __init__(self, widget, getter, setter, signal, parent=None):
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(widget)
        self.widget, self._get, self._set = widget, getter, setter
        signal.connect(lambda *a: self.changed.emit())

    def value(self):
        return self._get()

    def set_value(self, v) -> None:
        self._set(v)


def editor_for(param) -> QWidget:
    """The widget for one parameter (every editor has value(), set_value(), changed)."""
    hinted = form_hints.editor_for_hint(param)
    if hinted is not None:
        return hinted
    if isinstance(param, (P.Float, P.Int)):
        return _NumberEditor(param)
    if isinstance(param, P.Bool):
        box = QCheckBox()
        return _Simple(box, box.isChecked, lambda v: box.setChecked(bool(v)), box.toggled)
    if isinstance(param, P.Choice):
        combo = QComboBox()
        combo.addItems(list(param.options))
        return _Simple(combo, combo.currentText, lambda v: combo.setCurrentText(str(v)),
                       combo.currentTextChanged)
    if isinstance(param, P.File):
        return _FileEditor(param)
    if isinstance(param, P.FreqRange):
        return _BandEditor(param)
    if isinstance(param, P.Model):
        names = model_names(param.family)
        if names is not None:
            combo = _ModelCombo(param.family, names)
            return _Simple(combo, combo.currentText,
                           lambda v: combo.setEditText("" if v is None else str(v)),
                           combo.currentTextChanged)
    edit = QLineEdit()
    special = getattr(param, "special", ())
    if special and special[0] == "":  # what an empty text means, in the empty box
        edit.setPlaceholderText(special[1])
    return _Simple(edit, edit.text, lambda v: edit.setText("" if v is None else str(v)),
                   edit.editingFinished)


class ParamForm(QWidget):
    """A form for a Schema: `values()` gives a dict the schema validates."""
    changed = Signal()

    def __init__(self, schema, parent=None):
        super().__init__(parent)
        self.schema = schema
        self.editors: dict[str, QWidget] = {}
        form = QFormLayout(self)
        form.setContentsMargins(4, 4, 4, 4)
        form.setFieldGrowthPolicy(QFormLayout.AllNonFixedFieldsGrow)
        for p in schema:
            if not p.in_form:  # the window gives it from the document (a selected gap)
                continue
            ed = editor_for(p)
            ed.setToolTip(p.help)
            if p.default is not None:
                ed.set_value(p.default)
            ed.changed.connect(self.changed.emit)
            reset = QToolButton(text="↺")
            reset.setToolTip(f"Reset to default ({_shown_default(p)})")
            reset.setAutoRaise(True)
            reset.clicked.connect(lambda _=False, p=p: self.reset(p.name))
            row = QWidget()
            lay = QHBoxLayout(row)
            lay.setContentsMargins(0, 0, 0, 0)
            lay.addWidget(ed, 1)
            lay.addWidget(reset)
            label = p.title + (f" ({p.unit})" if getattr(p, "unit", "") and
                               not isinstance(p, (P.Float, P.Int)) else "")
            form.addRow(label, row)
            form.labelForField(row).setToolTip(p.help)
            self.editors[p.name] = ed
        form_hints.link(self)  # model-offered choices, a choice's fills

    def values(self) -> dict:
        return {name: ed.value() for name, ed in self.editors.items()}

    def set_values(self, values: dict) -> None:
        for name, v in values.items():
            if name in self.editors and v is not None:
                self.editors[name].set_value(v)

    def reset(self, name: str | None = None) -> None:
        for p in self.schema:
            if p.name in self.editors and (name is None or p.name == name):
                if p.default is not None or not isinstance(p, (P.Float, P.Int)):
                    self.editors[p.name].set_value(p.default)
        self.changed.emit()


def reset_button(form: ParamForm) -> QPushButton:
    b = QPushButton("Reset all")
    b.clicked.connect(lambda: form.reset())
    return b


def _shown_default(p) -> str:
    """A default as the user reads it: a number rounded, with its unit (0.001 s, 1600 Hz)."""
    from studio.ui.reports.formatting import format_number
    special = getattr(p, "special", ())
    if special and p.default == special[0]:
        return special[1]  # "detect", not "0 FS"
    if isinstance(p.default, float):
        return format_number(p.default, getattr(p, "unit", "") or "")
    return str(p.default)
