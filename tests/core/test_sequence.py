import numpy as np
import pytest

from studio.core import blocks
from studio.core.sequence import Sequence, SequenceBuilder


def test_iter_chunks_and_read(small_blocks):
    x = np.arange(100, dtype=np.float32)
    seq = Sequence.from_array(x)
    chunks = list(seq.iter_chunks(5, 97, 10))
    assert [len(c) for c in chunks] == [10] * 9 + [2]
    assert np.array_equal(np.concatenate(chunks), x[5:97])
    assert np.array_equal(seq.read(15, 16), x[15:16])
    with pytest.raises(IndexError):
        seq.read(90, 101)


def test_slice_shares_inner_blocks(small_blocks):
    seq = Sequence.from_array(np.arange(160, dtype=np.float32))
    part = seq.slice(20, 130)
    assert set(map(id, part.blocks[1:-1])) <= set(map(id, seq.blocks))
    assert np.array_equal(part.read(), np.arange(20, 130, dtype=np.float32))
    assert seq.slice(0, 160) is seq


def test_builder_makes_full_blocks_from_any_chunks(small_blocks):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(1000).astype(np.float32)
    b = SequenceBuilder()
    pos = 0
    for n in rng.integers(0, 40, 60):
        b.append(x[pos:pos + n].copy())
        pos += n
    b.append(x[pos:].copy())
    seq = b.finish()
    assert np.array_equal(seq.read(), x)
    assert all(len(blk) == 16 for blk in seq.blocks[:-1])


def test_silence_is_zero_and_cheap():
    seq = Sequence.silence(5 * blocks.BLOCK_SAMPLES + 3)
    assert len(seq) == 5 * blocks.BLOCK_SAMPLES + 3 and seq.peak() == 0.0
    assert len({id(b) for b in seq.blocks}) == 2


def test_peak_from_summaries():
    x = np.zeros(1 << 19, np.float32)
    x[300_001] = -0.75
    assert Sequence.from_array(x).peak(1000, 400_000) == 0.75
