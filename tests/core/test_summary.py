"""Summaries equal numpy's min/max/RMS of exactly each column's range, at any zoom."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from studio.core import blocks
from studio.core.sequence import Sequence


def column_reference(x: np.ndarray, edges: np.ndarray):
    """numpy's min/max/RMS over exactly each column [edges[i], edges[i+1])."""
    cols = [x[edges[i]:edges[i + 1]] for i in range(len(edges) - 1)]
    mins = np.array([c.min() for c in cols], np.float32)
    maxs = np.array([c.max() for c in cols], np.float32)
    rms = np.array([np.sqrt(np.mean(np.square(c.astype(np.float64)))) for c in cols])
    return mins, maxs, rms


def _fragmented(x: np.ndarray, cuts: list[int]) -> Sequence:
    """x as a sequence built by edits (pieces glued together), so block lengths are irregular
    and summary entries do not line up with absolute positions."""
    cuts = sorted({c % (len(x) + 1) for c in cuts} | {0, len(x)})
    seq = Sequence.empty()
    for a, b in zip(cuts[:-1], cuts[1:]):
        seq = seq.concat(Sequence.from_array(x[a:b]))
    return seq


def _check(seq: Sequence, x: np.ndarray, a: int, b: int, ncols: int):
    s = seq.summary(a, b, ncols)
    assert s.edges[0] == a and s.edges[-1] == b
    assert np.all(np.diff(s.edges) > 0)
    assert s.ncols == min(ncols, b - a) if s.level == 1 else s.ncols == ncols
    mins, maxs, rms = column_reference(x, s.edges)
    assert np.array_equal(s.mins, mins) and np.array_equal(s.maxs, maxs)
    np.testing.assert_allclose(s.rms, rms, rtol=2e-5, atol=1e-12)
    return s


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 300_000), cuts=st.lists(st.integers(0, 300_000), max_size=6),
       a_frac=st.floats(0, 1), b_frac=st.floats(0, 1), ncols=st.integers(1, 900),
       block=st.sampled_from([1000, 5000, 1 << 18]), seed=st.integers(0, 2**16))
def test_summary_is_exact_per_column(n, cuts, a_frac, b_frac, ncols, block, seed):
    x = np.random.default_rng(seed).standard_normal(n).astype(np.float32)
    with blocks.block_size(block):
        seq = _fragmented(x, cuts)
        a, b = sorted((int(a_frac * n), int(b_frac * n)))
        if a == b:
            assert seq.summary(a, b, ncols).ncols == 0
            return
        _check(seq, x, a, b, ncols)


@pytest.mark.parametrize("ncols,level", [(1, 65536), (20, 65536), (100, 4096), (1000, 256), (5000, 256), (10000, 1)])
def test_level_is_the_coarsest_finer_than_a_column(ncols, level):
    x = np.random.default_rng(3).standard_normal(1_500_000).astype(np.float32)
    seq = _fragmented(x, [123_457, 800_001])
    s = _check(seq, x, 77, len(x) - 5, ncols)
    assert s.level == level


def test_short_range_gives_one_column_per_sample():
    x = np.arange(10, dtype=np.float32)
    s = Sequence.from_array(x).summary(2, 7, 100)
    assert s.level == 1 and s.ncols == 5
    assert np.array_equal(s.edges, np.arange(2, 8)) and np.array_equal(s.mins, x[2:7])


def test_summary_rejects_bad_ranges():
    seq = Sequence.from_array(np.zeros(10, np.float32))
    with pytest.raises(IndexError):
        seq.summary(5, 11, 3)
    with pytest.raises(ValueError):
        seq.summary(0, 10, 0)


def test_whole_view_work_does_not_grow_with_the_range():
    """A whole-file view touches the few entries of the coarse level, not the samples: the
    number of samples read directly is at most two partial entries."""
    x = np.random.default_rng(4).standard_normal(4_000_000).astype(np.float32)
    seq = Sequence.from_array(x)
    reads = []
    orig = Sequence.read

    def counting_read(self, a=0, b=None):
        out = orig(self, a, b)
        reads.append(len(out))
        return out
    Sequence.read = counting_read
    try:
        s = seq.summary(10, len(x) - 10, 50)
    finally:
        Sequence.read = orig
    assert s.level == 65536 and sum(reads) <= 2 * 65536
