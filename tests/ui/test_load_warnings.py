"""What reading a file found wrong is shown in the window: the status bar says it and a
non-modal notice bar above the views keeps it until dismissed or another file opens."""
import warnings

import numpy as np
import soundfile as sf
from PySide6.QtWidgets import QApplication

RATE = 44100


def _tone(seconds):
    return (0.3 * np.sin(2 * np.pi * 300 * np.arange(int(RATE * seconds)) / RATE)).astype(
        np.float32)


def _truncated(path, seconds=10.0, keep_frames=2470):
    """A 16-bit WAV whose header announces `seconds` but whose data stops after keep_frames."""
    full = path.with_name("full.wav")
    sf.write(str(full), _tone(seconds), RATE, subtype="PCM_16")
    data = full.read_bytes()
    path.write_bytes(data[:44 + 2 * keep_frames])  # 44-byte canonical header, mono 16-bit
    return keep_frames


def _open(w, qtbot, path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing may leave through Python's warnings
        assert w.actions_.open_path(str(path), wait=True)
    qtbot.waitUntil(lambda: w.waveform.paint_count > 0, timeout=5000)


def test_truncated_wav_warns_in_the_status_bar_and_a_notice(window, qtbot, tmp_path):
    w = window
    path = tmp_path / "truncated.wav"
    kept = _truncated(path)
    # the data chunk's header still announces 10 s of 16-bit mono
    assert int.from_bytes(path.read_bytes()[40:44], "little") == 10 * RATE * 2
    _open(w, qtbot, path)
    assert w.model.n_frames == kept
    status = w.statusBar().currentMessage()
    assert "truncated.wav" in status and "truncated" in status.split("warning", 1)[1]
    bar = w.notice_bar
    assert bar.isVisible() and not bar.isWindow()
    assert "truncated" in bar.text.text() and "0:00.056 of audio" in bar.text.text()
    assert QApplication.activeModalWidget() is None  # nothing waits for a click
    # the views are usable beside it, and dismissing it hides it
    assert w.waveform.isVisible() and w.waveform.visible_range()[1] > 0
    bar.dismiss.click()
    assert not bar.isVisible()


def test_nonfinite_samples_warn_and_a_clean_file_clears_the_notice(window, qtbot, tmp_path):
    w = window
    x = _tone(1.0)
    x[1000:1010] = np.nan
    x[5000] = np.inf
    sf.write(str(tmp_path / "nan.wav"), x, RATE, subtype="FLOAT")
    _open(w, qtbot, tmp_path / "nan.wav")
    assert w.notice_bar.isVisible()
    assert "11 NaN/Inf samples replaced by silence" in w.notice_bar.text.text()
    assert "NaN/Inf" in w.statusBar().currentMessage()
    assert np.isfinite(w.model.state.read()).all()
    sf.write(str(tmp_path / "clean.wav"), _tone(0.5), RATE)
    _open(w, qtbot, tmp_path / "clean.wav")
    assert not w.notice_bar.isVisible()
    assert w.statusBar().currentMessage() == "Opened clean.wav"
