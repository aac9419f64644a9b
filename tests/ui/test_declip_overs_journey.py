"""De-clip in the window: restored peaks over full scale show as overs in the waveform, and the
form's 'Fit peaks' make-up brings them back under full scale in one gain."""
import math

import numpy as np
import soundfile as sf

RATE = 8000


def _declip_from_the_dock(w, qtbot, fit):
    ops = w.operations
    ops.select("restore.declip")
    ed = ops.form.editors
    combo = ed["fit_peaks"]
    ed["window"].set_value("1024")
    ed["effort"].set_value("fast")
    ed["iterations"].set_value(300)
    combo.set_value(fit)
    ended = []
    w.jobs.job_ended.connect(lambda info, how: ended.append(how))
    ops.apply_btn.click()
    qtbot.waitUntil(lambda: bool(ended), timeout=60000)
    assert ended == ["finished"]
    qtbot.wait(30)
    w.waveform.refresh()


def test_declip_overs_shown_then_fitted(window, qtbot, tmp_path):
    w = window
    t = np.arange(int(RATE * 1.5)) / RATE
    clean = 0.8 * np.sin(2 * np.pi * 150 * t) + 0.8 * np.sin(2 * np.pi * 230 * t + 1)
    sf.write(str(tmp_path / "clipped.wav"), np.clip(clean, -1, 1), RATE, subtype="PCM_16")
    assert w.actions_.open_path(str(tmp_path / "clipped.wav"), wait=True)
    qtbot.waitUntil(lambda: w.waveform.paint_count > 0, timeout=5000)
    w.waveform.refresh()  # the shared window has painted before: draw this file now
    assert w.waveform.master.viewRange()[1] == [-1.05, 1.05]
    assert len(w.waveform.items[0].clipped_x) > 0  # the clipped input is marked

    _declip_from_the_dock(w, qtbot, "none")
    peak = float(np.abs(w.model.state.read()).max())
    assert peak > 1.1  # restored peaks over full scale ...
    lo, hi = w.waveform.master.viewRange()[1]
    assert abs(hi - 1.05 * peak) < 1e-4  # ... are in view, and named
    assert f"peak {20 * math.log10(peak):+.1f} dBFS" in w.waveform._labels[0].textItem.toPlainText()

    w.actions_.all["undo"].trigger()
    _declip_from_the_dock(w, qtbot, "scale to -0.1 dBFS")
    fitted = float(np.abs(w.model.state.read()).max())
    assert abs(fitted - 10 ** (-0.1 / 20)) < 1e-5
    assert w.waveform.master.viewRange()[1] == [-1.05, 1.05]
    assert "over" not in w.waveform._labels[0].textItem.toPlainText()
    assert len(w.waveform.items[0].clipped_x) == 0
