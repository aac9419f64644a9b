"""The level of a clipped plateau that noise was added to after the clipping.

A converter's hard limit leaves runs of samples at one level; hum, hiss or a lossy codec added
afterwards spread those samples over a band around the level, so no two of them are equal and
"every sample at the extreme" finds one. What stays is the amplitude histogram: clipped
samples pile up in a bump near the extreme of their polarity, with samples on BOTH sides of
the bump's top (the noise spreads them symmetrically). An unclipped peak has no such bump:
the density of music falls towards its extreme, and the density of a clean sine or of soft
(tanh) clipping rises up to the very last sample, with nothing above it.
"""
from __future__ import annotations

import numpy as np

BINS = 128            # histogram bins over [0, extreme]
MIN_UPPER = 0.2       # samples above the bump's top, as a share of those in its top bins
MIN_CONTRAST = 2.0    # bump density / density of the unclipped signal below the bump
SPREAD = 1.5          # the bump's lower edge, in half-widths measured on its upper side


def plateau_level(v: np.ndarray, min_count: int = 32) -> float | None:
    """The level above which the positive samples `v` (one polarity, made positive) are
    clipped, or None when their histogram has no noisy plateau."""
    v = v[v > 0]
    if v.size < min_count:
        return None
    top = float(v.max())
    b = top / BINS
    h, _ = np.histogram(v, bins=BINS, range=(0.0, top))
    hs = np.convolve(h, np.ones(5) / 5, mode="same")  # 5 bins: the noise's spread, not a bin's
    lo_bin = BINS // 2                                  # the plateau is in the upper half
    # a bump rises from the density below it: its height over the lowest density between the
    # upper half's start and it (a density that falls towards the extreme has none)
    floor = np.minimum.accumulate(hs[lo_bin:])
    k = lo_bin + int(np.argmax(hs[lo_bin:] - floor))
    level = (k + 0.5) * b
    fl = floor[k - lo_bin]
    # ...and stands out of the counting noise of a short excerpt's sparse top (Poisson)
    if k >= BINS - 2 or hs[k] < MIN_CONTRAST * max(fl, 0.5) or hs[k] - fl < 3 * np.sqrt(fl + 1):
        return None
    upper = int(np.sum(v > level + b))
    core = int(np.sum(np.abs(v - level) <= b))
    if upper < MIN_UPPER * core or h[-2:].max() > hs[k] / 2:
        # nothing above the bump's top, or a density that rises to the extreme: a clean peak
        return None
    # half-width of the bump on its upper side: where the density falls to a quarter
    above = np.nonzero(hs[k:] < hs[k] / 4)[0]
    w = max(2, int(above[0]) if above.size else BINS - k) * b
    threshold = max(level - SPREAD * w, lo_bin * b)
    return threshold if np.sum(v >= threshold) >= min_count else None
