"""Run an operation over a long input in overlapping chunks and join the outputs seamlessly.

Memory stays bounded by the chunk length: chunks are read from the caller's source lazily
([a, b) at a time, so a one-hour document is never turned into one tensor), and the joined
output goes to a sink block by block, either a preallocated array (`ArrayCollector`) or a stream
(a file writer). Only one chunk's output plus the overlap tail is held at a time.

How chunks are joined: chunk k covers [k*hop, k*hop + length), so consecutive chunks share
`overlap` frames. Inside a shared region the first and last quarter are guard bands: the earlier
chunk alone is used at the start of the region (where the later chunk is still warming up:
filter state, context of a model) and the later chunk alone at its end (where the earlier chunk
meets its right edge: zero-phase filters, look-ahead). The middle half is cross-faded.
With linear fades the two weights sum to 1 at every sample, so for a linear time-invariant op
whose transients die out within a guard band, chunked output equals unchunked output to
rounding. Equal-power fades (cos/sin, squares sum to 1) keep the level of uncorrelated material
(generated audio, noise) constant across the seam instead.

Operations that change the rate (resampling) are chunked in the output's time base: the first
chunk tells the rate ratio p/q, and chunk starts are then aligned to multiples of q input frames
so every chunk starts on an exact output frame.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable

import numpy as np

FADES = ("linear", "equal_power")

# process(a, b, block (C, b-a) float32) -> (output (C', M) float32, output rate / input rate)
Process = Callable[[int, int, np.ndarray], tuple[np.ndarray, Fraction]]


def fade_out_weights(m: int, fade: str = "linear") -> np.ndarray:
    """Weights for the earlier chunk over a shared region of m frames: 1 over the first
    guard quarter, a fade over the middle half, 0 over the last quarter. The later chunk's
    weights are `fade_in_weights(m)`; the pair sums to 1 (linear) or squares to 1 (equal power)."""
    q = m // 4
    f = m - 2 * q
    t = (np.arange(f, dtype=np.float64) + 0.5) / max(f, 1)
    ramp = np.cos(0.5 * np.pi * t) if fade == "equal_power" else 1.0 - t
    return np.concatenate([np.ones(q), ramp, np.zeros(q)]).astype(np.float32)


def fade_in_weights(m: int, fade: str = "linear") -> np.ndarray:
    q = m // 4
    f = m - 2 * q
    t = (np.arange(f, dtype=np.float64) + 0.5) / max(f, 1)
    ramp = np.sin(0.5 * np.pi * t) if fade == "equal_power" else t
    return np.concatenate([np.zeros(q), ramp, np.ones(q)]).astype(np.float32)


class ArrayCollector:
    """A sink that writes the joined output into one array, allocated once its size is known
    (or into `out`, preallocated by the caller)."""

    def __init__(self, out: np.ndarray | None = None):
        self.array = out

    def begin(self, channels: int, frames: int) -> None:
        if self.array is None:
            self.array = np.empty((channels, frames), dtype=np.float32)
        elif self.array.shape != (channels, frames):
            raise ValueError(f"output array has shape {self.array.shape}, "
                             f"the result needs {(channels, frames)}")

    def __call__(self, start: int, block: np.ndarray) -> None:
        self.array[:, start:start + block.shape[1]] = block


@dataclass
class ChunkRun:
    chunks: int
    ratio: Fraction
    out_frames: int
    channels: int


def plan_count(n_frames: int, length: int, overlap: int) -> int:
    """How many chunks `overlap_add` will use (for progress; rate alignment may add one)."""
    if n_frames <= length:
        return 1
    return 1 + math.ceil((n_frames - length) / (length - overlap))


def overlap_add(process: Process, read: Callable[[int, int], np.ndarray], n_frames: int,
                length: int, overlap: int, sink: Callable[[int, np.ndarray], None], *,
                fade: str = "linear",
                between_chunks: Callable[[int], None] | None = None) -> ChunkRun:
    """Process [0, n_frames) in chunks of `length` frames sharing `overlap` frames and feed the
    joined output to `sink(start, block)` in order. `between_chunks(k)` runs before chunk k
    (a cancellation point: it may raise `Cancelled`)."""
    if fade not in FADES:
        raise ValueError(f"fade must be one of {FADES}")
    length = max(1, int(length))
    overlap = min(max(0, int(overlap)), length // 2)  # a chunk's two fades never meet
    hop = length - overlap
    a, k = 0, 0
    ratio = Fraction(1)
    total_out = channels = 0
    tail: np.ndarray | None = None
    prev_end = 0  # output frame where the previous chunk's contribution ended
    while True:
        if between_chunks is not None:
            between_chunks(k)
        b = min(a + length, n_frames)
        y, r = process(a, b, read(a, b))
        y = np.asarray(y, dtype=np.float32)
        if k == 0:
            ratio, channels = Fraction(r), y.shape[0]
            total_out = math.ceil(n_frames * ratio)
            if ratio.denominator > 1:  # start every chunk on an exact output frame
                hop = hop // ratio.denominator * ratio.denominator
                if hop == 0 and n_frames > length:
                    raise RuntimeError(f"chunks of {length} frames are too short for a rate "
                                       f"ratio of {ratio} (chunk starts must be multiples of "
                                       f"{ratio.denominator} frames)")
            begin = getattr(sink, "begin", None)
            if begin is not None:
                begin(channels, total_out)
        elif Fraction(r) != ratio or y.shape[0] != channels:
            raise RuntimeError("an operation changed its output rate or channel count "
                               "between chunks")
        out_a = int(a * ratio)
        out_b = math.ceil(b * ratio) if b < n_frames else total_out
        y = _fit(y, out_b - out_a, exact=ratio == 1)
        if k > 0:
            m = prev_end - out_a
            y = y.copy()
            y[:, :m] *= fade_in_weights(m, fade)
            y[:, :m] += tail
        if b >= n_frames:
            sink(out_a, y)
            return ChunkRun(chunks=k + 1, ratio=ratio, out_frames=total_out, channels=channels)
        next_out = int((a + hop) * ratio)
        m = out_b - next_out
        cut = next_out - out_a
        if k == 0:
            y = y.copy()
        y[:, cut:] *= fade_out_weights(m, fade)
        sink(out_a, y[:, :cut])
        tail = y[:, cut:].copy()
        prev_end = out_b
        a += hop
        k += 1


def _fit(y: np.ndarray, frames: int, exact: bool) -> np.ndarray:
    """Check an op's chunk output length; rate-changing ops may be off by one (rounding)."""
    if y.shape[1] == frames:
        return y
    if exact or abs(y.shape[1] - frames) > 1:
        raise RuntimeError(f"an operation returned {y.shape[1]} frames for a chunk that "
                           f"needs {frames}; declare changes_length or drop chunking")
    if y.shape[1] > frames:
        return y[:, :frames]
    return np.pad(y, ((0, 0), (0, frames - y.shape[1])))


__all__ = ["ArrayCollector", "ChunkRun", "FADES", "fade_in_weights",
           "fade_out_weights", "overlap_add", "plan_count"]
