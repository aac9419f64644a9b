"""Quantization to integer PCM with TPDF dither.

Rounding a float signal to 16 bits without dither turns quiet detail into distortion
correlated with the signal (a -100 dBFS tone just vanishes). Triangular-PDF dither of
±1 LSB (the sum of two independent uniform ±0.5 LSB values, variance 1/6 LSB²) makes the
error's mean and variance independent of the signal: the tone survives under a flat noise
floor. Above 16 bits the format's own noise floor is below any converter, so no dither.
A chunk whose samples are all exactly representable is written without dither: there is no
rounding error to decorrelate, so same-depth conversions are bit-exact and silence stays
silence.

The scale is 2**(bits-1) both ways (libsndfile reads integer PCM as int / 2**(bits-1)), so a
float that is exactly representable in the target format round-trips bit for bit.
"""
from __future__ import annotations

import numpy as np

DITHER_MAX_BITS = 16


def tpdf_noise(shape, rng: np.random.Generator) -> np.ndarray:
    """Triangular noise on (-1, 1) LSB, variance 1/6: the sum of two uniform ±0.5 LSB."""
    return rng.random(shape, dtype=np.float64) - rng.random(shape, dtype=np.float64)


class Quantizer:
    """Turns float chunks into integer PCM for `bits`, with dither carried across chunks.

    Output dtype is what soundfile passes through unscaled to the subtype: int16 for 8/16
    bits (libsndfile keeps the top 8 bits for 8-bit PCM), int32 for 24/32 bits (it keeps the
    top 24 for PCM_24). `clipped` counts samples that did not fit."""

    def __init__(self, bits: int, dither: str = "tpdf", seed: int | None = None):
        if dither not in ("tpdf", "none"):
            raise ValueError(f"dither must be 'tpdf' or 'none', not {dither!r}")
        self.bits = int(bits)
        self.dither = dither if self.bits <= DITHER_MAX_BITS else "none"
        self.rng = np.random.default_rng(seed)
        self.clipped = 0
        self._scale = float(2 ** (self.bits - 1))
        self._lo, self._hi = -self._scale, self._scale - 1.0
        container = 16 if self.bits <= 16 else 32
        self.dtype = np.int16 if container == 16 else np.int32
        self._shift = container - self.bits

    def __call__(self, chunk: np.ndarray) -> np.ndarray:
        if self.dither == "tpdf" or self.bits > 24:
            x = np.asarray(chunk, dtype=np.float64) * self._scale
            # dither decorrelates a rounding error; samples already on the target's grid
            # (same depth in and out, digital silence) have none, and stay bit for bit
            if self.dither == "tpdf" and not np.array_equal(x, np.rint(x)):
                x += tpdf_noise(x.shape, self.rng)
        else:
            # up to 24 bits, scaling by a power of two and rounding are exact in float32
            x = np.asarray(chunk, dtype=np.float32) * np.float32(self._scale)
        q = np.rint(x)
        over = (q < self._lo) | (q > self._hi)
        if over.any():
            self.clipped += int(over.sum())
            np.clip(q, self._lo, self._hi, out=q)
        q = q.astype(self.dtype)
        if self._shift:
            q <<= self._shift
        return q
