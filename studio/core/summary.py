"""Waveform summaries: min/max/RMS per display column, exact over each column's sample range.

The column edges are snapped to the entry edges of the coarsest summary level finer than the
column width (entries are aligned to block starts, see blocks.py), so every column is a union
of whole entries, plus at most one partial entry at each end of the range, which is read from
the samples. Values are therefore exact for the edges returned, and a query touches
O(columns x 16 + blocks in range) numbers: its time does not grow with the file's length.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from studio.core.blocks import SUMMARY_LEVELS, sum_of_squares

if TYPE_CHECKING:
    from studio.core.sequence import Sequence


@dataclass(frozen=True)
class Summary:
    """Column i covers samples [edges[i], edges[i+1]) exactly; mins/maxs/rms are float32."""
    edges: np.ndarray  # int64, ncols + 1
    mins: np.ndarray
    maxs: np.ndarray
    rms: np.ndarray
    level: int  # 1 = raw samples, else the summary level (samples per entry) used

    @property
    def ncols(self) -> int:
        return len(self.mins)


def _empty(a: int) -> Summary:
    z = np.zeros(0, np.float32)
    return Summary(np.array([a], np.int64), z, z, z, 1)


def _from_units(edges, starts, mins, maxs, sumsq, level) -> Summary:
    """Reduce consecutive units into columns: column i is units starts[i]..starts[i+1]-1 and
    covers samples [edges[i], edges[i+1])."""
    cmin = np.minimum.reduceat(mins, starts).astype(np.float32, copy=False)
    cmax = np.maximum.reduceat(maxs, starts).astype(np.float32, copy=False)
    csum = np.add.reduceat(sumsq, starts).astype(np.float64, copy=False)
    rms = np.sqrt(csum / np.diff(edges)).astype(np.float32)
    return Summary(edges.astype(np.int64, copy=False), cmin, cmax, rms, level)


def _raw(seq: "Sequence", a: int, b: int, ncols: int) -> Summary:
    x = seq.read(a, b)
    n = b - a
    if n <= ncols:  # one column per sample
        return Summary(np.arange(a, b + 1, dtype=np.int64), x, x.copy(), np.abs(x), 1)
    bounds = a + (np.arange(ncols + 1, dtype=np.int64) * n) // ncols
    # columns here are at most 256 samples: float32 sums of squares are accurate to ~1e-6
    return _from_units(bounds, bounds[:-1] - a, x, x, np.square(x), 1)


def _choose_level(width: float) -> int:
    """The coarsest level strictly finer than a column (1 = raw samples)."""
    level = 1
    for lv in SUMMARY_LEVELS:
        if lv < width:
            level = lv
    return level


def summarize(seq: "Sequence", a: int, b: int, ncols: int) -> Summary:
    """min/max/RMS of samples [a, b) of `seq` in (at most) `ncols` columns."""
    a, b, ncols = int(a), int(b), int(ncols)
    if ncols < 1:
        raise ValueError("ncols must be >= 1")
    if not 0 <= a <= b <= len(seq):
        raise IndexError(f"summary range [{a}, {b}) outside 0..{len(seq)}")
    if a == b:
        return _empty(a)
    width = (b - a) / ncols
    level = _choose_level(width)
    if level == 1 or width <= SUMMARY_LEVELS[0]:
        return _raw(seq, a, b, ncols)

    # gather the level's entries of every block that meets [a, b)
    i0, i1 = seq.block_index(a), seq.block_index(b - 1)
    blks = seq.blocks[i0:i1 + 1]
    counts = np.fromiter((len(bk.mins[level]) for bk in blks), np.int64, len(blks))
    mins = np.concatenate([bk.mins[level] for bk in blks])
    maxs = np.concatenate([bk.maxs[level] for bk in blks])
    sumsq = np.concatenate([bk.sumsq[level] for bk in blks])
    first = np.cumsum(counts) - counts
    local = np.arange(len(mins), dtype=np.int64) - np.repeat(first, counts)
    starts = np.repeat(seq.offsets[i0:i1 + 1], counts) + local * level
    ends = np.minimum(starts + level, np.repeat(seq.ends[i0:i1 + 1], counts))

    # entries wholly inside [a, b); the range is > 2 entries wide, so there is at least one
    p = int(np.searchsorted(starts, a, "left"))
    q = int(np.searchsorted(ends, b, "right"))
    if p >= q:
        return _raw(seq, a, b, ncols)
    parts_b, parts_min, parts_max, parts_sq = [], [], [], []
    if a < starts[p]:  # partial entry before the first whole one: read its samples
        x = seq.read(a, int(starts[p]))
        parts_b.append([a]), parts_min.append([x.min()]), parts_max.append([x.max()])
        parts_sq.append([sum_of_squares(x)])
    parts_b.append(starts[p:q]), parts_min.append(mins[p:q]), parts_max.append(maxs[p:q])
    parts_sq.append(sumsq[p:q])
    last_end = int(ends[q - 1])
    if last_end < b:  # partial entry after the last whole one
        x = seq.read(last_end, b)
        parts_b.append([last_end]), parts_min.append([x.min()]), parts_max.append([x.max()])
        parts_sq.append([sum_of_squares(x)])
    parts_b.append([b])
    bounds = np.concatenate([np.asarray(v, np.int64) for v in parts_b])
    umin = np.concatenate([np.asarray(v, np.float32) for v in parts_min])
    umax = np.concatenate([np.asarray(v, np.float32) for v in parts_max])
    usq = np.concatenate([np.asarray(v, np.float64) for v in parts_sq])

    # snap each ideal column edge to the nearest unit bound; units are at most `level` < width
    # wide, so snapped edges stay strictly increasing and no column is empty
    ideal = a + np.arange(ncols + 1, dtype=np.float64) * width
    j = np.clip(np.searchsorted(bounds, ideal), 1, len(bounds) - 1)
    take_left = (ideal - bounds[j - 1]) <= (bounds[j] - ideal)
    idx = np.where(take_left, j - 1, j)
    idx[0], idx[-1] = 0, len(bounds) - 1
    if np.any(np.diff(idx) <= 0):  # cannot happen by the argument above; keep it loud
        raise AssertionError("summary columns collapsed")
    return _from_units(bounds[idx], idx[:-1], umin, umax, usq, level)
