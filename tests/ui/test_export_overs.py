"""Exporting audio with samples over full scale: the export dialog says how many there are
when the chosen format would clip them and offers 32-bit float, normalising or clipping; the
file holds what was chosen; clipping is reported in the window."""
import numpy as np
import soundfile as sf
from PySide6.QtCore import QTimer

from studio.ui.dialogs.export import ExportDialog

RATE = 8000
CLIP = 1.0 - 2.0 ** -15


def _open_overs(w, qtbot, tmp_path):
    t = np.arange(RATE * 3) / RATE
    x = 0.5 * np.sin(2 * np.pi * 220 * t)
    x[RATE:2 * RATE] *= 3.0  # peak 1.5
    sf.write(str(tmp_path / "overs.wav"), x.astype(np.float32), RATE, subtype="FLOAT")
    assert w.actions_.open_path(str(tmp_path / "overs.wav"), wait=True)
    qtbot.waitUntil(lambda: w.waveform.paint_count > 0, timeout=5000)
    return sf.read(str(tmp_path / "overs.wav"), dtype="float32")[0]


def _export_through_dialog(w, qtbot, drive):
    """Run File > Export's dialog as a user does; `drive(dialog)` fills it in before OK."""
    seen = {}

    def act():
        dlg = next(d for d in w.findChildren(ExportDialog) if d.isVisible())
        seen["dialog"] = dlg
        drive(dlg)
        dlg.accept()
    QTimer.singleShot(0, act)
    assert w.actions_.export()
    qtbot.waitUntil(lambda: not w.files.busy(), timeout=20000)
    return seen["dialog"]


def test_dialog_counts_overs_and_asks_only_for_formats_that_clip(window, qtbot, tmp_path):
    w = window
    x = _open_overs(w, qtbot, tmp_path)
    n_over = int(np.count_nonzero(np.abs(x) >= CLIP))
    state = w.model.state

    def count(only):
        from studio.ui.views.levels import count_over
        return count_over(state, 0, state.n_frames)
    dlg = ExportDialog(str(tmp_path / "out.wav"), RATE, False, w, overs=count)
    assert dlg.depth.currentText() == "24-bit"
    assert dlg.overs_choice.isVisibleTo(dlg)
    assert f"Samples over 0 dBFS: {n_over} (peak +3.5 dBFS)" in dlg.overs_label.text()
    choices = [dlg.overs_choice.itemData(i) for i in range(dlg.overs_choice.count())]
    assert choices == ["float", "normalise", "clip"]
    assert dlg.overs_choice.currentData() == "normalise"
    dlg.depth.setCurrentText("32-bit float")  # float holds them: nothing to ask
    assert not dlg.overs_choice.isVisibleTo(dlg) and not dlg.overs_label.isVisibleTo(dlg)
    assert dlg.options()["overs"] is None
    dlg.format.setCurrentText("FLAC")  # FLAC has no float samples: normalise or clip
    assert dlg.overs_choice.isVisibleTo(dlg)
    assert [dlg.overs_choice.itemData(i) for i in range(dlg.overs_choice.count())] == [
        "normalise", "clip"]
    clean = ExportDialog(str(tmp_path / "c.wav"), RATE, False, w, overs=lambda only: (0, 0.9, True))
    assert not clean.overs_choice.isVisibleTo(clean)
    dlg.deleteLater()
    clean.deleteLater()


def test_write_float_keeps_the_overs(window, qtbot, tmp_path):
    w = window
    x = _open_overs(w, qtbot, tmp_path)
    out = tmp_path / "float.wav"

    def drive(dlg):
        dlg.path.setText(str(out))
        dlg.overs_choice.setCurrentIndex(dlg.overs_choice.findData("float"))
    _export_through_dialog(w, qtbot, drive)
    assert sf.info(str(out)).subtype == "FLOAT"
    np.testing.assert_array_equal(sf.read(str(out), dtype="float32")[0], x)
    assert w.statusBar().currentMessage() == "Exported float.wav"


def test_normalise_puts_the_peak_at_minus_0_1_dbfs(window, qtbot, tmp_path):
    w = window
    x = _open_overs(w, qtbot, tmp_path)
    out = tmp_path / "norm.wav"
    _export_through_dialog(w, qtbot, lambda dlg: dlg.path.setText(str(out)))  # the default
    y, _ = sf.read(str(out), dtype="float64")
    assert sf.info(str(out)).subtype == "PCM_24"
    gain = 10 ** (-0.1 / 20) / np.abs(x).max()
    np.testing.assert_allclose(y, x * gain, atol=2 ** -22)
    assert "normalised by -3.6 dB" in w.statusBar().currentMessage()
    assert np.abs(w.model.state.read()).max() == np.abs(x).max()  # the document keeps its level
    assert not w.notice_bar.isVisible()


def test_clip_is_reported_in_the_window(window, qtbot, tmp_path):
    w = window
    x = _open_overs(w, qtbot, tmp_path)
    out = tmp_path / "clipped.wav"

    def drive(dlg):
        dlg.path.setText(str(out))
        dlg.overs_choice.setCurrentIndex(dlg.overs_choice.findData("clip"))
    _export_through_dialog(w, qtbot, drive)
    # 24-bit (no dither): a sample clips when it rounds beyond the integer range
    q = np.rint(x.astype(np.float64) * 2 ** 23)
    expected = int(np.count_nonzero((q > 2 ** 23 - 1) | (q < -2 ** 23)))
    assert expected > 0
    assert np.abs(sf.read(str(out))[0]).max() <= 1.0
    assert w.notice_bar.isVisible()
    assert f"{expected} samples over full scale were clipped" in w.notice_bar.text.text()
    assert f"{expected} samples over full scale were clipped" in w.statusBar().currentMessage()
