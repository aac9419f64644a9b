"""The window on real files: open, draw, zoom, select, cut, undo, export, play, tiles."""
import numpy as np
import soundfile as sf

from studio.core.selection import Selection
from studio.paths import resource

DEMO = str(resource("demo", "demo.flac"))


def test_open_draws_every_channel_from_summaries(demo_window):
    w = demo_window
    ref, rate = sf.read(DEMO, dtype="float32", always_2d=True)
    assert w.model.n_channels == ref.shape[1] == len(w.waveform.items)
    assert w.model.rate == rate
    # the envelope is drawn at the view's pixel width, and its bounds match the file's peaks
    item = w.waveform.items[0]
    box = item.boundingRect()
    assert abs(box.top() - min(ref[:, 0].min(), 0)) < 1e-4
    assert abs(box.bottom() - max(ref[:, 0].max(), 0)) < 1e-4
    assert "44100 Hz" in w.format_label.text() and "2 ch" in w.format_label.text()


def test_zoom_actions_and_fit(demo_window, qtbot):
    w = demo_window
    t0, t1 = w.waveform.visible_range()
    w.actions_.all["zoom_in"].trigger()
    z0, z1 = w.waveform.visible_range()
    assert abs((z1 - z0) - (t1 - t0) / 2) < 1e-6
    w.model.set_selection(Selection(44100, 2 * 44100))
    w.actions_.all["zoom_sel"].trigger()
    s0, s1 = w.waveform.visible_range()
    assert s0 <= 1.0 and s1 >= 2.0 and s1 - s0 < 1.2
    # zoomed in far: one column per sample, drawn as a line (no envelope)
    w.waveform.set_visible_range(1.0, 1.0 + 200 / 44100)
    w.waveform.refresh()
    assert not w.waveform.items[0]._line.isEmpty() and w.waveform.items[0]._env.isEmpty()
    w.actions_.all["fit"].trigger()
    f0, f1 = w.waveform.visible_range()
    assert f0 == 0 and abs(f1 - 20.0) < 1e-6


def test_select_cut_undo_matches_numpy(demo_window):
    w = demo_window
    before = w.model.state.read()
    w.model.set_selection(Selection(1000, 5000))
    w.actions_.all["cut"].trigger()
    expected = np.delete(before, np.s_[1000:5000], axis=1)
    np.testing.assert_array_equal(w.model.state.read(), expected)
    assert w.model.document.is_modified
    w.actions_.all["paste"].trigger()
    np.testing.assert_array_equal(w.model.state.read(), before)
    w.actions_.all["undo"].trigger()
    w.actions_.all["undo"].trigger()
    np.testing.assert_array_equal(w.model.state.read(), before)
    assert w.history.list.count() == 3 and w.history.list.currentRow() == 0
    # the history panel jumps forward
    w.history.jump_to(1)
    np.testing.assert_array_equal(w.model.state.read(), expected)


def test_export_selection_reads_back(demo_window, tmp_path):
    w = demo_window
    w.model.set_selection(Selection(22050, 66150))
    out = tmp_path / "part.wav"
    assert w.actions_.export({"path": str(out), "format": "wav", "subtype": "FLOAT",
                              "rate": None, "selection_only": True}, wait=True)
    data, rate = sf.read(out, dtype="float32", always_2d=True)
    assert rate == 44100
    np.testing.assert_allclose(data.T, w.model.state.read(22050, 66150), atol=1e-7)


def test_play_advances_the_playhead(demo_window, qtbot):
    w = demo_window
    notices = []
    w.player.notice.connect(notices.append)
    w.player._warned = False  # the shared window may have played in an earlier test
    w.model.set_playhead(0)
    w.actions_.all["play"].trigger()
    assert w.player.playing
    qtbot.waitUntil(lambda: w.model.playhead > 4410, timeout=5000)
    w.actions_.all["play"].trigger()  # pause
    assert not w.player.playing
    paused = w.model.playhead
    assert paused > 4410
    if not w.player.has_output():  # the no-device path says so once
        w.actions_.all["play"].trigger()
        w.player.stop()
        assert len(notices) == 1 and "No audio output" in notices[0]


def test_ab_switches_source_at_the_same_position(demo_window):
    from studio.core.takes import Take
    from studio.ui.playback import PullDevice, StateSource, TakeSource
    w = demo_window
    st = w.model.state
    take = Take(id="t", name="quiet", start=1000, end=3000, channels=(0, 1),
                audio=np.zeros((2, 2000), np.float32), sample_rate=st.sample_rate)
    dev = PullDevice(2)
    dev.channels, dev.pos, dev.end = [0, 1], 900, st.n_frames
    dev.source = StateSource(st)
    a = np.frombuffer(dev.readData(200 * 8), np.float32).reshape(-1, 2)
    dev.source = TakeSource(st, take)  # switch mid-stream: no gap, same position
    b = np.frombuffer(dev.readData(200 * 8), np.float32).reshape(-1, 2)
    np.testing.assert_array_equal(a.T, st.read(900, 1100))
    assert dev.pos == 1300 and not np.any(b)


def test_spectrogram_tiles_match_scipy(demo_window, qtbot):
    import scipy.signal
    from studio.dsp import tiles as T
    w = demo_window
    spec_view = w.spectrogram
    qtbot.waitUntil(spec_view.is_ready, timeout=10000)
    assert spec_view._images
    # an independent check of one tile column: scipy's STFT of the mix at the same frame
    key = sorted(spec_view._images, key=lambda k: k[2])[0]
    spec, index = key[1], key[2]
    tile = spec_view.feeder.cache.get(key)
    k = 40
    centre = (index * spec.frames + k) * spec.hop
    mix = w.model.state.read(centre - spec.nfft // 2, centre + spec.nfft // 2).mean(axis=0)
    win = scipy.signal.get_window(spec.window, spec.nfft)
    amp = np.abs(np.fft.rfft(mix * win)) * 2 / win.sum()
    # on a linear axis with one row per bin, row r is centred between bins r and r+1
    lin = T.TileSpec(rate=spec.rate, nfft=spec.nfft, hop=spec.hop, window=spec.window,
                     scale="linear", rows=spec.nfft // 2)
    col = T.compute_tile(lambda a, b: w.model.state.read(a, b).mean(axis=0),
                         w.model.n_frames, lin, index)[k]
    row = 300
    expected = 20 * np.log10(max(0.5 * (amp[row] + amp[row + 1]), 1e-8))
    assert abs(col[row] - expected) < 0.5
    assert tile.shape == (spec.frames, spec.rows)


def test_spectrogram_rectangle_sets_the_band(demo_window):
    from studio.dsp import tiles as T
    w = demo_window
    s = w.spectrogram
    y0 = float(T.hz_to_scale(1000, s.settings.scale, 44100))
    y1 = float(T.hz_to_scale(4000, s.settings.scale, 44100))
    s._on_drag_changed(1.0, y0, 2.0, y1, True)
    sel = w.model.selection
    assert (sel.start, sel.end) == (44100, 88200)
    assert abs(sel.f_lo - 1000) < 1 and abs(sel.f_hi - 4000) < 1
    assert w.selection_label.text().endswith(" · 1000–4000 Hz")
