"""Source signals for a simulated array recording when the user has none at hand: short
test signals made in numpy (milliseconds for a few seconds of audio, so the window may make
them). Each source gets its own seed, so two noise sources are independent, as separation
and localisation of several sources need."""
from __future__ import annotations

import numpy as np

KINDS = ("noise", "noise bursts", "chirp")


def make(kind: str, seconds: float, rate: int, seed: int = 0) -> np.ndarray:
    """(1, N) float32 at about -12 dBFS RMS."""
    n = max(1, int(round(seconds * rate)))
    rng = np.random.default_rng(seed)
    if kind == "noise":
        x = rng.standard_normal(n)
    elif kind == "noise bursts":  # 4 bursts a second, like syllables: on/off in time
        t = np.arange(n) / rate
        gate = (np.sin(2 * np.pi * 4.0 * t + 2 * np.pi * rng.random()) > 0).astype(float)
        x = rng.standard_normal(n) * gate
    elif kind == "chirp":  # an exponential sweep over most of the band
        t = np.arange(n) / rate
        f0, f1 = 100.0, 0.45 * rate
        k = np.log(f1 / f0) / max(seconds, 1e-3)
        x = np.sin(2 * np.pi * f0 * (np.exp(k * t) - 1) / k)
    else:
        raise ValueError(f"unknown test signal {kind!r} ({', '.join(KINDS)})")
    rms = float(np.sqrt(np.mean(x ** 2))) or 1.0
    return (0.25 * x / rms).astype(np.float32)[None]
