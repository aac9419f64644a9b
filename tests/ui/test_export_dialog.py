"""File › Export as a user fills it in: the suggested file is beside the document (in the
user's Music folder for the bundled demo, never inside the app), the whole path is readable,
a typed extension chooses the format (an unknown one is refused in the dialog), and the
button says what it does."""
import os

import numpy as np
import soundfile as sf
from PySide6.QtCore import QTimer
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QDialogButtonBox, QFileDialog

from studio.paths import resources_dir
from studio.ui.dialogs.export import ExportDialog
from tests.ui.conftest import DEMO

RATE = 8000


def _open(w, qtbot, path):
    assert w.actions_.open_path(str(path), wait=True)
    qtbot.waitUntil(lambda: w.waveform.paint_count > 0, timeout=5000)


def _export(w, qtbot, drive):
    """File › Export with the dialog driven by `drive(dialog)`; returns the dialog."""
    seen = {}

    def act():
        dlg = next(d for d in w.findChildren(ExportDialog) if d.isVisible())
        seen["dialog"] = dlg
        try:
            go = drive(dlg)
        except BaseException as e:  # a failed check must close the modal dialog, not hang
            seen["error"] = e
            go = False
        if go:
            dlg.export_button.click()
        else:
            dlg.reject()
    QTimer.singleShot(0, act)
    w.actions_.export()
    qtbot.waitUntil(lambda: not w.files.busy(), timeout=20000)
    if "error" in seen:
        raise seen["error"]
    return seen["dialog"]


def _tone_file(tmp_path):
    x = 0.4 * np.sin(2 * np.pi * 330 * np.arange(RATE) / RATE).astype(np.float32)
    path = tmp_path / "take one.wav"
    sf.write(path, x, RATE, subtype="PCM_16")
    return path, x


def test_a_typed_flac_name_writes_flac(window, qtbot, tmp_path):
    w = window
    src, x = _tone_file(tmp_path)
    _open(w, qtbot, src)
    out = tmp_path / "out-export.flac"

    def drive(dlg):
        assert dlg.path.text() == str(tmp_path / "take one-export.wav")  # beside the file
        assert dlg.export_button.text() == "Export"
        assert dlg.format.currentText() == "WAV"
        dlg.path.clear()
        qtbot.keyClicks(dlg.path, str(out))
        assert dlg.format.currentText() == "FLAC"
        assert dlg.path.text() == str(out)  # the typed name is kept as typed
        return True
    _export(w, qtbot, drive)
    info = sf.info(str(out))
    assert info.format == "FLAC"
    y, rate = sf.read(str(out), dtype="float32")
    assert rate == RATE and np.max(np.abs(y - x)) < 2.0 ** -14
    assert w.statusBar().currentMessage() == "Exported out-export.flac"


def test_an_unknown_extension_is_refused_in_the_dialog(window, qtbot, tmp_path):
    w = window
    src, _ = _tone_file(tmp_path)
    _open(w, qtbot, src)

    def drive(dlg):
        dlg.path.setText(str(tmp_path / "song.mp3"))
        assert dlg.problem.isVisibleTo(dlg)
        assert dlg.problem.text() == ("Cannot export .mp3: name the file .wav, .flac, .ogg "
                                      "or .aiff")
        assert not dlg.export_button.isEnabled()
        dlg.path.setText(str(tmp_path / "song.aif"))   # another spelling of a known one
        assert dlg.format.currentText() == "AIFF" and dlg.export_button.isEnabled()
        assert not dlg.problem.isVisibleTo(dlg)
        dlg.path.setText(str(tmp_path / "song"))       # no extension: the format's is added
        assert dlg.export_button.isEnabled()
        assert dlg.options()["path"] == str(tmp_path / "song.aiff")
        return False
    _export(w, qtbot, drive)
    assert not (tmp_path / "song.mp3").exists()


def test_the_demo_suggests_the_music_folder_and_the_path_is_readable(window, qtbot, tmp_path,
                                                                   monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "Music").mkdir()
    w = window
    _open(w, qtbot, DEMO)

    def drive(dlg):
        text = dlg.path.text()
        assert text == str(tmp_path / "Music" / "demo-export.wav")
        assert not text.startswith(str(resources_dir()))
        fm = QFontMetrics(dlg.path.font())
        assert dlg.path.width() > fm.horizontalAdvance(text)  # none of it cut off
        assert dlg.width() >= 480
        return False
    _export(w, qtbot, drive)


def test_saving_the_demo_as_a_session_suggests_the_music_folder(window, qtbot, tmp_path,
                                                               monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))  # no Music folder here: home itself
    w = window
    _open(w, qtbot, DEMO)
    offered = []

    def save_dialog(parent, title, base, filters):  # what the dialog would open on; cancelled
        offered.append(base)
        return "", ""
    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_dialog)
    assert not w.actions_.save_session()
    assert offered == [os.path.join(str(tmp_path), "demo.adsession")]
