"""Measures of a generated note's spectrum that a listener hears as faults: steady lines left
in a release tail (a waveform model's patch grid leaves a comb of tones at multiples of
rate / patch) and the share of energy at the top of the band (a hihat without its air).
numpy, float64 inside."""
from __future__ import annotations

import numpy as np
from scipy.ndimage import median_filter

LINE_DB = 10.0        # a line stands this far above the local noise floor
FLOOR_BINS = 101      # the local floor: the median over this many bins (about +-270 Hz)
AUDIBLE_DB = -100.0   # lines quieter than this (dBFS per bin) are not counted


def steady_lines(x, rate: int, start: float, f0: float = 0.0, n_fft: int = 8192,
                 min_hz: float = 40.0) -> list[tuple[float, float]]:
    """(Hz, dB above the local floor) of every steady line in x from `start` seconds on:
    a frequency whose median level over the tail's frames stands LINE_DB or more above the
    median of its neighbourhood, louder than AUDIBLE_DB, above `min_hz`, and, for a note
    (f0 > 0), not one of its own partials (more than a tenth of f0 from every k f0, k >= 1).
    The median over frames keeps what lasts (a tone), not what passes (a decaying click).
    [] when the tail is shorter than two windows."""
    s = np.asarray(x, dtype=np.float64).reshape(-1)[int(start * rate):]
    hop = n_fft // 4
    if len(s) < 2 * n_fft:
        return []
    frames = np.lib.stride_tricks.sliding_window_view(s, n_fft)[::hop] * np.hanning(n_fft)
    power = np.abs(np.fft.rfft(frames, axis=1)) ** 2 / (np.hanning(n_fft).sum() / 2) ** 2
    level = 10 * np.log10(np.median(power, axis=0) + 1e-30)
    floor = median_filter(level, size=FLOOR_BINS, mode="nearest")
    freqs = np.fft.rfftfreq(n_fft, 1.0 / rate)
    line = (level - floor >= LINE_DB) & (level > AUDIBLE_DB) & (freqs >= min_hz)
    if f0 > 0:
        ratio = freqs / f0
        line &= ~((np.abs(ratio - np.round(ratio)) <= 0.1) & (np.round(ratio) >= 1))
    # a line is one peak: keep local maxima only
    peak = np.r_[False, (level[1:-1] >= level[:-2]) & (level[1:-1] >= level[2:]), False]
    idx = np.nonzero(line & peak)[0]
    return [(float(freqs[i]), float(level[i] - floor[i])) for i in idx]


def band_share_db(x, rate: int, low_hz: float, start: float = 0.0,
                  seconds: float = 0.5) -> float:
    """The share of x's energy above `low_hz`, in dB of the whole, over `seconds` from
    `start` (NaN for silence)."""
    s = np.asarray(x, dtype=np.float64).reshape(-1)
    s = s[int(start * rate):int((start + seconds) * rate)]
    power = np.abs(np.fft.rfft(s * np.hanning(len(s)))) ** 2
    total = power.sum()
    if total <= 0:
        return float("nan")
    high = power[np.fft.rfftfreq(len(s), 1.0 / rate) >= low_hz].sum()
    return float(10 * np.log10(max(high, 1e-30) / total))
