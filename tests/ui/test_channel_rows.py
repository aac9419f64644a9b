"""Many channels in the default window: level labels appear only on rows tall enough to hold
them (-1, 0 and 1 of one row ran into the next row's on a 6-channel simulation), and each
channel's name sits on a backdrop so it reads over the waveform."""
import numpy as np
import soundfile as sf


def _open(w, qtbot, path, channels):
    t = np.arange(16000) / 16000
    sf.write(path, np.stack([0.5 * np.sin(2 * np.pi * 200 * (k + 1) * t)
                             for k in range(channels)], 1), 16000)
    assert w.actions_.open_path(str(path), wait=True)
    qtbot.waitUntil(lambda: len(w.waveform.plots) == channels, timeout=5000)
    qtbot.wait(50)


def test_level_labels_follow_the_row_height(window, qtbot, tmp_path):
    w = window
    _open(w, qtbot, tmp_path / "six.wav", 6)
    limit = w.waveform.ROW_LABELS_MIN_PX
    for plot in w.waveform.plots:
        h = plot.getViewBox().height()
        assert plot.getAxis("left").style["showValues"] == (h >= limit), h
    assert any(p.getViewBox().height() < limit for p in w.waveform.plots)  # 900 px window
    label = w.waveform._labels[0]
    assert label.fill.color().alpha() > 100  # the name has its backdrop

    _open(w, qtbot, tmp_path / "one.wav", 1)  # one row has the room: its labels are back
    plot = w.waveform.plots[0]
    h = plot.getViewBox().height()
    assert h > 2 * limit and plot.getAxis("left").style["showValues"], h
