"""Overlap-add chunking against unchunked processing, with numpy/scipy as the processing so
the join is tested independently of torch and of the ops."""
from fractions import Fraction

import numpy as np
import pytest
import scipy.signal as ss

from studio.engine.chunking import (ArrayCollector, fade_in_weights, fade_out_weights,
                                    overlap_add, plan_count)

RATE = 8000


def _signal(n, channels=2, seed=0):
    return np.random.default_rng(seed).standard_normal((channels, n)).astype(np.float32)


@pytest.mark.parametrize("fade", ["linear", "equal_power"])
def test_fades_are_complementary(fade):
    for m in (0, 1, 7, 64, 1001):
        w_out, w_in = fade_out_weights(m, fade), fade_in_weights(m, fade)
        assert len(w_out) == len(w_in) == m
        total = w_out + w_in if fade == "linear" else w_out ** 2 + w_in ** 2
        np.testing.assert_allclose(total, 1.0, atol=1e-6)
        if m >= 8:  # guard bands: the earlier chunk alone first, the later one alone last
            assert w_out[0] == 1.0 and w_in[-1] == 1.0 and w_out[-1] == 0.0


def _run(x, process, length, overlap, fade="linear"):
    reads = []

    def read(a, b):
        reads.append((a, b))
        return x[:, a:b]

    sink = ArrayCollector()
    run = overlap_add(process, read, x.shape[1], length, overlap, sink, fade=fade)
    return sink.array, run, reads


@pytest.mark.parametrize("length,overlap", [(1000, 200), (999, 400), (4096, 64), (50000, 10)])
def test_iir_filter_chunked_equals_unchunked(length, overlap):
    """A linear op (an IIR biquad whose transients die inside the guard band) gives the
    same output chunked as in one piece: no seam."""
    b, a = ss.butter(2, 1000, fs=RATE)
    x = _signal(20_011)
    whole = ss.lfilter(b, a, x, axis=-1).astype(np.float32)
    out, run, reads = _run(x, lambda a_, b_, blk: (ss.lfilter(b, a, blk, axis=-1), Fraction(1)),
                           length, overlap)
    assert out.shape == whole.shape
    assert np.max(np.abs(out - whole)) < 1e-5
    # lazily read: never more than one chunk at a time, and the whole input covered
    assert max(b_ - a_ for a_, b_ in reads) <= length
    assert reads[0][0] == 0 and reads[-1][1] == x.shape[1]
    assert run.chunks == len(reads) == plan_count(x.shape[1], length, overlap)


def test_zero_phase_filter_needs_the_right_guard():
    """filtfilt looks ahead: the later guard band absorbs the right-edge transient."""
    b, a = ss.butter(2, 500, fs=RATE)
    x = _signal(30_000)
    whole = ss.filtfilt(b, a, x, axis=-1, padtype=None).astype(np.float32)
    out, _, _ = _run(x, lambda a_, b_, blk: (ss.filtfilt(b, a, blk, axis=-1, padtype=None),
                                             Fraction(1)), 4000, 800)
    assert np.max(np.abs(out - whole)) < 1e-4


def test_a_seam_shows_without_overlap_for_a_filter():
    """The check above can fail: with no overlap an IIR filter restarts at every chunk."""
    b, a = ss.butter(2, 200, fs=RATE)
    x = _signal(20_000)
    whole = ss.lfilter(b, a, x, axis=-1)
    out, _, _ = _run(x, lambda a_, b_, blk: (ss.lfilter(b, a, blk, axis=-1), Fraction(1)),
                     3000, 0)
    assert np.max(np.abs(out - whole)) > 1e-2


def test_rate_change_is_aligned_to_output_frames():
    """A 3/2 resampler chunked matches the unchunked resampler (polyphase FIR)."""
    x = _signal(40_000, channels=1)
    whole = ss.resample_poly(x, 3, 2, axis=-1).astype(np.float32)

    def process(a, b, blk):
        return ss.resample_poly(blk, 3, 2, axis=-1), Fraction(3, 2)

    out, run, reads = _run(x, process, 5001, 700)
    assert out.shape == whole.shape == (1, 60_000)
    assert all(a_ % 2 == 0 for a_, _ in reads)  # every chunk starts on an output frame
    inner = slice(200, -200)  # resample_poly's own edge effects at the two ends
    assert np.max(np.abs(out[:, inner] - whole[:, inner])) < 1e-4


def test_streams_to_a_sink_in_order_with_bounded_blocks():
    x = _signal(50_000)
    got = []
    overlap_add(lambda a, b, blk: (blk * 2, Fraction(1)), lambda a, b: x[:, a:b],
                x.shape[1], 4000, 1000, lambda start, blk: got.append((start, blk.copy())))
    starts = [s for s, _ in got]
    assert starts == sorted(starts) and starts[0] == 0
    for (s0, b0), (s1, _) in zip(got, got[1:]):
        assert s0 + b0.shape[1] == s1  # contiguous, nothing emitted twice
    np.testing.assert_allclose(np.concatenate([b for _, b in got], axis=1), 2 * x, atol=1e-6)
    assert max(b.shape[1] for _, b in got) <= 4000


def test_equal_power_keeps_uncorrelated_level():
    """Two independent noises joined with equal-power fades keep their RMS in the seam."""
    n = 200_000
    rng = np.random.default_rng(3)

    def process(a, b, blk):  # every chunk is fresh noise (a generator, not a filter)
        return rng.standard_normal((1, b - a)).astype(np.float32), Fraction(1)

    x = np.zeros((1, n), np.float32)
    out, _, _ = _run(x, process, 40_000, 20_000, fade="equal_power")
    seam = out[0, 20_000 + 5000:40_000 - 5000]  # the cross-faded middle of the first overlap
    assert abs(np.sqrt(np.mean(seam ** 2)) - 1.0) < 0.05


def test_between_chunks_can_stop_the_run():
    x = _signal(10_000)
    seen = []

    def between(k):
        seen.append(k)
        if k == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        overlap_add(lambda a, b, blk: (blk, Fraction(1)), lambda a, b: x[:, a:b], 10_000,
                    1000, 100, ArrayCollector(), between_chunks=between)
    assert seen == [0, 1, 2]


def test_wrong_length_from_an_op_is_an_error():
    x = _signal(10_000)
    with pytest.raises(RuntimeError, match="frames"):
        overlap_add(lambda a, b, blk: (blk[:, :-5], Fraction(1)), lambda a, b: x[:, a:b],
                    10_000, 3000, 100, ArrayCollector())
