"""Edits against numpy formulas and peer computations (scipy for resampling)."""
import numpy as np
import pytest
from scipy import signal

from studio.core import edits
from studio.core.clip import Clip
from studio.core.document import AudioState
from studio.core.resample import ratio
from studio.core.selection import Selection
from studio.errors import StudioError

RATE = 8000


def _state(c=2, n=1000, seed=0):
    x = np.random.default_rng(seed).uniform(-0.5, 0.5, (c, n)).astype(np.float32)
    return AudioState.from_array(x, RATE), x


@pytest.mark.parametrize("shape", ["linear", "log", "s-curve"])
def test_fades_follow_their_formulas(shape, small_blocks):
    st, x = _state()
    a, b = 100, 601
    t = np.arange(b - a) / (b - a - 1)
    formula = {"linear": t,
               "log": (10 ** (3 * (t - 1)) - 1e-3) / (1 - 1e-3),  # -60 dB .. 0 dB in dB-linear steps
               "s-curve": (1 - np.cos(np.pi * t)) / 2}[shape]
    got_in = edits.fade_in(st, Selection(a, b), shape).read()
    got_out = edits.fade_out(st, Selection(a, b), shape).read()
    np.testing.assert_allclose(got_in[:, a:b], x[:, a:b] * formula, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(got_out[:, a:b], x[:, a:b] * formula[::-1], rtol=1e-6, atol=1e-7)
    assert got_in[0, a] == 0 and got_in[0, b - 1] == x[0, b - 1] and got_out[0, b - 1] == 0
    for got in (got_in, got_out):  # outside the range nothing changed
        assert np.array_equal(got[:, :a], x[:, :a]) and np.array_equal(got[:, b:], x[:, b:])


def test_unknown_fade_shape_is_refused():
    st, _ = _state()
    with pytest.raises(ValueError):
        edits.fade_in(st, Selection(0, 10), "cubic")


def test_gain_and_channel_subset(small_blocks):
    st, x = _state()
    out = edits.gain(st, Selection(10, 500, channels={1}), 6.0).read()
    assert np.array_equal(out[0], x[0])
    np.testing.assert_allclose(out[1, 10:500], x[1, 10:500] * 10 ** (6 / 20), rtol=1e-6)
    assert np.array_equal(out[1, 500:], x[1, 500:])


def test_subset_shares_the_untouched_channel():
    st, _ = _state()
    out = edits.silence(st, Selection(0, 100, channels={0}))
    assert out.channels[1] is st.channels[1]
    assert not out.read(0, 100, [0]).any()


@pytest.mark.parametrize("edit", [
    lambda st, s: edits.delete(st, s), lambda st, s: edits.cut(st, s), lambda st, s: edits.trim(st, s),
    lambda st, s: edits.paste(st, s, Clip.from_array(np.ones((1, 3)), RATE)),
    lambda st, s: edits.replace_range(st, s.start, s.end, np.ones((1, 7)), [0]),
])
def test_length_changes_on_a_channel_subset_are_refused(edit):
    st, _ = _state()
    with pytest.raises(StudioError, match="every channel"):
        edit(st, Selection(10, 20, channels={0}))


def test_same_length_replace_on_a_subset_is_allowed():
    st, x = _state()
    out = edits.replace_range(st, 10, 20, np.ones((1, 10)), [1]).read()
    assert np.array_equal(out[0], x[0]) and np.all(out[1, 10:20] == 1)


def test_normalize_peak_links_the_selected_channels():
    st, x = _state()
    out = edits.normalize_peak(st, Selection(0, 1000), -6.0).read()
    assert np.abs(out).max() == pytest.approx(10 ** (-6 / 20), rel=1e-6)
    np.testing.assert_allclose(out[0] / x[0], out[1, 0] / x[1, 0], rtol=1e-5)  # one gain
    with pytest.raises(StudioError):
        edits.normalize_peak(AudioState.from_array(np.zeros((1, 50)), RATE), Selection(0, 50))


def test_reverse_and_mono_paste(small_blocks):
    st, x = _state(n=200)
    out = edits.reverse(st, Selection(5, 150)).read()
    assert np.array_equal(out[:, 5:150], x[:, 5:150][:, ::-1])
    mono = Clip.from_array(np.arange(7, dtype=np.float32)[None], RATE)
    out = edits.paste(st, Selection(50, 60), mono).read()
    assert out.shape == (2, 197)
    assert np.array_equal(out[:, 50:57], np.tile(np.arange(7, dtype=np.float32), (2, 1)))


def test_paste_resamples_a_clip_from_another_rate():
    st, _ = _state(c=1, n=100)
    clip = Clip.from_array(np.zeros((1, 441)), 44100)
    out = edits.paste(AudioState.from_array(np.zeros((1, 100)), 48000), Selection(10, 10), clip)
    assert out.n_frames == 100 + 480


def test_change_rate_matches_whole_signal_resample_poly():
    # streamed block by block, it equals scipy's polyphase resampling of the whole signal
    # with the same Kaiser-windowed sinc (io's design)
    from studio.io.resample import _filter
    x = np.random.default_rng(2).standard_normal((2, 700_001)).astype(np.float32)
    st = AudioState.from_array(x, 44100)
    out = edits.change_rate(st, 48000)
    up, down = ratio(44100, 48000)
    assert (up, down) == (160, 147)
    ref = signal.resample_poly(x.astype(np.float64), up, down, axis=1, window=_filter(up, down))
    assert out.sample_rate == 48000 and out.n_frames == ref.shape[1]
    np.testing.assert_allclose(out.read(), ref, atol=2e-5)


def test_change_rate_keeps_a_tone_and_rejects_aliases():
    rate, f = 48000, 1000.0
    t = np.arange(rate) / rate
    st = AudioState.from_array(np.sin(2 * np.pi * f * t)[None, :].astype(np.float32), rate)
    out = edits.change_rate(st, 44100).read()[0]
    t2 = np.arange(out.size) / 44100
    err = out[2000:-2000] - np.sin(2 * np.pi * f * t2[2000:-2000])
    assert 20 * np.log10(np.sqrt(np.mean(err ** 2)) / np.sqrt(0.5)) < -100


def test_rate_ratio_is_bounded():
    up, down = ratio(44101, 48000)
    assert up <= 1000 and down <= 1000 and abs(up / down - 48000 / 44101) < 1e-5


def test_mix_down_and_split_channels(small_blocks):
    st, x = _state(c=3, n=300)
    mono = edits.mix_down(st)
    assert mono.n_channels == 1
    np.testing.assert_allclose(mono.read()[0], x.mean(axis=0), rtol=1e-6, atol=1e-7)
    two = edits.mix_down(st, Selection(channels={0, 2}))
    np.testing.assert_allclose(two.read()[0], (x[0] + x[2]) / 2, rtol=1e-6, atol=1e-7)
    parts = edits.split_channels(st)
    assert [p.n_channels for p in parts] == [1, 1, 1]
    assert parts[1].channels[0] is st.channels[1]  # shared, not copied


def test_insert_silence_and_silence_share_zero_blocks():
    st, x = _state(c=1, n=10)
    out = edits.insert_silence(st, 5, 3 << 18)
    assert out.n_frames == 10 + (3 << 18)
    shared = {id(b) for b in out.channels[0].blocks if b.max == 0 and len(b) == 1 << 18}
    assert len(shared) == 1  # three full zero blocks, one object
    assert np.array_equal(out.read(0, 5), x[:, :5]) and np.array_equal(out.read(5 + (3 << 18)), x[:, 5:])


def test_cut_shares_all_but_the_edge_blocks():
    x = np.random.default_rng(5).standard_normal((1, 10 << 18)).astype(np.float32)
    st = AudioState.from_array(x, RATE)
    after, clip = edits.cut(st, Selection(3 * (1 << 18) + 5, 7 * (1 << 18) + 9))
    old = {id(b) for b in st.channels[0].blocks}
    new_after = [b for b in after.channels[0].blocks if id(b) not in old]
    new_clip = [b for b in clip.audio[0].blocks if id(b) not in old]
    assert len(new_after) <= 3 and len(new_clip) <= 3
    assert np.array_equal(clip.to_array(), x[:, 3 * (1 << 18) + 5:7 * (1 << 18) + 9])
