"""Samples over full scale are visible: the level axis follows them, +-1 FS is drawn dashed,
clipped samples are marked in red (Audacity's Show Clipping), the label names the peak."""
import math

import numpy as np
import soundfile as sf

from studio.core import commands
from studio.core.selection import Selection

RATE = 8000


def _overs_file(path):
    """Left: a tone with one stretch at 4x (peak ~1.6) and 40 samples pinned at +1.0;
    right: the same tone, under full scale."""
    t = np.arange(RATE * 4) / RATE
    x = 0.4 * np.sin(2 * np.pi * 220 * t)
    left = x.copy()
    left[RATE:2 * RATE] *= 4.0
    left[3 * RATE:3 * RATE + 40] = 1.0
    sf.write(str(path), np.stack([left, x], 1).astype(np.float32), RATE, subtype="FLOAT")
    return sf.read(str(path), dtype="float32", always_2d=True)[0].T


def _open(w, qtbot, path):
    assert w.actions_.open_path(str(path), wait=True)
    qtbot.waitUntil(lambda: w.waveform.paint_count > 0, timeout=5000)
    w.waveform.refresh()


def test_overs_widen_the_axis_and_are_marked(window, qtbot, tmp_path):
    w = window
    data = _overs_file(tmp_path / "overs.wav")
    _open(w, qtbot, tmp_path / "overs.wav")
    peak = float(np.abs(data).max())
    assert peak > 1.5
    for plot in w.waveform.plots:  # every channel on one level range, the whole peak inside
        lo, hi = plot.getViewBox().viewRange()[1]
        assert abs(hi - 1.05 * peak) < 1e-4 and abs(lo + 1.05 * peak) < 1e-4
    assert all(line.isVisible() for lines in w.waveform._fs_lines for line in lines)
    assert {line.value() for line in w.waveform._fs_lines[0]} == {-1.0, 1.0}
    label = w.waveform._labels[0].textItem.toPlainText()
    assert f"peak {20 * math.log10(peak):+.1f} dBFS" in label
    assert "over" not in w.waveform._labels[1].textItem.toPlainText()
    # the red marks sit where samples are at or over full scale, and only there
    marks = w.waveform.items[0].clipped_x
    assert len(marks) > 0 and len(w.waveform.items[1].clipped_x) == 0
    over_t = np.nonzero(np.abs(data[0]) >= 1.0 - 2.0 ** -15)[0] / RATE
    col = 4.0 / w.waveform.pixel_width()  # seconds per column at this zoom
    assert np.all(np.min(np.abs(marks[:, None] - over_t[None, :]), axis=1) <= col)
    assert np.any(np.abs(marks - 3.0) <= col)       # the 40 pinned samples
    assert marks.min() < 1.0 + col and marks.max() < 3.0 + 2 * col
    # the overview strip shows the overs too
    ylo, yhi = w.overview.getViewBox().viewRange()[1]
    assert yhi >= peak and ylo <= -peak and len(w.overview.item.clipped_x) > 0


def test_range_returns_to_full_scale_when_overs_go(window, qtbot, tmp_path):
    w = window
    data = _overs_file(tmp_path / "overs.wav")
    _open(w, qtbot, tmp_path / "overs.wav")
    doc = w.model.document
    doc.execute(commands.gain(doc, -12.0, sel=Selection(0, data.shape[1])))
    qtbot.wait(30)
    w.waveform.refresh()
    lo, hi = w.waveform.master.viewRange()[1]
    assert (lo, hi) == (-1.05, 1.05)
    assert not any(line.isVisible() for line in w.waveform._fs_lines[0])
    assert len(w.waveform.items[0].clipped_x) == 0
    assert "over" not in w.waveform._labels[0].textItem.toPlainText()


def test_a_16_bit_file_clipped_at_its_full_scale_is_marked(window, qtbot, tmp_path):
    # 16-bit positive full scale is 32767/32768, under 1.0: still clipped, still marked
    t = np.arange(RATE * 2) / RATE
    x = np.clip(1.5 * np.sin(2 * np.pi * 100 * t), -0.5, 1)  # clipped on the positive side
    sf.write(str(tmp_path / "c16.wav"), x, RATE, subtype="PCM_16")
    _open(w := window, qtbot, tmp_path / "c16.wav")
    assert w.model.state.read().max() == 32767 / 32768
    assert w.waveform.master.viewRange()[1] == [-1.05, 1.05]
    assert len(w.waveform.items[0].clipped_x) > 0
