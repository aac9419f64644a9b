"""Journey: open a real file, run an analysis from the menu and the Operations dock, and read
its result in the window: the loudness readout against an analytic BS.1770 value, the spectrum
plot's peak, the pitch track over the spectrogram, markers on the views (and a click on one
selects it), and the status-bar summary of a finished job."""
import math

import numpy as np
import pytest
import soundfile as sf

RATE = 48000
TONE_HZ = 997.0
RMS_DBFS = -20.0          # per channel
SECONDS = 10.0
GAP = (4.0, 4.06)         # seconds of digital silence in the marker file

# ITU-R BS.1770-4 Table 1 and 2: the K-weighting pre-filter and RLB high-pass at 48 kHz
_PRE = ([1.53512485958697, -2.69169618940638, 1.19839281085285],
        [1.0, -1.69065929318241, 0.73248077421585])
_RLB = ([1.0, -2.0, 1.0], [1.0, -1.99004745483398, 0.99007225036621])


def _gain_db(b, a, hz, rate):
    z = np.exp(-1j * 2 * np.pi * hz / rate * np.arange(3))
    return 20 * np.log10(abs(np.dot(b, z) / np.dot(a, z)))


def expected_lufs(rms_dbfs: float, channels: int) -> float:
    """A steady sine: every 400 ms block has the same power, so both gates pass everything and
    L = -0.691 + 10 log10(sum over channels of the K-weighted mean square)."""
    k_db = _gain_db(*_PRE, TONE_HZ, RATE) + _gain_db(*_RLB, TONE_HZ, RATE)
    return -0.691 + rms_dbfs + 10 * math.log10(channels) + k_db


def _number(text: str) -> float:
    return float(text.replace("−", "-").split()[0])


@pytest.fixture
def tone_file(tmp_path):
    t = np.arange(int(SECONDS * RATE)) / RATE
    x = 10 ** (RMS_DBFS / 20) * math.sqrt(2) * np.sin(2 * np.pi * TONE_HZ * t)
    path = tmp_path / "tone.wav"
    sf.write(path, np.stack([x, x], 1).astype(np.float32), RATE, subtype="FLOAT")
    return str(path)


def _run_from_menu(w, qtbot, op_id: str, title: str):
    """Process › Operations › Analyze › <title>, then the dock's Analyze button."""
    from PySide6.QtWidgets import QMenu

    def path(menu):  # the titles from the menu bar down to this menu
        up = menu.parent()
        return (path(up) if isinstance(up, QMenu) else ()) + (menu.title().replace("&", ""),)
    found = [a for m in w.findChildren(QMenu) if path(m) == ("Process", "Operations", "Analyze")
             for a in m.actions() if a.text() == title]
    assert len(found) == 1, f"Process › Operations › Analyze › {title}"
    found[0].trigger()
    assert w.operations.operation.id == op_id
    btn = w.operations.analyze_btn
    assert btn.isVisible() and not w.operations.apply_btn.isVisible()
    # the newest report, not the count: the dock keeps the last KEEP_REPORTS, so once a
    # long test run has filled it the count stays put while reports still arrive
    shown = w.reports.panel.shown
    last = shown[-1] if shown else None
    btn.click()
    qtbot.waitUntil(lambda: bool(shown) and shown[-1] is not last, timeout=90000)
    assert not w.reports.dock.visibleRegion().isEmpty(), "the Reports dock raised itself"
    return w.reports.panel


def test_loudness_spectrum_and_pitch_are_shown(window, qtbot, tone_file):
    w = window
    assert w.actions_.open_path(tone_file, wait=True)
    qtbot.waitUntil(w.jobs.host.is_ready, timeout=60000)

    panel = _run_from_menu(w, qtbot, "analyze.loudness", "Loudness")
    want = expected_lufs(RMS_DBFS, 2)
    assert abs(want - (RMS_DBFS + 10 * math.log10(2))) < 0.01  # K(997 Hz) cancels -0.691
    shown = panel.headline_labels["integrated_lufs"].text()
    assert shown.endswith(" LUFS")
    # EBU Tech 3341 allows +-0.1 LU; the readout rounds to 0.1
    assert abs(_number(shown) - want) <= 0.15, (shown, want)
    assert _number(panel.headline_labels["true_peak_dbtp"].text()) == pytest.approx(
        RMS_DBFS + 10 * math.log10(2), abs=0.15)  # a sine's peak is 3.01 dB over its RMS
    assert panel.headline_labels["loudness_range_lu"].text() == "0.0 LU"
    rows = {panel.table.item(r, 0).text(): panel.table.item(r, 1).text()
            for r in range(panel.table.rowCount())}
    assert rows["Integrated"] == shown
    assert all(len(t.split()[0].split(".")[-1]) <= 2 for t in rows.values()), rows  # rounded
    assert w.statusBar().currentMessage().startswith(f"Loudness: integrated {shown}")

    panel = _run_from_menu(w, qtbot, "analyze.spectrum", "Spectrum")
    assert panel.plot.isVisible()
    curves = panel.plotted()
    assert len(curves) == 2  # one per channel
    x, y = curves[0].xData, curves[0].yData
    assert panel.plot.getAxis("bottom").logMode  # a log frequency axis
    assert "Hz" in panel.plot.getAxis("bottom").labelText
    resolution = RATE / 4096
    assert abs(x[np.argmax(y)] - TONE_HZ) <= resolution
    peak = _number(panel.headline_labels["peak_frequency_hz"].text())
    assert abs(peak - TONE_HZ) <= resolution
    # hovering the plot reads the point in rounded numbers with units
    from PySide6.QtCore import QPointF
    vb = panel.plot.plotItem.vb
    # let the dock's layout settle first: after other journeys in the shared window the
    # plot may still be resizing from the readout it showed, and the point fell outside
    qtbot.wait(200)
    panel._on_plot_hover_changed(vb.mapViewToScene(QPointF(math.log10(1000.0), -50.0)))
    assert panel.hover.textItem.toPlainText() == "1.00 kHz · -50.0 dB/Hz"
    from studio.ui import theme  # after a switch to light, the hover reads on white too
    try:
        w.actions_.set_theme("light")
        panel._on_plot_hover_changed(vb.mapViewToScene(QPointF(math.log10(1000.0), -50.0)))
        assert panel.hover.textItem.defaultTextColor().name() == theme.LIGHT.text
        assert panel.plot.backgroundBrush().color().name() == theme.LIGHT.background
    finally:
        w.actions_.set_theme("dark")

    panel = _run_from_menu(w, qtbot, "analyze.pitch", "Pitch track")
    assert not panel.plot.isVisible()  # the track is drawn over the spectrogram instead
    lines = w.reports.marks.items_on(w.spectrogram.vb)
    assert len(lines) == 2
    from studio.dsp import tiles as T
    xs, ys = lines[0].xData, lines[0].yData
    hz = T.scale_to_hz(ys[np.isfinite(ys)], w.spectrogram.settings.scale, RATE)
    assert np.median(np.abs(hz - TONE_HZ)) < 0.01 * TONE_HZ
    assert xs[0] < 0.5 and xs[-1] > SECONDS - 0.5  # across the file, in document seconds
    # a new frequency scale moves the line with the axis
    w.spectrogram.set_settings(scale="linear")
    qtbot.waitUntil(lambda: w.reports.marks.items_on(w.spectrogram.vb) and
                    w.reports.marks.items_on(w.spectrogram.vb)[0] is not lines[0])
    moved = w.reports.marks.items_on(w.spectrogram.vb)[0].yData
    assert np.nanmedian(moved) == pytest.approx(TONE_HZ / (RATE / 2), rel=0.01)
    w.spectrogram.set_settings(scale="log")


def test_markers_on_views_and_selectable(window, qtbot, tmp_path):
    w = window
    t = np.arange(int(6 * RATE)) / RATE
    x = 0.3 * np.sin(2 * np.pi * 440 * t)
    x[int(GAP[0] * RATE):int(GAP[1] * RATE)] = 0.0
    path = tmp_path / "gap.wav"
    sf.write(path, x.astype(np.float32), RATE, subtype="FLOAT")
    assert w.actions_.open_path(str(path), wait=True)
    qtbot.waitUntil(w.jobs.host.is_ready, timeout=60000)
    panel = _run_from_menu(w, qtbot, "analyze.dropouts", "Find dropouts")
    assert panel.markers.count() == 1
    lane = w.waveform.plots[0].getViewBox()
    regions = w.reports.marks.items_on(lane)
    assert len(regions) == 1 and len(w.reports.marks.items_on(w.spectrogram.vb)) == 1
    a, b = regions[0].getRegion()
    assert a == pytest.approx(GAP[0], abs=1e-3) and b == pytest.approx(GAP[1], abs=1e-3)
    assert "ms" in regions[0].toolTip() and "60.0 ms" in panel.markers.item(0).text()
    from studio.core.selection import Selection
    w.model.set_selection(Selection(0, 0))
    panel.markers.itemClicked.emit(panel.markers.item(0))  # what a click on it does
    sel = w.model.selection
    assert (sel.start, sel.end) == (int(GAP[0] * RATE), int(GAP[1] * RATE))
    t0, t1 = w.waveform.visible_range()
    assert t0 <= GAP[0] and t1 >= GAP[1] and t1 - t0 < 1.0
    panel.clear_button.click()
    assert not w.reports.marks.items_on(lane)
    assert not w.reports.marks.items_on(w.spectrogram.vb)
