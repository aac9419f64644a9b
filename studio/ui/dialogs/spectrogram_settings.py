"""Spectrogram settings: FFT size, window, overlap, frequency scale, dB range and gain,
colour map. Changes apply live."""
from __future__ import annotations

from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox, QFormLayout)

from studio.dsp import tiles as T
from studio.ui.spectrogram_view import COLORMAPS


class SpectrogramSettingsDialog(QDialog):
    def __init__(self, view, parent=None):
        super().__init__(parent)
        self.view = view
        s = view.settings
        self.setWindowTitle("Spectrogram settings")
        form = QFormLayout(self)
        self.nfft = QComboBox()
        for n in T.FFT_SIZES:
            self.nfft.addItem(str(n), n)
        self.nfft.setCurrentText(str(s.nfft))
        self.window = QComboBox()
        self.window.addItems(list(T.WINDOWS))
        self.window.setCurrentText(s.window)
        self.overlap = QComboBox()
        for o in (0.0, 0.5, 0.75, 0.875):
            self.overlap.addItem(f"{o * 100:g} %", o)
        self.overlap.setCurrentIndex(max(0, self.overlap.findData(s.overlap)))
        self.scale = QComboBox()
        self.scale.addItems(list(T.SCALES))
        self.scale.setCurrentText(s.scale)
        self.range_db = QDoubleSpinBox(suffix=" dB", minimum=20, maximum=180, value=s.range_db)
        self.gain_db = QDoubleSpinBox(suffix=" dB", minimum=-60, maximum=60, value=s.gain_db)
        self.cmap = QComboBox()
        self.cmap.addItems(list(COLORMAPS))
        self.cmap.setCurrentText(s.colormap)
        for label, w in (("FFT size", self.nfft), ("Window", self.window),
                         ("Overlap", self.overlap), ("Frequency scale", self.scale),
                         ("Range", self.range_db), ("Gain", self.gain_db),
                         ("Colour map", self.cmap)):
            form.addRow(label, w)
            sig = getattr(w, "currentIndexChanged", None) or w.valueChanged
            sig.connect(self._on_setting_changed)
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)
        form.addRow(buttons)

    def _on_setting_changed(self, *args) -> None:
        self.view.set_settings(nfft=self.nfft.currentData(), window=self.window.currentText(),
                               overlap=self.overlap.currentData(), scale=self.scale.currentText(),
                               range_db=self.range_db.value(), gain_db=self.gain_db.value(),
                               colormap=self.cmap.currentText())
