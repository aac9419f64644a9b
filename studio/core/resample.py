"""Sample-rate conversion of a Sequence, streamed block by block through io's resampler.

One resampler serves export and the document (studio.io.resample: a long Kaiser-windowed sinc,
exact to stream). This module only bounds the ratio: new/old becomes up/down, exact for the
usual rates, and the nearest fraction with terms <= MAX_TERM otherwise, since the polyphase
filter's length grows with max(up, down) (44101 -> 48000 Hz would need millions of taps).
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np

from studio.core.sequence import Sequence, SequenceBuilder
from studio.io.resample import StreamResampler

MAX_TERM = 1000


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
    """`seq` resampled by up/down; memory stays about one chunk beyond the result."""
    n = len(seq)
    if up == down or n == 0:
        return seq
    stream = StreamResampler(down, up, channels=1)  # rates in the ratio up/down
    builder = SequenceBuilder()
    for s in range(0, n, chunk):
        out = stream.feed(seq.read(s, min(n, s + chunk))[None, :])
        if out.shape[1]:
            builder.append(np.ascontiguousarray(out[0]))
    tail = stream.finish()
    if tail.shape[1]:
        builder.append(np.ascontiguousarray(tail[0]))
    return builder.finish()
