"""Immutable sample blocks with min/max/sum-of-squares summaries (Audacity's SeqBlock idea).

A channel of audio is a list of `Block`s (see sequence.py). A block never changes after it is
made, so any number of undo states can share it; an edit makes new blocks only where it cuts.

Each block carries summaries at `SUMMARY_LEVELS` samples per entry. Entries are aligned to the
*block's* first sample (entry k covers block samples [k*L, (k+1)*L)); the last entry of a level
may be partial. sequence.py snaps its column edges to these entry edges, which is what makes a
waveform summary exact and cheap at every zoom.

`BLOCK_SAMPLES` is read at call time (never copied with `from blocks import BLOCK_SAMPLES`), so
tests can lower it with `block_size(n)` and make edits split blocks often.
"""
from __future__ import annotations

import contextlib
from typing import Iterator

import numpy as np

BLOCK_SAMPLES = 1 << 18           # max samples per block (262144, 1 MiB of float32)
SUMMARY_LEVELS = (256, 4096, 65536)  # samples per summary entry, finest first


def max_block_samples() -> int:
    """The current block size (tests may have lowered it with `block_size`)."""
    return BLOCK_SAMPLES


@contextlib.contextmanager
def block_size(n: int) -> Iterator[None]:
    """Temporarily use blocks of at most `n` samples (tests: make edits split blocks often)."""
    global BLOCK_SAMPLES
    if n < 1:
        raise ValueError("block size must be >= 1")
    old, BLOCK_SAMPLES = BLOCK_SAMPLES, int(n)
    try:
        yield
    finally:
        BLOCK_SAMPLES = old


def sum_of_squares(x: np.ndarray) -> float:
    """Sum of x**2 accumulated in float64. Not np.dot: a BLAS call may wake its thread pool,
    which costs milliseconds on a loaded machine (measured: 25 ms for 65 k samples)."""
    x64 = x.astype(np.float64)
    return float(np.einsum("i,i->", x64, x64))


def _entry_summaries(x: np.ndarray, level: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """min, max (float32) and sum of squares (float64) of each `level`-sample entry of x."""
    n = len(x)
    full = n // level
    count = full + (1 if n % level else 0)
    mins = np.empty(count, np.float32)
    maxs = np.empty(count, np.float32)
    sumsq = np.empty(count, np.float64)
    if full:
        body = x[: full * level].reshape(full, level)
        starts = np.arange(0, full * level, level)
        # reduceat is ~1.6x faster than min(axis=1) on rows this short (numpy 2.x)
        np.minimum.reduceat(body.ravel(), starts, out=mins[:full])
        np.maximum.reduceat(body.ravel(), starts, out=maxs[:full])
        # float32 dot products per row (relative error ~1e-7, 3x faster than square+sum), kept as
        # float64 so that adding many entries for a coarse column stays exact enough
        sumsq[:full] = np.einsum("ij,ij->i", body, body)
    if count > full:
        tail = x[full * level:]
        mins[full] = tail.min()
        maxs[full] = tail.max()
        sumsq[full] = sum_of_squares(tail)
    return mins, maxs, sumsq


def _coarsen(mins, maxs, sumsq, factor: int):
    """Summaries of a coarser level from a finer one (`factor` fine entries per coarse entry).
    Exact: a coarse entry is the union of its fine entries, both aligned to the block start."""
    starts = np.arange(0, len(mins), factor)
    return (np.minimum.reduceat(mins, starts), np.maximum.reduceat(maxs, starts),
            np.add.reduceat(sumsq, starts))


def _summaries_of(a: np.ndarray) -> tuple[dict, dict, dict]:
    mins, maxs, sumsq = {}, {}, {}
    lv0 = SUMMARY_LEVELS[0]
    m, M, s = _entry_summaries(a, lv0)
    mins[lv0], maxs[lv0], sumsq[lv0] = m, M, s
    prev = lv0
    for lv in SUMMARY_LEVELS[1:]:
        m, M, s = _coarsen(m, M, s, lv // prev)
        mins[lv], maxs[lv], sumsq[lv] = m, M, s
        prev = lv
    for d in (mins, maxs, sumsq):
        for arr in d.values():
            arr.flags.writeable = False
    return mins, maxs, sumsq


class Block:
    """Immutable float32 samples plus their summaries. Make one with `Block.from_array`.

    The summaries are computed on first use (or by `ensure_summaries`, which loading calls in
    its worker threads): an edit then only copies the samples of the blocks it cuts, and the
    waveform query that first needs a new block pays its ~0.5 ms once. Being a pure function
    of immutable samples, a summary computed twice by two threads is the same value.
    """

    __slots__ = ("samples", "_summ", "nbytes")

    def __init__(self, samples: np.ndarray, summaries: tuple[dict, dict, dict] | None = None):
        self.samples = samples
        self._summ = summaries
        n = len(samples)
        # samples plus summaries (counted whether or not they are computed yet)
        self.nbytes = samples.nbytes + sum(-(-n // lv) * (4 + 4 + 8) for lv in SUMMARY_LEVELS)

    @classmethod
    def from_array(cls, a, adopt: bool = False) -> "Block":
        """A block holding the 1-D samples `a`. `a` is copied unless `adopt` is true and it is
        already contiguous float32: the caller then hands it over (nobody may write to it
        again; it is made read-only)."""
        a = np.asarray(a)
        if a.ndim != 1:
            raise ValueError("a block holds one channel: a 1-D array")
        if not (adopt and a.dtype == np.float32 and a.flags.c_contiguous):
            a = np.array(a, dtype=np.float32, copy=True)
        a.flags.writeable = False
        return cls(a)

    def ensure_summaries(self) -> "Block":
        if self._summ is None:
            self._summ = _summaries_of(self.samples)
        return self

    @property
    def has_summaries(self) -> bool:
        return self._summ is not None

    @property
    def mins(self) -> dict:
        return (self._summ or self.ensure_summaries()._summ)[0]

    @property
    def maxs(self) -> dict:
        return (self._summ or self.ensure_summaries()._summ)[1]

    @property
    def sumsq(self) -> dict:
        return (self._summ or self.ensure_summaries()._summ)[2]

    @property
    def min(self) -> float:
        return float(self.mins[SUMMARY_LEVELS[-1]].min()) if len(self.samples) else 0.0

    @property
    def max(self) -> float:
        return float(self.maxs[SUMMARY_LEVELS[-1]].max()) if len(self.samples) else 0.0

    @property
    def sumsq_total(self) -> float:
        return float(self.sumsq[SUMMARY_LEVELS[-1]].sum()) if len(self.samples) else 0.0

    def head(self, n: int, reuse_summaries: bool = False) -> "Block":
        """The first n samples as a new block. Summary entries are aligned to the block start,
        so with `reuse_summaries` (and the parent's computed) every full entry is reused and
        only the last partial one is computed. By default the new block computes its own when
        first asked: edits stay a plain copy (about 20 small numpy calls cheaper)."""
        if n >= len(self.samples):
            return self
        a = self.samples[:n].copy()
        a.flags.writeable = False
        if self._summ is None or not reuse_summaries:
            return Block(a)
        mins, maxs, sumsq = {}, {}, {}
        for lv in SUMMARY_LEVELS:
            full = n // lv
            m, M, s = self.mins[lv][:full], self.maxs[lv][:full], self.sumsq[lv][:full]
            if n % lv:
                tail = a[full * lv:]
                m = np.append(m, np.float32(tail.min()))
                M = np.append(M, np.float32(tail.max()))
                s = np.append(s, sum_of_squares(tail))
            else:
                m, M, s = m.copy(), M.copy(), s.copy()  # own them: the parent may be dropped
            for arr in (m, M, s):
                arr.flags.writeable = False
            mins[lv], maxs[lv], sumsq[lv] = m, M, s
        return Block(a, (mins, maxs, sumsq))

    def __len__(self) -> int:
        return len(self.samples)

    def __repr__(self) -> str:
        return f"Block({len(self)} samples)"


_ZEROS: dict[int, Block] = {}


def zero_block(n: int) -> Block:
    """A block of n zeros; full-size ones are shared, so silence costs almost no memory."""
    if n == BLOCK_SAMPLES:
        blk = _ZEROS.get(n)
        if blk is None:
            blk = _ZEROS[n] = Block.from_array(np.zeros(n, np.float32), adopt=True).ensure_summaries()
        return blk
    return Block.from_array(np.zeros(n, np.float32), adopt=True)
