"""The status bar's readouts stay while it shows a message, a spectrogram rectangle reads as
its time span and its band, and a take made from that rectangle is named with the band."""
from studio.dsp import tiles as T


def _drag_band(w, t0, t1, lo, hi):
    s = w.spectrogram
    rate = w.model.rate
    y0 = float(T.hz_to_scale(lo, s.settings.scale, rate))
    y1 = float(T.hz_to_scale(hi, s.settings.scale, rate))
    s._on_drag_changed(t0, y0, t1, y1, True)


def test_selection_readout_stays_while_a_message_shows(demo_window, qtbot):
    w = demo_window
    _drag_band(w, 5.48, 9.67, 335.0, 2804.0)
    want = "Sel 0:05.480–0:09.670 (0:04.190) · 335–2804 Hz"
    assert w.selection_label.text() == want
    w.spectrogram.sigHover.emit(3.0, 440.0, -20.0)
    hover = w.hover_label.text()
    assert hover.startswith("0:03.000 · 440 Hz")
    w.notify("Opened a file with a rather long message about what happened to it")
    assert w.statusBar().currentMessage().startswith("Opened a file")
    assert w.selection_label.isVisible() and w.selection_label.text() == want
    assert w.hover_label.isVisible() and w.hover_label.text() == hover


def test_a_take_from_a_band_selection_is_named_with_the_band(demo_window, qtbot):
    w = demo_window
    _drag_band(w, 1.0, 2.0, 335.0, 2804.0)
    w.operations.select("edit.gain")
    before = len(w.model.document.takes)
    w.actions_.preview()
    qtbot.waitUntil(lambda: len(w.model.document.takes) > before, timeout=30000)
    take = list(w.model.document.takes)[-1]
    assert take.name.endswith(" · 335–2804 Hz")
    row = w.takes.list.item(w.takes.list.count() - 1).text()
    assert "335–2804 Hz" in row and "[1.00–2.00 s]" in row


def test_a_cursor_reads_as_a_cursor(demo_window):
    from studio.core.selection import Selection
    w = demo_window
    w.model.set_selection(Selection.cursor(int(2.5 * w.model.rate)))
    assert w.selection_label.text() == "Cursor 0:02.500"
