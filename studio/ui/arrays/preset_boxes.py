"""The count and size boxes beside the Presets button. A preset brings its own geometry
(`studio.arrays.presets.PRESETS`: its natural count and aperture); the boxes then show those
values, labelled with what they mean for that preset (radius or spacing, per ring, grid
side), and editing one re-makes the preset at the new value (`resized`). Sizes are shown in
the editor's unit and kept in metres."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDoubleSpinBox, QHBoxLayout, QLabel, QSpinBox, QWidget

from studio.arrays import presets

COUNT_KEYS = ("count", "rows", "cols")
SIZE_KEYS = ("radius", "spacing")


def count_label(defaults: dict) -> str:
    if "rings" in defaults:
        return "per ring"
    if "rows" in defaults:
        return "grid side"  # rows = cols: the box gives a square grid
    return "mics"


class PresetBoxes(QWidget):
    resized = Signal()  # the user changed the count or the size of the current preset

    def __init__(self, parent=None):
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.preset: str | None = None
        self.count_label = QLabel("mics")
        self.count = QSpinBox(minimum=1, maximum=256, value=6)
        self.size_label = QLabel("radius")
        self.size = QDoubleSpinBox(decimals=2, minimum=0.1, maximum=1000.0, value=4.63,
                                   singleStep=0.5)
        for box in (self.count, self.size):
            box.setKeyboardTracking(False)  # typing "12" is one change, not "1" then "12"
            box.valueChanged.connect(self._on_value_changed)
        for w in (self.count_label, self.count, self.size_label, self.size):
            row.addWidget(w)
        self._per_metre = 100.0
        self._quiet = False

    # ---- what the boxes show ----------------------------------------------------------------
    def set_units(self, name: str, per_metre: float) -> None:
        metres = self.metres()
        self._per_metre = per_metre
        self._quiet = True
        try:
            self.size.setDecimals({1.0: 4, 100.0: 2}.get(per_metre, 1))
            self.size.setRange(0.001 * per_metre, 10.0 * per_metre)
            self.size.setSingleStep(0.005 * per_metre)
            self.size.setSuffix(f" {name}")
            self.size.setValue(metres * per_metre)
        finally:
            self._quiet = False

    def metres(self) -> float:
        return self.size.value() / self._per_metre

    def show_preset(self, name: str | None, count: int | None = None) -> None:
        """Show `name`'s natural count and size (None: a layout made by hand or imported;
        the boxes then only report its microphone count)."""
        self.preset = name
        self._quiet = True
        try:
            if name is None:
                self.count_label.setText("mics")
                if count is not None:
                    self.count.setValue(count)
            else:
                _, defaults = presets.PRESETS[name]
                self.count_label.setText(count_label(defaults))
                self.count.setValue(next(defaults[k] for k in COUNT_KEYS if k in defaults))
                key = next(k for k in SIZE_KEYS if k in defaults)
                self.size_label.setText(key)
                self.size.setValue(defaults[key] * self._per_metre)
        finally:
            self._quiet = False
        for w in (self.count, self.size, self.size_label):
            w.setEnabled(name is not None)
        self.setToolTip("" if name is not None else
                        "Choose a preset to set the count and size; this layout was made by hand")

    def overrides(self) -> dict:
        """The preset's keyword arguments the boxes set."""
        _, defaults = presets.PRESETS[self.preset]
        out = {k: self.count.value() for k in COUNT_KEYS if k in defaults}
        out.update({k: self.metres() for k in SIZE_KEYS if k in defaults})
        return out

    def summary(self) -> str:
        return f"{self.count_label.text()} {self.count.value()}, {self.size_label.text()} " \
               f"{self.size.text()}"

    def _on_value_changed(self, *_):
        if not self._quiet and self.preset is not None:
            self.resized.emit()
