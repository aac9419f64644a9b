"""Level guidance (studio.models.restoration.levels) on known signals: levels measured with
plain numpy (Hann-windowed DFTs), not with the module's own frame."""
import numpy as np
import torch

from studio.models.restoration.levels import match_levels

RATE = 22050


def _band_db(x, a, b, f_lo, f_hi):
    """Power (dB) of x[a:b] between f_lo and f_hi Hz."""
    seg = x[a:b] * np.hanning(b - a)
    spec = np.abs(np.fft.rfft(seg)) ** 2
    f = np.fft.rfftfreq(b - a, 1 / RATE)
    return 10 * np.log10(spec[(f >= f_lo) & (f < f_hi)].sum() + 1e-30)


def _noise(n, seed=0):
    return np.random.default_rng(seed).standard_normal(n)


def _run(out, ref, s, e, band=None, tolerance_db=0.0):
    """match_levels on numpy arrays; without the dead zone unless asked, so that these
    tests see the line itself."""
    t = lambda a: torch.from_numpy(np.asarray(a, np.float32))[None]  # noqa: E731
    return match_levels(t(out), t(ref), RATE, s, e, band, tolerance_db=tolerance_db
                        )[0].numpy().astype(np.float64)


def test_a_quiet_fill_is_raised_to_the_level_of_its_sides():
    n, s, e = RATE * 2, RATE // 2 + 1000, RATE + 7000
    ref = 0.1 * _noise(n)
    out = ref.copy()
    out[s:e] = 0.01 * _noise(e - s, seed=1)     # a fill 20 dB too quiet: nearly a hole
    res = _run(out, ref, s, e)
    m = (s + e) // 2
    lvl = _band_db(res, m - 2048, m + 2048, 100, 10000)
    truth = _band_db(ref, m - 2048, m + 2048, 100, 10000)
    assert abs(lvl - truth) < 1.5, (lvl, truth)
    # the fill's own waveform is kept, only scaled: still uncorrelated with the sides' noise
    corr = np.corrcoef(res[s + 2000:e - 2000], out[s + 2000:e - 2000])[0, 1]
    assert corr > 0.95


def test_the_level_follows_a_decay_across_the_fill():
    """Sides 12 dB apart (a decaying note): the fill slopes from one to the other in dB."""
    n = RATE * 2
    t = np.arange(n) / RATE
    env = 10 ** (-12 * t / 2 / 20)                  # -12 dB over the two seconds
    ref = env * np.sin(2 * np.pi * 440 * t)
    s, e = RATE // 2, 3 * RATE // 2
    out = ref.copy()
    out[s:e] = 0.3 * np.sin(2 * np.pi * 440 * t[s:e] + 1.0)   # a flat fill, wrong level
    res = _run(out, ref, s, e)
    for a in (s + 3000, (s + e) // 2, e - 3000 - 2048):
        got = _band_db(res, a, a + 2048, 300, 600)
        want = _band_db(ref, a, a + 2048, 300, 600)
        assert abs(got - want) < 1.5, (a, got, want)


def test_only_the_band_asked_for_changes():
    n, s, e = RATE * 2, RATE // 2, RATE
    t = np.arange(n) / RATE
    ref = 0.1 * np.sin(2 * np.pi * 500 * t) + 0.1 * np.sin(2 * np.pi * 3000 * t)
    out = ref.copy()
    out[s:e] += 0.5 * np.sin(2 * np.pi * 3000 * t[s:e])      # 3 kHz far too loud there
    res = _run(out, ref, s, e, band=(2500.0, 3500.0))
    m = (s + e) // 2
    assert abs(_band_db(res, m - 2048, m + 2048, 2500, 3500)
               - _band_db(ref, m - 2048, m + 2048, 2500, 3500)) < 1.0
    assert abs(_band_db(res, m - 2048, m + 2048, 300, 700)
               - _band_db(out, m - 2048, m + 2048, 300, 700)) < 0.1
    # away from the region (beyond half a frame) nothing moved
    np.testing.assert_allclose(res[:s - 1200], out[:s - 1200], atol=1e-5)
    np.testing.assert_allclose(res[e + 1200:], out[e + 1200:], atol=1e-5)


def test_a_fill_at_the_right_level_is_left_alone_and_silence_is_not_blown_up():
    n, s, e = RATE * 2, RATE // 2, RATE
    ref = 0.1 * _noise(n)
    res = _run(ref, ref, s, e)
    # the levels of a noise's sides and middle differ by chance only: gains of about a dB
    # in a row over 0.1 s, a change more than 15 dB under the signal (a hole raised to the
    # sides' level changes by 20 dB and more)
    change = np.sqrt(np.mean((res - ref)[s - 2000:e + 2000] ** 2))
    assert 20 * np.log10(change / np.sqrt(np.mean(ref[s:e] ** 2))) < -15
    silent = np.zeros(n)
    res = _run(silent, ref, s, e)
    assert np.max(np.abs(res)) < 1e-3      # nothing to scale: no noise is invented


def test_row_by_row_a_partial_too_quiet_in_the_fill_is_brought_to_the_sides_level():
    """RX's rule bin by bin: the sides hold a 1 kHz partial over a faint floor; a fill that
    has the partial 26 dB too quiet and too much floor comes out with both at the sides'
    levels."""
    n, s, e = RATE * 2, RATE // 2, RATE
    t = np.arange(n) / RATE
    ref = 0.2 * np.sin(2 * np.pi * 1000 * t) + 0.001 * _noise(n)
    out = ref.copy()
    out[s:e] = 0.01 * np.sin(2 * np.pi * 1000 * t[s:e] + 2.0) + 0.01 * _noise(e - s, seed=3)
    tens = lambda a: torch.from_numpy(np.asarray(a, np.float32))[None]  # noqa: E731
    res = match_levels(tens(out), tens(ref), RATE, s, e, (500.0, 1500.0), smooth_seconds=1.0,
                       row_half_width=0, tolerance_db=0.0)[0].numpy().astype(np.float64)
    m = (s + e) // 2
    for lo, hi, tol in ((980, 1020, 1.5), (600, 800, 3.0), (1200, 1400, 3.0)):
        got = _band_db(res, m - 2048, m + 2048, lo, hi)
        want = _band_db(ref, m - 2048, m + 2048, lo, hi)
        assert abs(got - want) < tol, (lo, hi, got, want)


def test_a_gap_at_the_start_takes_the_level_of_its_one_side():
    n, e = RATE, RATE // 4
    ref = 0.1 * _noise(n)
    out = ref.copy()
    out[:e] = 0.005 * _noise(e, seed=2)
    res = _run(out, ref, 0, e)
    assert abs(_band_db(res, 0, 4096, 100, 10000) - _band_db(ref, 0, 4096, 100, 10000)) < 2.0


def test_the_readout_is_a_hole_a_fill_or_nothing():
    from studio.models.restoration.levels import level_vs_sides
    n, s, e = RATE * 2, RATE // 2, RATE // 2 + RATE // 5
    ref = 0.1 * _noise(n)
    hole = ref.copy()
    hole[s:e] = 0.0
    t = lambda a: torch.from_numpy(np.asarray(a, np.float32))[None]  # noqa: E731
    assert abs(level_vs_sides(t(ref), RATE, s, e)) < 1.0
    assert level_vs_sides(t(hole), RATE, s, e) < -25   # (the windows' tails reach the sides)
    assert np.isnan(level_vs_sides(t(ref), RATE, s, s + RATE // 100))   # 10 ms: no level


def test_only_what_stands_out_is_taken_from_the_redraw():
    """A chord with a whistle over 0.5 s: from a redraw that differs everywhere, only the
    whistle's rows are taken; the chord's rows in the rectangle stay the recording's own."""
    from studio.models.restoration.levels import keep_what_fits
    n, s, e = RATE * 2, RATE // 2, RATE
    t = np.arange(n) / RATE
    chord = sum(0.1 / k * np.sin(2 * np.pi * 440 * k * t) for k in range(1, 9))
    chord = chord + 0.0005 * _noise(n, seed=4)
    ref = chord.copy()
    ref[s:e] += 0.3 * np.sin(2 * np.pi * 3000 * t[s:e])           # the whistle
    redraw = chord + 0.01 * _noise(n, seed=5)                       # no whistle, other noise
    tens = lambda a: torch.from_numpy(np.asarray(a, np.float32))[None]  # noqa: E731
    res = keep_what_fits(tens(redraw), tens(ref), RATE, s, e, (1000.0, 4000.0))[0].numpy()
    m = (s + e) // 2
    whistle_before = _band_db(ref, m - 2048, m + 2048, 2950, 3050)
    whistle_after = _band_db(res, m - 2048, m + 2048, 2950, 3050)
    assert whistle_before - whistle_after > 30
    # the chord's 1320 and 2640 Hz partials in the band: the recording's own, not the redraw
    seg = slice(m - 2048, m + 2048)
    for f in (1320, 2640):
        assert abs(_band_db(res[seg], 0, 4096, f - 30, f + 30)
                   - _band_db(ref[seg], 0, 4096, f - 30, f + 30)) < 0.5
    between = _band_db(res, m - 2048, m + 2048, 1500, 1700)        # the floor between them
    assert abs(between - _band_db(ref, m - 2048, m + 2048, 1500, 1700)) < 1.0


def test_within_the_dead_zone_a_fill_is_left_alone_beyond_it_brought_to_its_edge():
    n, s, e = RATE * 2, RATE // 2, RATE
    ref = 0.1 * _noise(n)
    m = (s + e) // 2
    close = ref.copy()
    close[s:e] = 0.08 * _noise(e - s, seed=6)           # 2 dB low: inside the 3 dB zone
    def change_db(res):
        d = res[s + 3000:e - 3000] - close[s + 3000:e - 3000]
        return 10 * np.log10(np.mean(d ** 2) / np.mean(close[s + 3000:e - 3000] ** 2))
    # only cells whose level strays by chance past the zone move, and by little
    moved, steered = change_db(_run(close, ref, s, e, tolerance_db=3.0)), change_db(
        _run(close, ref, s, e))
    assert moved < -25 and moved < steered - 10, (moved, steered)
    hole = ref.copy()
    hole[s:e] = 0.01 * _noise(e - s, seed=7)            # 20 dB low: raised to about -3 dB
    res = _run(hole, ref, s, e, tolerance_db=3.0)
    got = _band_db(res, m - 2048, m + 2048, 100, 10000) - _band_db(ref, m - 2048, m + 2048,
                                                                    100, 10000)
    assert -4.5 < got < -1.5, got


def test_a_long_fill_is_steered_to_the_sides_mean_power_not_their_mean_in_db():
    """Sides 20 dB apart (loud speech before, a pause after): at the gap's middle the line in
    power lies at their mean power, 10 log10((1 + 0.01) / 2) = -3 dB under the loud side,
    the line in dB at their geometric mean, -10 dB: 7 dB of energy a long fill would lack."""
    n, s, e = RATE * 2, RATE // 2, 3 * RATE // 2
    ref = _noise(n, seed=8)
    ref[:s] *= 0.1
    ref[e:] *= 0.01
    out = ref.copy()
    out[s:e] = 0.001 * _noise(e - s, seed=9)           # a hole
    t = lambda a: torch.from_numpy(np.asarray(a, np.float32))[None]  # noqa: E731
    m = (s + e) // 2
    loud = _band_db(ref, s - 4096, s, 100, 10000)

    def middle(**kw):
        res = match_levels(t(out), t(ref), RATE, s, e, tolerance_db=0.0, **kw)[0].numpy()
        return _band_db(res.astype(np.float64), m - 2048, m + 2048, 100, 10000) - loud
    assert abs(middle(in_power=True) - 10 * np.log10(1.01 / 2)) < 1.0, middle(in_power=True)
    assert abs(middle() + 10) < 1.0, middle()
