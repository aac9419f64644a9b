"""The time ruler: a pyqtgraph axis whose ticks land on round values of the chosen unit —
h:m:s.ms, samples, or bars and beats at a tempo — at any zoom. X is always seconds."""
from __future__ import annotations

import math

import pyqtgraph as pg

UNITS = ("time", "samples", "beats")

# round steps in seconds for the clock display (1 ms ... 1 h)
_TIME_STEPS = [1e-5, 2e-5, 5e-5, 1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 0.01, 0.02, 0.05, 0.1, 0.2,
               0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200]


def format_time(seconds: float, step: float = 1e-3) -> str:
    """h:mm:ss.mmm (hours only when needed; decimals as fine as the tick step needs)."""
    sign = "-" if seconds < 0 else ""
    s = abs(seconds)
    decimals = 0 if step >= 1 else min(6, max(1, math.ceil(-math.log10(step) - 1e-9)))
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    width = 3 + decimals if decimals else 2
    sec_s = f"{sec:0{width}.{decimals}f}"
    if sec_s.startswith("60"):  # rounding carried
        sec_s, m = f"{0:0{width}.{decimals}f}", m + 1
    if h:
        return f"{sign}{int(h)}:{int(m):02d}:{sec_s}"
    return f"{sign}{int(m)}:{sec_s}"


def _nice(raw: float, bases=(1, 2, 5)) -> float:
    if raw <= 0:
        return 1.0
    e = 10 ** math.floor(math.log10(raw))
    for b in bases:
        if b * e >= raw:
            return b * e
    return 10 * e


class TimeAxis(pg.AxisItem):
    def __init__(self, orientation="bottom", rate: int = 48000, **kw):
        super().__init__(orientation, **kw)
        self.rate = rate
        self.unit = "time"
        self.tempo = 120.0
        self.beats_per_bar = 4
        self.enableAutoSIPrefix(False)

    def set_unit(self, unit: str, tempo: float | None = None) -> None:
        self.unit = unit if unit in UNITS else "time"
        if tempo:
            self.tempo = float(tempo)
        self.picture = None
        self.update()

    def set_rate(self, rate: int) -> None:
        self.rate = int(rate)
        self.picture = None
        self.update()

    def _major_step(self, span: float, px: float) -> float:
        want = span * 90.0 / max(px, 1.0)  # one label per ~90 pixels
        if self.unit == "samples":
            return _nice(want * self.rate) / self.rate
        if self.unit == "beats":
            beat = 60.0 / self.tempo
            bar = beat * self.beats_per_bar
            for mult in (1 / 16, 1 / 8, 1 / 4, 1 / 2, 1):
                if beat * mult >= want:
                    return beat * mult
            return bar * _nice(want / bar, (1, 2, 4, 8))
        return next((s for s in _TIME_STEPS if s >= want), _nice(want / 3600) * 3600)

    def tickSpacing(self, minVal, maxVal, size):
        span = maxVal - minVal
        if span <= 0 or not math.isfinite(span):
            return []
        major = self._major_step(span, size)
        minor = major / (4 if self.unit == "beats" else 5)
        return [(major, 0), (minor, 0)]

    def tickStrings(self, values, scale, spacing):
        out = []
        for v in values:
            if self.unit == "samples":
                out.append(f"{int(round(v * self.rate)):,}".replace(",", " "))
            elif self.unit == "beats":
                beat = 60.0 / self.tempo
                n = v / beat
                bar, b = divmod(n, self.beats_per_bar)
                sub = b - math.floor(b + 1e-6)
                label = f"{int(bar) + 1}.{int(math.floor(b + 1e-6)) + 1}"
                if spacing < beat * 0.99 and abs(sub) > 1e-3:
                    label += f".{int(round(sub * 16)):02d}"
                out.append(label)
            else:
                out.append(format_time(v, spacing))
        return out


def format_frequency(hz: float) -> str:
    return f"{hz / 1000:.2f} kHz" if hz >= 1000 else f"{hz:.0f} Hz"


def format_band(lo: float, hi: float) -> str:
    """A frequency band in one unit, to the hertz: "335–2804 Hz" (the selection readout and
    the name of a take made from a band selection say the same)."""
    return f"{lo:.0f}–{hi:.0f} Hz"
