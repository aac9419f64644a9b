"""A number box that shows a word for a parameter's special value (`special=(value, text)` on
a Float or Int in studio.engine.params): De-clip's threshold 0 reads "detect", a maximum
order -1 "auto". Qt's own specialValueText only names the minimum, and a threshold's special
value may be its maximum (the negative clip level, -1 ... 0), so the box's text is made here:
the word replaces the number and its unit, and typing the word (or its start) gives the value.
"""
from __future__ import annotations

from PySide6.QtGui import QValidator


class SpecialValueMixin:
    """For a QSpinBox / QDoubleSpinBox subclass: `special` (value, text)."""
    special: tuple = ()
    _unit_suffix = ""

    def setup_special(self, special: tuple) -> None:
        self.special = special
        self.valueChanged.connect(self._show_unit)

    def _is_special(self, value) -> bool:
        step = 10.0 ** -self.decimals() if hasattr(self, "decimals") else 0.5
        return bool(self.special) and abs(float(value) - float(self.special[0])) < step / 2

    def setSuffix(self, suffix: str) -> None:  # noqa: N802 - Qt's name
        self._unit_suffix = suffix
        self._show_unit(self.value())

    def _show_unit(self, value) -> None:
        # the word stands alone ("detect", not "detect FS"); a number keeps its unit
        want = "" if self._is_special(value) else self._unit_suffix
        if self.suffix() != want:
            super().setSuffix(want)

    def textFromValue(self, value) -> str:  # noqa: N802 - Qt's name
        return self.special[1] if self._is_special(value) else super().textFromValue(value)

    def _bare(self, text: str) -> str:
        """The text without the unit, shown or not (typed over the word: "0.6 FS")."""
        text = text.strip()
        unit = self._unit_suffix.strip()
        if unit and text.endswith(unit):
            text = text[: -len(unit)].strip()
        return text

    def valueFromText(self, text: str):  # noqa: N802 - Qt's name
        bare = self._bare(text)
        if self.special and bare.lower() == self.special[1].lower():
            return type(self.value())(self.special[0])
        return super().valueFromText(bare + self.suffix())

    def validate(self, text: str, pos: int):
        bare = self._bare(text)
        word = self.special[1].lower() if self.special else ""
        if word and bare and word.startswith(bare.lower()) and not _is_number_start(bare):
            state = QValidator.Acceptable if bare.lower() == word else QValidator.Intermediate
            return state, text, pos
        state = super().validate(bare + self.suffix(), min(pos, len(bare)))[0]
        return state, text, pos


def _is_number_start(text: str) -> bool:
    return text[0] in "0123456789+-.,"


def spin_box(param, base):
    """A `base` (QSpinBox or a QDoubleSpinBox class) for `param`, naming its special value
    when it declares one."""
    special = tuple(getattr(param, "special", ()) or ())
    if not special:
        return base()
    box = type(f"Special{base.__name__}", (SpecialValueMixin, base), {})()
    box.setup_special(special)
    return box
