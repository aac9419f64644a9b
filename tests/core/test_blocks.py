import numpy as np
import pytest

from studio.core.blocks import SUMMARY_LEVELS, Block, block_size, zero_block
from studio.core import blocks


@pytest.mark.parametrize("n", [1, 255, 256, 257, 4096 * 3 + 5, 70000, 1 << 18])
def test_block_summaries_match_numpy_per_entry(n):
    x = np.random.default_rng(n).standard_normal(n).astype(np.float32)
    blk = Block.from_array(x)
    assert len(blk) == n and np.array_equal(blk.samples, x)
    for lv in SUMMARY_LEVELS:
        count = -(-n // lv)
        assert len(blk.mins[lv]) == count
        for k in (0, count // 2, count - 1):
            seg = x[k * lv:(k + 1) * lv]
            assert blk.mins[lv][k] == seg.min() and blk.maxs[lv][k] == seg.max()
            assert blk.sumsq[lv][k] == pytest.approx(np.sum(seg.astype(np.float64) ** 2), rel=1e-5)
    assert blk.min == x.min() and blk.max == x.max()
    assert blk.sumsq_total == pytest.approx(np.sum(x.astype(np.float64) ** 2), rel=1e-5)
    assert blk.nbytes > x.nbytes


def test_block_is_immutable_and_copies_its_input():
    x = np.arange(10, dtype=np.float32)
    blk = Block.from_array(x)
    x[0] = 99
    assert blk.samples[0] == 0
    with pytest.raises(ValueError):
        blk.samples[1] = 5
    with pytest.raises(ValueError):
        blk.mins[256][0] = 5


@pytest.mark.parametrize("n", [1, 300, 4096, 5000, 65536 + 17])
def test_head_reuses_summaries_and_equals_a_fresh_block(n):
    x = np.random.default_rng(1).standard_normal(70000).astype(np.float32)
    parent = Block.from_array(x).ensure_summaries()
    head, fresh = parent.head(n, reuse_summaries=True), Block.from_array(x[:n])
    assert head.has_summaries
    assert np.array_equal(head.samples, fresh.samples)
    for lv in SUMMARY_LEVELS:
        assert np.array_equal(head.mins[lv], fresh.mins[lv])
        assert np.array_equal(head.maxs[lv], fresh.maxs[lv])
        np.testing.assert_allclose(head.sumsq[lv], fresh.sumsq[lv], rtol=1e-5)


def test_block_size_override_is_restored():
    before = blocks.BLOCK_SAMPLES
    with block_size(16):
        assert blocks.BLOCK_SAMPLES == 16
        assert len(zero_block(16)) == 16
    assert blocks.BLOCK_SAMPLES == before == 1 << 18


def test_full_zero_blocks_are_shared():
    assert zero_block(blocks.BLOCK_SAMPLES) is zero_block(blocks.BLOCK_SAMPLES)
    assert zero_block(5).max == 0.0
