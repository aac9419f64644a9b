"""Waveform and spectrogram share one time axis: what the user sees in both views is the same
stretch of time, pixel for pixel, from the moment a file opens, after zooming from either
view, after an edit rebuilds the waveform's plots, for mono, stereo and many channels."""
import numpy as np
import soundfile as sf

from studio.core import commands


def _write(path, channels, seconds=6.0, rate=16000):
    t = np.arange(int(rate * seconds)) / rate
    x = np.stack([0.4 * np.sin(2 * np.pi * (220 + 110 * c) * t) for c in range(channels)], 1)
    sf.write(str(path), x.astype(np.float32), rate, subtype="PCM_16")
    return seconds


def _settle(qtbot, w):
    qtbot.waitUntil(lambda: w.waveform.paint_count > 0 and w.spectrogram.is_ready(),
                    timeout=20000)
    qtbot.wait(50)


def assert_same_time_axis(w):
    """Same range within one pixel, and the plot areas start and end at the same x on screen
    (so the same range means the same time under the same pixel)."""
    wave = w.waveform.master
    spec = w.spectrogram.vb
    (a0, a1), _ = wave.viewRange()
    (b0, b1), _ = spec.viewRange()
    pixel = (a1 - a0) / max(1.0, wave.width())
    assert abs(a0 - b0) <= pixel and abs(a1 - b1) <= pixel, ((a0, a1), (b0, b1))
    wl = wave.mapToScene(wave.boundingRect()).boundingRect()
    sl = spec.mapToScene(spec.boundingRect()).boundingRect()
    left_w = w.waveform.mapTo(w, w.waveform.mapFromScene(wl.topLeft())).x()
    left_s = w.spectrogram.mapTo(w, w.spectrogram.mapFromScene(sl.topLeft())).x()
    assert abs(left_w - left_s) <= 1 and abs(wl.width() - sl.width()) <= 1


def test_mono_file_opens_with_one_time_axis(fresh_window, qtbot, tmp_path):
    # a fresh window: the fault showed on the first file a window opened, before any zoom
    w = fresh_window
    dur = _write(tmp_path / "mono.wav", 1)
    assert w.actions_.open_path(str(tmp_path / "mono.wav"), wait=True)
    _settle(qtbot, w)
    assert w.model.n_channels == 1
    assert w.waveform.visible_range() == (0.0, dur)
    assert_same_time_axis(w)
    w.waveform.zoom(4.0, centre=2.0)
    qtbot.wait(30)
    assert_same_time_axis(w)
    # zooming from the spectrogram moves the waveform, and both stop at the file's ends
    w.spectrogram.vb.setXRange(-3.0, dur + 5.0, padding=0)
    qtbot.wait(30)
    assert_same_time_axis(w)
    x0, x1 = w.waveform.visible_range()
    assert x0 >= 0.0 and x1 <= dur + 1e-9


def test_stereo_and_channel_count_change_keep_one_axis(window, qtbot, tmp_path):
    w = window
    dur = _write(tmp_path / "stereo.wav", 2)
    assert w.actions_.open_path(str(tmp_path / "stereo.wav"), wait=True)
    _settle(qtbot, w)
    assert_same_time_axis(w)
    w.waveform.set_visible_range(1.0, 2.5)
    qtbot.wait(30)
    assert_same_time_axis(w)
    # mixing down to mono rebuilds the waveform's plots: the spectrogram follows the new ones
    w.model.document.execute(commands.mix_down(w.model.document))
    qtbot.waitUntil(lambda: len(w.waveform.plots) == 1, timeout=5000)
    assert w.spectrogram.vb.linkedView(0) is w.waveform.master
    w.waveform.set_visible_range(3.0, 4.0)
    qtbot.wait(30)
    assert_same_time_axis(w)
    assert abs(w.spectrogram.vb.viewRange()[0][0] - 3.0) < 1e-3
    w.waveform.fit()
    qtbot.wait(30)
    assert_same_time_axis(w)
    assert abs(w.spectrogram.vb.viewRange()[0][1] - dur) < 1e-3


def test_many_channels_line_up_with_the_spectrogram(window, qtbot, tmp_path):
    # short rows (eight channels) draw no level labels; the axis keeps its width
    w = window
    _write(tmp_path / "eight.wav", 8, seconds=3.0)
    assert w.actions_.open_path(str(tmp_path / "eight.wav"), wait=True)
    _settle(qtbot, w)
    assert len(w.waveform.plots) == 8
    w.waveform.zoom(3.0, centre=1.0)
    qtbot.wait(30)
    assert_same_time_axis(w)
