"""Levels over full scale, shown as Audacity's "Show Clipping" does: the level axis follows the
data when samples exceed full scale (a fixed +-1.05 hid them), dashed lines mark +-1 FS, and
samples at or over full scale are marked in red. Also counts those samples for the export
dialog, from the summaries first so only the stretches that hold overs are read."""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from studio.ui import theme

# Audacity's MAX_AUDIO: the largest positive 16-bit sample, so a 16-bit file clipped at its
# positive full scale (32767/32768) is marked as clipped too
CLIP_LEVEL = 1.0 - 2.0 ** -15
HEADROOM = 1.05          # the level axis' half range while nothing is over full scale
SUMMARY_COLUMN = 256     # samples per summary column looked at before reading samples
COUNT_READ_LIMIT = 1 << 22  # samples read to count overs; beyond it the count is a floor


def document_peak(state) -> float:
    """max |sample| over every channel, from the block summaries (no samples read)."""
    if state is None or state.n_frames == 0:
        return 0.0
    return max(float(seq.peak()) for seq in state.channels)


def view_limit(peak: float) -> float:
    return HEADROOM * max(1.0, float(peak))


def is_over(peak: float) -> bool:
    return peak >= CLIP_LEVEL


def level_ticks(limit: float) -> list[tuple[float, str]]:
    if limit <= HEADROOM + 1e-9:
        # +-1 sit at a row's edges, where one row's "-1" ran into the next row's "1": the
        # labels are inside the row, the +-1 ticks stay unlabelled
        return [(-1, ""), (-0.5, "-0.5"), (0, "0"), (0.5, "0.5"), (1, "")]
    step = max(1, math.ceil(limit / 4))
    top = int(limit // step) * step
    # a label at the very edge would be cut in half
    return [(float(v), str(v)) for v in range(-top, top + 1, step) if abs(v) <= 0.93 * limit]


def dbfs(peak: float) -> str:
    return f"{20 * math.log10(peak):+.1f} dBFS" if peak > 0 else "-inf dBFS"


def full_scale_lines(plot: pg.PlotItem) -> list[pg.InfiniteLine]:
    """Dashed lines at +-1 FS (shown only while the axis reaches beyond them)."""
    pen = pg.mkPen(theme.colors().clip, width=1, style=Qt.DashLine)
    lines = [pg.InfiniteLine(pos=y, angle=0, pen=pen, movable=False) for y in (-1.0, 1.0)]
    for line in lines:
        line.setZValue(-4)
        line.hide()
        plot.addItem(line, ignoreBounds=True)
    return lines


def count_over(state, a: int, b: int) -> tuple[int, float, bool]:
    """(samples with |x| >= CLIP_LEVEL in [a, b) over all channels, their peak, exact?).
    Summary columns without overs are skipped; the count stops being exact (a floor) after
    COUNT_READ_LIMIT samples have been read."""
    count, peak, read = 0, 0.0, 0
    if state is None or b <= a:
        return 0, 0.0, True
    for ch in range(state.n_channels):
        s = state.summary(ch, a, b, max(1, (b - a) // SUMMARY_COLUMN))
        peak = max(peak, float(max(-s.mins.min(), s.maxs.max())))
        over = ((s.maxs >= CLIP_LEVEL) | (s.mins <= -CLIP_LEVEL)).astype(np.int8)
        # runs of neighbouring columns with overs, each read at once
        change = np.diff(np.concatenate([[0], over, [0]]))
        for i0, i1 in zip(np.nonzero(change == 1)[0], np.nonzero(change == -1)[0]):
            if read >= COUNT_READ_LIMIT:
                return count, peak, False
            x = state.read(int(s.edges[i0]), int(s.edges[i1]), channels=[ch])
            count += int(np.count_nonzero(np.abs(x) >= CLIP_LEVEL))
            read += x.size
    return count, peak, True
