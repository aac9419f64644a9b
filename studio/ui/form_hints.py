"""Form editors chosen by a parameter's `hint`, and the links between fields a schema declares
(studio.engine.params). Nothing here knows an operation:

- hint "seed": a number box with a "new seed" (dice) button; the lowest value (-1) reads
  "new each run". A slider over two billion values chose nothing a user could aim at.
- hint "model:<what>": an editable combo of what the model named by the schema's Model
  parameter offers (its classes, its notes: those the chosen class was trained on), after
  the parameter's `suggestions`; the list is read again from the model's config whenever the
  model (or the class) field changes. Typing stays allowed
  (a path to a model the catalog cannot read).
- hint "located:<what>": the same editable combo, offered what the window has found (the
  Array dock's located source azimuths for a look direction); nothing is offered until then.
- a Choice with `fills`: choosing an option fills the fields it sets, and editing one of
  those fields afterwards puts the choice back on an option that sets nothing ("custom"), so
  the form always shows the values that run.
"""
from __future__ import annotations

import importlib
import random

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QSpinBox, QToolButton, QWidget

from studio.engine import params as P

NONE_TEXT = "(none)"  # how an empty suggestion ("no class") is listed


class SeedEditor(QWidget):
    changed = Signal()

    def __init__(self, param, parent=None):
        super().__init__(parent)
        self.param = param
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.spin = QSpinBox()
        lo = -1 if param.lo is None else int(param.lo)
        self.hi = 2 ** 31 - 1 if param.hi is None else int(param.hi)
        self.spin.setRange(lo, self.hi)
        if lo < 0:
            self.spin.setSpecialValueText("new each run")
        self.spin.setKeyboardTracking(False)
        self.dice = QToolButton(text="⚄ New seed")  # U+2684: in DejaVu; no emoji font needed
        self.dice.setToolTip("Draw a new seed (the same seed gives the same audio again)")
        row.addWidget(self.spin, 1)
        row.addWidget(self.dice)
        self.dice.clicked.connect(self.new_seed)
        self.spin.valueChanged.connect(lambda *_: self.changed.emit())

    def new_seed(self) -> int:
        seed = random.randint(0, min(self.hi, 999_999))  # short enough to read back
        self.spin.setValue(seed)
        return seed

    def value(self):
        return self.spin.value()

    def set_value(self, v) -> None:
        self.spin.setValue(int(v))


def model_choices(family: str, model: str, what: str, class_name: str = "") -> list[str]:
    """What the family's catalog says model `model` offers (`catalog.choices`; notes are
    those of `class_name` when the model knows it), or []."""
    try:
        catalog = importlib.import_module(f"studio.models.{family}.catalog")
    except ImportError:
        return []
    fn = getattr(catalog, "choices", None)
    try:
        return list(fn(model, what, class_name)) if fn else []
    except Exception:  # noqa: BLE001 - an unreadable model leaves the suggestions only
        return []


class ModelChoiceEditor(QWidget):
    changed = Signal()

    def __init__(self, param, parent=None):
        super().__init__(parent)
        self.param = param
        self.what = param.hint.split(":", 1)[1]
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.combo = QComboBox()
        self.combo.setEditable(True)
        self.combo.setInsertPolicy(QComboBox.NoInsert)
        self.combo.setMaxVisibleItems(20)
        self.combo.lineEdit().setPlaceholderText(NONE_TEXT)
        row.addWidget(self.combo, 1)
        self.combo.currentTextChanged.connect(lambda *_: self.changed.emit())
        self.offered: list[str] = []
        self.refresh([])

    def refresh(self, offered: list[str]) -> None:
        """List the suggestions, then `offered` (the model's); the text typed is kept."""
        text = self.combo.currentText()
        self.offered = list(offered)
        self.combo.blockSignals(True)
        self.combo.clear()
        items = [NONE_TEXT if s == "" else s for s in self.param.suggestions]
        self.combo.addItems(items + [o for o in self.offered if o not in items])
        self.combo.setEditText(text)
        self.combo.blockSignals(False)

    def items(self) -> list[str]:
        return [self.combo.itemText(i) for i in range(self.combo.count())]

    def value(self):
        text = self.combo.currentText().strip()
        return "" if text == NONE_TEXT else text

    def set_value(self, v) -> None:
        self.combo.setEditText("" if v in (None, "") else str(v))


def editor_for_hint(param) -> QWidget | None:
    """The editor a hint asks for, or None for the editor of the parameter's type."""
    if param.hint == "seed" and isinstance(param, P.Int):
        return SeedEditor(param)
    if param.hint.startswith(("model:", "located:")):
        return ModelChoiceEditor(param)  # "located:": the window offers what it found
    return None


def link(form) -> None:
    """Connect what the schema ties together in a built ParamForm: model-offered choices to
    the Model field, a Choice's fills to the fields it sets."""
    eds = form.editors
    model = next((p for p in form.schema if isinstance(p, P.Model) and p.name in eds), None)
    # the first class field: a note list follows the class chosen (a bass plays low notes)
    klass = next((ed for ed in eds.values()
                  if isinstance(ed, ModelChoiceEditor) and ed.what == "classes"), None)
    for p in form.schema:
        ed = eds.get(p.name)
        if isinstance(ed, ModelChoiceEditor) and p.hint.startswith("model:"):
            family = model.family if model is not None else "diffusion"
            model_ed = eds.get(model.name) if model is not None else None

            def refresh(ed=ed, family=family, model_ed=model_ed):
                name = model_ed.value() if model_ed is not None else ""
                of = klass.value() if klass is not None and ed is not klass else ""
                ed.refresh(model_choices(family, name or "", ed.what, of))
            refresh()
            if model_ed is not None:
                model_ed.changed.connect(refresh)
            if klass is not None and ed is not klass:
                klass.changed.connect(refresh)
        if isinstance(p, P.Choice) and p.fills and ed is not None:
            _link_fills(form, p)


def _link_fills(form, choice) -> None:
    eds = form.editors
    chooser = eds[choice.name]
    plain = next((o for o in choice.options if not choice.filled(o)), None)
    state = {"filling": False}

    def on_choice_changed():
        values = choice.filled(chooser.value())
        if values:
            state["filling"] = True
            form.set_values(values)
            state["filling"] = False

    def on_field_changed():
        if state["filling"] or plain is None:
            return
        values = choice.filled(chooser.value())
        if values and any(name in eds and _differs(eds[name].value(), v)
                          for name, v in values.items()):
            chooser.set_value(plain)  # the fields no longer say what the option sets
    chooser.changed.connect(on_choice_changed)
    for name in {n for _, fields in choice.fills for n, _ in fields}:
        if name in eds:
            eds[name].changed.connect(on_field_changed)


def _differs(shown, value) -> bool:
    if isinstance(value, float):
        return abs(float(shown) - value) > 1e-6 * max(1.0, abs(value))
    return shown != value
