"""The diffusion repairs as a user walks them in the real window, with the bundled restorer
(real files through soundfile, the real engine thread), asserted on what the window shows:

- Spectral repair: drag a rectangle over a tone burst in the spectrogram (a selection with a
  band), Process › Operations › Restore › Spectral repair, Apply: the burst is gone, nothing
  away from the rectangle moved, the undo names it, the take says the band, the band's level in the region is
  that of its sides (the Reports dock's readout);
- Fill gap, 300 ms: select a long dropout, Fill gap: the restorer fills it (the Reports
  dock says so), at the level of its sides (the dock's readout and the audio agree), nothing
  outside the selection moved;
- Restore bandwidth: open a recording low-passed at 4 kHz, run it on the whole file: the
  status bar reads the cutoff it found, the band above it has energy again (closer to the
  full-band truth by the log-spectral distance) and the band below it is the recording's own.
"""
import numpy as np
import pytest
import soundfile as sf
from PySide6.QtWidgets import QMenu

from studio.core.selection import Selection

RATE = 22050


def _chord(n, rate, seed=3):
    """Partials of three notes with a slow decay, a little hiss: music-like."""
    rng = np.random.default_rng(seed)
    t = np.arange(n) / rate
    x = np.zeros(n)
    for f0 in (196.0, 246.9, 293.7):
        for k in range(1, 30):
            if k * f0 < rate / 2.2:
                x += 0.12 / k * np.sin(2 * np.pi * k * f0 * t + rng.uniform(0, 6))
    return (x * np.exp(-0.3 * t) + 0.002 * rng.standard_normal(n)).astype(np.float32)


def _menu_action(w, category: str, title: str):
    def path(menu):
        up = menu.parent()
        return (path(up) if isinstance(up, QMenu) else ()) + (menu.title().replace("&", ""),)
    found = [a for m in w.findChildren(QMenu) if path(m) == ("Process", "Operations", category)
             for a in m.actions() if a.text() == title]
    assert len(found) == 1, f"Process › Operations › {category} › {title}"
    return found[0]


def _open(w, qtbot, path):
    assert w.actions_.open_path(str(path), wait=True)
    qtbot.waitUntil(lambda: w.waveform.paint_count > 0, timeout=5000)
    qtbot.waitUntil(w.jobs.host.is_ready, timeout=60000)


def _table_values(w) -> dict[str, str]:
    """The Reports dock's value table as the user reads it: label -> text."""
    t = w.reports.panel.table
    return {t.item(r, 0).text(): t.item(r, 1).text() for r in range(t.rowCount())}


def _number(text: str) -> float:
    return float(text.replace("\u2212", "-").split()[0])


def _level_db(x, rate, f, a, b):
    """Power (dB) of x[a:b] at frequency f (Hann-windowed DFT bin)."""
    seg = x[a:b] * np.hanning(b - a)
    spec = np.abs(np.fft.rfft(seg)) ** 2
    k = int(round(f * (b - a) / rate))
    return 10 * np.log10(spec[k - 2:k + 3].sum() + 1e-20)


def test_spectral_repair_removes_a_tone_burst_in_the_selected_rectangle(window, qtbot, tmp_path):
    w = window
    n = 3 * RATE
    clean = _chord(n, RATE)
    s, e = int(1.25 * RATE), int(1.75 * RATE)
    burst = np.zeros(n, np.float32)
    t = np.arange(e - s) / RATE
    ramp = np.minimum(1, np.minimum(t, t[::-1]) / 0.01)
    burst[s:e] = 0.2 * ramp * np.sin(2 * np.pi * 3000.0 * t)
    path = tmp_path / "burst.wav"
    sf.write(path, clean + burst, RATE, subtype="FLOAT")
    _open(w, qtbot, path)
    before = w.model.state.read()[0]

    # the rectangle dragged in the spectrogram: the burst's time and a band around it
    w.model.set_selection(Selection(s, e, 2500.0, 3500.0))
    _menu_action(w, "Restore", "Spectral repair").trigger()
    assert w.operations.operation.id == "restore.spectral_repair"
    assert "t_start" not in w.operations.form.editors  # the rectangle is the selection
    w.operations.apply_btn.click()
    qtbot.waitUntil(lambda: w.model.document.can_undo, timeout=120000)
    after = w.model.state.read()[0]
    assert w.actions_.all["undo"].text() == "&Undo Spectral repair"

    removed = _level_db(before, RATE, 3000.0, s, e) - _level_db(after, RATE, 3000.0, s, e)
    print(f"burst {removed:.1f} dB down")
    assert removed > 20, removed
    # the chord below the band is the recording's own: its partials' level within 1 dB;
    # so are its partials inside the rectangle (only what stood out there was redrawn)
    for f in (196.0, 587.4, 1175.0, 293.7 * 9, 246.9 * 14):
        assert abs(_level_db(after, RATE, f, s, e) - _level_db(before, RATE, f, s, e)) < 1.0
    far = RATE // 20
    np.testing.assert_allclose(after[:s - far], before[:s - far], atol=1e-5)
    np.testing.assert_allclose(after[e + far:], before[e + far:], atol=1e-5)
    assert "Spectral repair" in w.statusBar().currentMessage()
    # the band is at its sides' level again: the readout, and the audio measured here
    shown = _table_values(w)
    label = next(k for k in shown if "after" in k.lower())
    assert abs(_number(shown[label])) < 3.0, shown
    before_label = next(k for k in shown if "before" in k.lower())
    assert _number(shown[before_label]) > 6.0, shown     # the burst made it stand out


def test_fill_a_300_ms_dropout_with_the_restorer(window, qtbot, tmp_path):
    w = window
    n = 3 * RATE
    truth = _chord(n, RATE, seed=7)
    s, e = int(1.3 * RATE), int(1.6 * RATE)
    damaged = truth.copy()
    damaged[s:e] = 0.0
    path = tmp_path / "dropout.wav"
    sf.write(path, damaged, RATE, subtype="FLOAT")
    _open(w, qtbot, path)
    before = w.model.state.read()[0]

    w.model.set_selection(Selection(s, e))
    _menu_action(w, "Restore", "Fill gap").trigger()
    assert w.operations.operation.id == "restore.inpaint"
    w.operations.apply_btn.click()
    qtbot.waitUntil(lambda: w.model.document.can_undo, timeout=180000)
    after = w.model.state.read()[0]
    np.testing.assert_array_equal(after[:s], before[:s])
    np.testing.assert_array_equal(after[e:], before[e:])
    assert w.actions_.all["undo"].text() == "&Undo Fill gap"

    shown = _table_values(w)
    assert any("diffusion" in v for v in shown.values()), shown
    label = next(k for k in shown if "sides" in k.lower())
    # no hole: the readout, and the gap's energy against the truth's measured here
    assert abs(_number(shown[label])) < 3.0, shown
    energy = 10 * np.log10(np.sum(after[s:e] ** 2) / np.sum(truth[s:e] ** 2))
    print(f"readout {shown[label]}; gap energy vs truth {energy:.1f} dB")
    assert abs(energy) < 3.0, energy


def test_restore_bandwidth_finds_the_cutoff_and_fills_the_band_above(window, qtbot, tmp_path):
    w = window
    rate = 44100
    n = 2 * rate
    full = _chord(n, rate)
    f = np.fft.rfftfreq(n, 1 / rate)
    spec = np.fft.rfft(full)
    spec[f >= 4000.0] = 0
    low = np.fft.irfft(spec, n).astype(np.float32)
    path = tmp_path / "telephone.wav"
    sf.write(path, low, rate, subtype="FLOAT")
    _open(w, qtbot, path)
    before = w.model.state.read()[0]

    w.model.set_selection(Selection(0, n))
    _menu_action(w, "Restore", "Restore bandwidth").trigger()
    assert w.operations.operation.id == "restore.bandwidth"
    w.operations.apply_btn.click()
    qtbot.waitUntil(lambda: w.model.document.can_undo, timeout=120000)
    after = w.model.state.read()[0]

    status = w.statusBar().currentMessage()
    assert "Restore bandwidth" in status and "cutoff" in status.lower(), status
    A, B = np.fft.rfft(before.astype(np.float64)), np.fft.rfft(after.astype(np.float64))
    ff = np.fft.rfftfreq(len(before), 1 / rate)
    cut = float(status.lower().split("cutoff")[1].split("hz")[0].strip(" :").replace(" ", ""))
    assert 3700 <= cut <= 4300, status
    below = ff < cut
    np.testing.assert_allclose(B[below], A[below], atol=1e-3 * np.abs(A).max())
    band = (ff > 5000) & (ff < 8000)
    gain = 10 * np.log10(np.sum(np.abs(B[band]) ** 2) / (np.sum(np.abs(A[band]) ** 2) + 1e-20))
    # closer to the full-band truth than the low-passed input, as the bench measures it
    from studio.dsp.metrics import lsd_frames
    lsd_in = lsd_frames(full, before, 2048, 512, 0, n)
    lsd_out = lsd_frames(full, after, 2048, 512, 0, n)
    print(f"5-8 kHz: +{gain:.0f} dB over the input; LSD {lsd_in:.2f} -> {lsd_out:.2f}")
    assert gain > 30 and lsd_out < 0.8 * lsd_in, (gain, lsd_in, lsd_out)
