"""Work that must not block the window: opening and cancelling, saving a snapshot while the
user edits, spectrogram tiles of the visible range only, autosave, the array layout in the
session, and the array view of `studio gui --view array`."""
import time

import numpy as np
import pytest
import soundfile as sf

from studio.core.selection import Selection


@pytest.fixture
def long_wav(tmp_path):
    rate, seconds = 48000, 90
    rng = np.random.default_rng(7)
    data = (0.3 * rng.standard_normal((rate * seconds, 2))).astype(np.float32)
    path = tmp_path / "long.wav"
    sf.write(path, data, rate, subtype="FLOAT")
    return str(path), data


def test_open_runs_in_the_background_and_fills_in(window, qtbot, long_wav):
    path, data = long_wav
    qtbot.waitUntil(window.jobs.host.is_ready, timeout=60000)  # torch loaded: less GIL noise
    ticks = []
    from PySide6.QtCore import QTimer
    timer = QTimer(interval=10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    t0 = time.perf_counter()
    assert window.actions_.open_path(path)
    assert time.perf_counter() - t0 < 0.5          # returns at once; the load runs elsewhere
    assert window.task_progress.isVisible() and "long.wav" in window.task_progress.label.text()
    qtbot.waitUntil(lambda: window.model.document is not None, timeout=30000)
    t_done = time.perf_counter()
    timer.stop()
    # the event loop kept turning while the file loaded (a blocking load would tick 0 times)
    assert sum(t0 < t < t_done for t in ticks) >= 2
    np.testing.assert_array_equal(window.model.state.read(0, 48000), data[:48000].T)
    assert window.model.n_frames == data.shape[0]
    qtbot.waitUntil(lambda: not window.task_progress.isVisible(), timeout=5000)


def test_cancelled_open_changes_nothing(window, qtbot, long_wav):
    from studio.core.document import Document
    path, _ = long_wav
    before = Document.from_array(np.full((1, 1000), 0.1, np.float32), 8000)
    window.set_document(before)
    assert window.actions_.open_path(path)
    window.task_progress.cancel_button.click()
    qtbot.waitUntil(lambda: not window.files.busy(), timeout=10000)
    assert window.model.document is before
    assert "Cancelled" in window.statusBar().currentMessage()
    assert window.tasks.pending("io") == 0


def test_failed_open_is_one_line_and_changes_nothing(window, qtbot, tmp_path):
    bad = tmp_path / "broken.wav"
    bad.write_bytes(b"RIFF\x00\x00\x00\x00WAVEfmt garbage")
    assert not window.actions_.open_path(str(bad), wait=True)
    assert window.model.document is None
    msg = window.statusBar().currentMessage()
    assert msg and "\n" not in msg and "Traceback" not in msg


def test_save_writes_the_snapshot_while_editing_goes_on(demo_window, qtbot, tmp_path):
    from studio.core.session import load_session
    w = demo_window
    saved_state = w.model.state
    path = tmp_path / "s.adsession"
    assert w.actions_.save_session(str(path))            # started, not finished
    w.model.set_selection(Selection(0, 44100))
    w.actions_.all["cut"].trigger()                      # edit while it is written
    qtbot.waitUntil(lambda: not w.files.busy(), timeout=20000)
    back = load_session(path)
    np.testing.assert_array_equal(back.state.read(), saved_state.read())
    assert w.model.document.is_modified                  # the cut is not in the file
    assert w.model.n_frames == saved_state.n_frames - 44100


def test_tiles_of_the_visible_range_only(demo_window, qtbot):
    w = demo_window
    s = w.spectrogram
    qtbot.waitUntil(s.is_ready, timeout=10000)
    computed = s.feeder.computed
    # zoom in far: the visible tiles come first; jumping away cancels the ones not yet done
    w.waveform.set_visible_range(1.0, 1.5)
    s.refresh()
    first = set(s.feeder._inflight)
    w.waveform.set_visible_range(15.0, 15.5)
    s.refresh()
    assert not (first - s._wanted) & set(s.feeder._inflight)
    qtbot.waitUntil(s.is_ready, timeout=10000)
    assert all(k[1] == s.current_spec() for k in s._images)
    # back to the first range: served from the cache, nothing recomputed for what was done
    done = s.feeder.computed
    w.actions_.all["fit"].trigger()
    s.refresh()
    assert s.is_ready() and s.feeder.computed == done >= computed
    assert s.feeder.cache.nbytes <= s.feeder.cache.max_bytes


def test_autosave_runs_for_the_open_document(demo_window, qtbot, recovery_dir):
    w = demo_window
    saver = w._autosaver
    assert saver is not None and saver.document is w.model.document
    w.model.set_selection(Selection(0, 1000))
    w.actions_.all["cut"].trigger()
    assert saver.save_now()
    assert (saver.folder / "lock.json").exists()
    # replacing the document stops it cleanly and starts one for the new document
    w.actions_.close_document()
    assert not saver.folder.exists() and w._autosaver is None


def test_array_layout_travels_in_the_session(demo_window, qtbot, tmp_path):
    from studio.app import arrange_view
    w = demo_window
    arrange_view(w, "array")                 # what `studio gui --view array` does
    qtbot.waitUntil(lambda: w.array_panel.editor is not None or bool(w.array_panel.error),
                    timeout=20000)
    if w.array_panel.editor is None:
        pytest.skip(f"no array editor in this build: {w.array_panel.error}")
    assert w.array_dock.isVisible() and w.array_panel.editor.isVisible()
    editor = w.array_panel.editor
    layout = editor.get_layout()
    mics = layout["mics"]
    mics[0]["x"] = mics[0]["x"] + 0.125
    editor.set_layout(layout)
    editor.layout_changed.emit(editor.get_layout())  # as a user edit reports it
    path = tmp_path / "a.adsession"
    assert w.actions_.save_session(str(path), wait=True)
    editor.set_layout(None)                  # back to the default
    assert w.actions_.open_path(str(path), wait=True)
    assert editor.get_layout() == layout
