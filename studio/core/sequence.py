"""One channel of audio as an immutable sequence of shared Blocks (Audacity's Sequence).

Every edit returns a new Sequence that reuses the untouched blocks of the old one by
reference; only the blocks cut at the edit's edges are copied, so cut/paste/delete/insert/
replace on an hour of audio cost O(blocks touched). To keep the list from fragmenting, the
blocks meeting at a new seam are re-blocked when one of them is shorter than a quarter block
(at most three blocks are copied, as Audacity's Blockify does).
"""
from __future__ import annotations

from typing import Callable, Iterable, Iterator

import numpy as np

from studio.core import blocks as _blocks
from studio.core.blocks import Block, zero_block
from studio.core.summary import Summary, summarize


def _split_even(x: np.ndarray, size: int) -> list[Block]:
    """x as blocks of at most `size` samples, of near-equal length."""
    n = len(x)
    if n == 0:
        return []
    count = -(-n // size)
    cuts = (np.arange(count + 1) * n) // count
    return [Block.from_array(x[cuts[i]:cuts[i + 1]]) for i in range(count)]


class Sequence:
    """Immutable list of Blocks for one channel. Never mutate `.blocks` or `.offsets`."""

    __slots__ = ("blocks", "offsets", "ends", "_lens", "_n")

    def __init__(self, blocks: Iterable[Block] = ()):
        blks = tuple(b for b in blocks if len(b))
        self._set(blks, np.fromiter((len(b.samples) for b in blks), np.int64, len(blks)))

    def _set(self, blks: tuple, lens: np.ndarray) -> None:
        self.blocks = blks
        self._lens = lens
        self.ends = np.cumsum(lens)
        self.offsets = self.ends - lens
        self._n = int(self.ends[-1]) if len(lens) else 0
        self.offsets.flags.writeable = False
        self.ends.flags.writeable = False

    @classmethod
    def _of(cls, blks: tuple, lens) -> "Sequence":
        """Internal fast path: blocks with known (non-zero) lengths, no per-block Python loop,
        so an edit of an hour-long channel costs O(blocks touched) Python work."""
        seq = cls.__new__(cls)
        seq._set(blks, np.asarray(lens, dtype=np.int64))
        return seq

    # ----- construction
    @classmethod
    def from_array(cls, a, block_samples: int | None = None) -> "Sequence":
        """Copy the 1-D array `a` into blocks of `block_samples` (default: blocks.BLOCK_SAMPLES)."""
        a = np.asarray(a, dtype=np.float32)
        if a.ndim != 1:
            raise ValueError("a Sequence holds one channel: a 1-D array")
        size = int(block_samples or _blocks.BLOCK_SAMPLES)
        return cls(Block.from_array(a[i:i + size]) for i in range(0, len(a), size))

    @classmethod
    def silence(cls, n: int) -> "Sequence":
        """n zeros; full blocks are one shared zero block, so long silence is nearly free."""
        size = _blocks.BLOCK_SAMPLES
        full, rest = divmod(int(n), size)
        blks = [zero_block(size)] * full
        if rest:
            blks.append(zero_block(rest))
        return cls(blks)

    @classmethod
    def empty(cls) -> "Sequence":
        return cls(())

    # ----- queries
    def __len__(self) -> int:
        return self._n

    def __repr__(self) -> str:
        return f"Sequence({self._n} samples in {len(self.blocks)} blocks)"

    def block_index(self, pos: int) -> int:
        """Index of the block holding sample `pos` (0 <= pos < len)."""
        return int(np.searchsorted(self.ends, pos, "right"))

    def _check(self, a: int, b: int) -> tuple[int, int]:
        a, b = int(a), int(b)
        if not 0 <= a <= b <= self._n:
            raise IndexError(f"range [{a}, {b}) outside 0..{self._n}")
        return a, b

    def read(self, a: int = 0, b: int | None = None) -> np.ndarray:
        """A new float32 array with samples [a, b)."""
        a, b = self._check(a, self._n if b is None else b)
        out = np.empty(b - a, np.float32)
        if a == b:
            return out
        for i in range(self.block_index(a), self.block_index(b - 1) + 1):
            o = int(self.offsets[i])
            lo, hi = max(a, o), min(b, int(self.ends[i]))
            out[lo - a:hi - a] = self.blocks[i].samples[lo - o:hi - o]
        return out

    def iter_chunks(self, a: int = 0, b: int | None = None, size: int = 1 << 18) -> Iterator[np.ndarray]:
        """Samples [a, b) as consecutive arrays of `size` (the last may be shorter)."""
        a, b = self._check(a, self._n if b is None else b)
        for s in range(a, b, size):
            yield self.read(s, min(b, s + size))

    def summary(self, a: int, b: int, ncols: int) -> Summary:
        """Exact min/max/RMS of [a, b) in at most `ncols` columns (see summary.py)."""
        return summarize(self, a, b, ncols)

    def peak(self, a: int = 0, b: int | None = None) -> float:
        """max |sample| over [a, b), from the summaries."""
        a, b = self._check(a, self._n if b is None else b)
        if a == b:
            return 0.0
        s = self.summary(a, b, 1)
        return float(max(-s.mins[0], s.maxs[0]))

    # ----- edits (all return new Sequences sharing untouched blocks)
    def slice(self, a: int, b: int) -> "Sequence":
        """Samples [a, b) sharing every whole block; new blocks only at the two cut edges."""
        a, b = self._check(a, b)
        if a == 0 and b == self._n:
            return self
        if a == b:
            return Sequence.empty()
        i0, i1 = self.block_index(a), self.block_index(b - 1)
        o0, o1 = int(self.offsets[i0]), int(self.offsets[i1])
        if i0 == i1:
            blk = self.blocks[i0]
            if a == o0:
                return Sequence((blk.head(b - o0),))
            return Sequence((Block.from_array(blk.samples[a - o0:b - o0]),))
        first = self.blocks[i0]
        if a > o0:
            first = Block.from_array(first.samples[a - o0:])
        last = self.blocks[i1].head(b - o1)
        lens = np.concatenate(([len(first)], self._lens[i0 + 1:i1], [len(last)]))
        return Sequence._of((first,) + self.blocks[i0 + 1:i1] + (last,), lens)

    def concat(self, other: "Sequence") -> "Sequence":
        if not other.blocks:
            return self
        if not self.blocks:
            return other
        return Sequence._of(*_mend(self.blocks + other.blocks,
                                   np.concatenate((self._lens, other._lens)), len(self.blocks)))

    def insert(self, pos: int, other: "Sequence") -> "Sequence":
        return self.replace(pos, pos, other)

    def delete(self, a: int, b: int) -> "Sequence":
        return self.replace(a, b, Sequence.empty())

    def replace(self, a: int, b: int, other) -> "Sequence":
        """Samples [a, b) replaced by `other` (a Sequence or a 1-D array); length may change."""
        a, b = self._check(a, b)
        if not isinstance(other, Sequence):
            other = Sequence.from_array(other)
        if a == b and not len(other):
            return self
        return self.slice(0, a).concat(other).concat(self.slice(b, self._n))

    def transform(self, a: int, b: int, fn: Callable[[np.ndarray, int], np.ndarray]) -> "Sequence":
        """Samples [a, b) mapped block by block: fn(samples, offset_from_a) -> new samples of the
        same length (never modify the input). Memory stays one block at a time."""
        a, b = self._check(a, b)
        if a == b:
            return self
        mid = self.slice(a, b)
        new = []
        for blk, off in zip(mid.blocks, mid.offsets):
            y = np.asarray(fn(blk.samples, int(off)), dtype=np.float32)
            if y.shape != blk.samples.shape:
                raise ValueError("transform must keep the length")
            new.append(Block.from_array(y, adopt=True))
        return self.replace(a, b, Sequence(new))

    def reversed(self) -> "Sequence":
        return Sequence(Block.from_array(blk.samples[::-1]) for blk in reversed(self.blocks))


def _mend(blks: tuple, lens: np.ndarray, seam: int) -> tuple[tuple, np.ndarray]:
    """Re-block around the seam between blks[seam-1] and blks[seam] when either is short, so
    repeated edits do not leave a trail of tiny blocks. Copies at most three blocks."""
    size = _blocks.BLOCK_SAMPLES
    small = max(1, size // 4)
    lo, hi = seam - 1, seam + 1
    if lens[lo] >= small and lens[seam] >= small:
        return blks, lens
    total = int(lens[lo] + lens[seam])
    # still short after merging: take in a neighbour too (the shorter one)
    if total < small and (lo > 0 or hi < len(blks)):
        left = int(lens[lo - 1]) if lo > 0 else None
        right = int(lens[hi]) if hi < len(blks) else None
        if right is None or (left is not None and left <= right):
            lo -= 1
            total += left
        else:
            hi += 1
            total += right
    x = np.concatenate([b.samples for b in blks[lo:hi]])
    new = tuple(_split_even(x, size))
    new_lens = np.fromiter((len(b.samples) for b in new), np.int64, len(new))
    return blks[:lo] + new + blks[hi:], np.concatenate((lens[:lo], new_lens, lens[hi:]))


class SequenceBuilder:
    """Builds a Sequence from consecutive chunks of any size, in full blocks (streaming: holds at
    most one block of pending samples). `append` takes ownership of the arrays it is given. `make_block(array) -> Block` may be overridden, e.g. to
    hand the summary work to a pool (loading.py); it then returns anything `resolve` turns into
    a Block."""

    def __init__(self, make_block: Callable[[np.ndarray], object] | None = None,
                 resolve: Callable[[object], Block] | None = None):
        self._size = _blocks.BLOCK_SAMPLES
        self._pending: list[np.ndarray] = []
        self._count = 0
        self._made: list[object] = []
        self._make = make_block or (lambda a: Block.from_array(a, adopt=True))
        self._resolve = resolve or (lambda b: b)

    def append(self, x) -> None:
        x = np.asarray(x, dtype=np.float32).ravel()
        size = self._size
        if not self._pending and len(x) == size:  # common case: whole blocks, no extra copy
            self._made.append(self._make(x))  # adopted when it owns its data: callers hand over
            return
        self._pending.append(x)
        self._count += len(x)
        if self._count >= size:
            joined = np.concatenate(self._pending)
            full = (len(joined) // size) * size
            for i in range(0, full, size):
                self._made.append(self._make(joined[i:i + size].copy()))
            rest = joined[full:].copy()
            self._pending = [rest] if len(rest) else []
            self._count = len(rest)

    def finish(self) -> Sequence:
        if self._count:
            self._made.append(self._make(np.concatenate(self._pending)))
        self._pending, self._count = [], 0
        return Sequence(self._resolve(b) for b in self._made)
