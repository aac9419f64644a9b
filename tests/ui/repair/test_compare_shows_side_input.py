"""Issue 18: Compare settings showed Profile "(none)" in every set though Noise reduction
ran with the document's learned profile; each set's field now says what is used."""
import numpy as np
import soundfile as sf
from PySide6.QtWidgets import QDialog

from studio.core.selection import Selection
from studio.engine import registry

RATE = 16000


def test_compare_sets_show_the_learned_profile_they_run_with(window, qtbot, tmp_path,
                                                            monkeypatch):
    w = window
    x = 0.01 * np.random.default_rng(1).standard_normal(2 * RATE)
    sf.write(tmp_path / "noise.wav", x.astype(np.float32), RATE, subtype="FLOAT")
    assert w.actions_.open_path(str(tmp_path / "noise.wav"), wait=True)
    op = registry.get("restore.denoise")
    w.operations.select(op.id)
    shown = []

    def look(dlg):  # what the user sees in the dialog, then Cancel
        shown.append((dlg.uses_label.isVisibleTo(dlg), dlg.uses_label.text(),
                      [f.editors["profile"].edit.placeholderText() for f in dlg.forms]))
        return QDialog.Rejected
    monkeypatch.setattr(QDialog, "exec", look)
    w.operations.compare_btn.click()  # nothing learned: the noise is estimated
    w.model.set_selection(Selection(int(0.2 * RATE), int(0.7 * RATE)))
    w.actions_.all["learn_noise"].trigger()
    qtbot.waitUntil(lambda: w.repair.noise.profile() is not None, timeout=30000)
    w.operations.compare_btn.click()
    assert shown[0] == (True, "Every set runs with: noise estimated from the audio",
                        ["noise estimated from the audio"] * 3)
    assert shown[1][:2] == (True, "Every set runs with: learned profile 0.2–0.7 s")
    assert shown[1][2] == ["learned profile 0.2–0.7 s"] * 3
    assert not w.jobs.busy()  # cancelled: nothing ran
