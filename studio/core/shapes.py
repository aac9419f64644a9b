"""Gain curves for fades, and dB helpers. Pure numpy; used by edits.py and its tests."""
from __future__ import annotations

import numpy as np

FADE_SHAPES = ("linear", "log", "s-curve")
LOG_FADE_RANGE_DB = 60.0  # a "log" fade is linear in dB over this range, then reaches silence


def db_to_gain(db: float) -> float:
    return float(10.0 ** (db / 20.0))


def fade_in_gain(shape: str, t: np.ndarray) -> np.ndarray:
    """Gain of a fade-in at normalised times t in [0, 1]: exactly 0 at t=0 and 1 at t=1.

    linear: t; log: linear in dB from -60 dB to 0 dB, offset and rescaled so it starts at 0
    (an "exponential" fade in Audacity's words); s-curve: raised cosine 0.5 - 0.5 cos(pi t).
    """
    t = np.asarray(t, dtype=np.float64)
    if shape == "linear":
        return t
    if shape == "log":
        floor = 10.0 ** (-LOG_FADE_RANGE_DB / 20.0)
        return (10.0 ** (LOG_FADE_RANGE_DB * (t - 1.0) / 20.0) - floor) / (1.0 - floor)
    if shape in ("s-curve", "scurve", "s_curve"):
        return 0.5 - 0.5 * np.cos(np.pi * t)
    raise ValueError(f"unknown fade shape {shape!r}; use one of {', '.join(FADE_SHAPES)}")


def fade_times(offset: int, count: int, n: int) -> np.ndarray:
    """Normalised times of samples offset..offset+count-1 in a fade of n samples (first sample
    at t=0, last at t=1)."""
    idx = np.arange(offset, offset + count, dtype=np.float64)
    return idx / (n - 1) if n > 1 else np.ones(count)
