"""Streaming sample-rate conversion of a Sequence with scipy.signal.resample_poly.

The ratio new/old becomes up/down (exact for integer rates unless the terms exceed
MAX_TERM, then the nearest fraction with a denominator <= MAX_TERM). The input is processed in
chunks whose starts are multiples of `down`, each with `pad` samples of context on both sides
(also a multiple of `down`, longer than the filter's half length), so each chunk's output lands
on the same output grid as a whole-signal resample_poly and matches it to float rounding, while
memory stays one chunk.
"""
from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
from scipy import signal

from studio.core.sequence import Sequence, SequenceBuilder

MAX_TERM = 1000
HALF_LEN_FACTOR = 10  # scipy's default window: half length = 10 * max(up, down) taps


def ratio(old_rate: int, new_rate: int) -> tuple[int, int]:
    """(up, down) with up/down ~= new_rate/old_rate, both at most MAX_TERM."""
    fr = Fraction(int(new_rate), int(old_rate))
    if fr.numerator > MAX_TERM or fr.denominator > MAX_TERM:
        fr = fr.limit_denominator(MAX_TERM)
        if fr.numerator > MAX_TERM:  # large upsampling ratio: bound the numerator instead
            fr = 1 / (1 / Fraction(int(new_rate), int(old_rate))).limit_denominator(MAX_TERM)
    return fr.numerator, fr.denominator


def out_length(n: int, up: int, down: int) -> int:
    return -(-n * up // down)


def resample_sequence(seq: Sequence, up: int, down: int, chunk: int = 1 << 18) -> Sequence:
    n = len(seq)
    if up == down or n == 0:
        return seq
    half_in = HALF_LEN_FACTOR * max(up, down) / up  # filter half length in input samples
    pad = down * (int(math.ceil(half_in / down)) + 1)
    step = max(down, (chunk // down) * down)
    total_out = out_length(n, up, down)
    builder = SequenceBuilder()
    for s in range(0, n, step):
        e = min(n, s + step)
        lo, hi = s - pad, e + pad
        x = seq.read(max(lo, 0), min(hi, n))
        x = np.concatenate([np.zeros(max(0, -lo), np.float32), x,
                            np.zeros(max(0, hi - n), np.float32)])
        y = signal.resample_poly(x, up, down)
        first = s * up // down  # exact: s is a multiple of down
        last = total_out if e == n else e * up // down
        skip = pad * up // down
        builder.append(np.asarray(y[skip:skip + last - first], dtype=np.float32))
    return builder.finish()
