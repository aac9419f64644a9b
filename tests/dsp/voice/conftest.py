"""Known signals for the voice analysers: harmonic tones, chirps, source-filter vowels."""
import math

import numpy as np
import pytest
import scipy.signal as ss

SR = 16000
VOWEL_FORMANTS = ((700, 80), (1220, 90), (2600, 120))  # /a/-like, bandwidths in Hz


def all_pole(formants=VOWEL_FORMANTS, sr=SR) -> np.ndarray:
    a = np.array([1.0])
    for f, bw in formants:
        r = math.exp(-math.pi * bw / sr)
        a = np.convolve(a, [1, -2 * r * math.cos(2 * math.pi * f / sr), r * r])
    return a


def vowel(f0_hz, seconds=1.5, formants=VOWEL_FORMANTS, sr=SR, noise=0.002, seed=0):
    """An impulse train (f0 a number or a per-sample array) through an all-pole filter."""
    n = int(seconds * sr)
    f0 = np.broadcast_to(np.asarray(f0_hz, dtype=float), (n,))
    phase = np.cumsum(f0 / sr)
    pulses = np.diff(np.floor(phase), prepend=0.0)
    x = ss.lfilter([1.0], all_pole(formants, sr), pulses)
    x = 0.5 * x / np.abs(x).max()
    return (x + noise * np.random.default_rng(seed).standard_normal(n)).astype(np.float32)


def harmonic_tone(f0, seconds=1.0, n_harm=6, sr=SR, amps=None):
    t = np.arange(int(seconds * sr)) / sr
    amps = amps if amps is not None else [1.0 / h for h in range(1, n_harm + 1)]
    x = sum(a * np.sin(2 * np.pi * f0 * h * t) for h, a in enumerate(amps, 1) if f0 * h < sr / 2)
    return (0.3 * x / np.abs(x).max()).astype(np.float32)


@pytest.fixture
def sr():
    return SR
