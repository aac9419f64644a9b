"""The musician's journey, end to end in the window: Generate menu → the form (the bundled
model's classes offered, a seed drawn with the dice) → Generate three times on the real
engine thread with the bundled model (few steps, short clips) → three clips in the one
Clips bin, one window, the form as the user left it → one clip inserted into an open
document at the cursor → Undo takes it out again."""
import json
import re

import numpy as np
import soundfile as sf
from PySide6.QtWidgets import QApplication
from scipy.signal import butter, resample_poly, sosfiltfilt

from studio.paths import resource
from studio.ui.main_window import MainWindow

MODEL_RATE = 16000
DOC_RATE = 44100


def _menu_action(w, menu_text, action_prefix):
    tops = w.menuBar().actions()
    menu = next(a for a in tops if a.text() == menu_text).menu()
    return tops, next(a for a in menu.actions() if a.text().startswith(action_prefix))


def test_generate_three_clips_into_the_bin_then_insert_one_and_undo(window, qtbot, tmp_path):
    w = window
    _keep, action = _menu_action(w, "&Generate", "Generate clip")
    action.trigger()
    ops = w.operations
    assert ops.operation.id == "generate.sample"
    assert ops.generate_btn.isVisible()
    assert not any(b.isVisible() for b in (ops.preview_btn, ops.apply_btn, ops.render_btn,
                                           ops.compare_btn))
    form = ops.form
    form.set_values({"model": ""})  # the bundled model (an earlier test may have chosen one)
    # the class is chosen from what the bundled model was trained on (its JSON config)
    classes = json.loads(resource("models", "oneshots.json").read_text())["audio"]["classes"]
    assert form.editors["class"].items() == ["(none)"] + classes
    form.editors["class"].combo.setCurrentText("kick")
    form.set_values({"steps": 2, "sampler": "dpmpp_2m", "duration": 0.2, "count": 1})
    before = len(w.clip_bin.entries())
    seeds = []
    for _ in range(3):
        form.editors["seed"].dice.click()  # a new seed, shown in the box
        seeds.append(form.values()["seed"])
        kept = form.values()
        ops.generate_btn.click()
        n = len(seeds)
        qtbot.waitUntil(lambda: len(w.clip_bin.entries()) == before + n, timeout=120000)
        assert ops.form is form and form.values() == kept  # the form kept its values
    assert len(set(seeds)) == 3 and all(0 <= s for s in seeds)
    clips = w.clip_bin.entries()[before:]
    # named by class, seed and (the bundled model is pitched) the note drawn, if any
    for c, s in zip(clips, seeds):
        assert re.fullmatch(rf"sample kick seed {s}( [A-G]#?\d)?", c.name), c.name
    for c in clips:
        assert c.rate == MODEL_RATE and c.audio.shape == (1, int(0.2 * MODEL_RATE))
        assert np.isfinite(c.audio).all() and np.abs(c.audio).max() > 1e-3
    assert not np.allclose(clips[0].audio, clips[1].audio)
    # one window, nothing opened: the three clips are listed in the bin, the newest selected
    windows = [x for x in QApplication.topLevelWidgets()
               if isinstance(x, MainWindow) and x.isVisible()]
    assert windows == [w] and w.model.document is None
    items = [w.clip_bin.list.item(before + i).text() for i in range(3)]
    assert all(t.endswith(f". {c.name} · 0.20 s · 16 kHz") for c, t in zip(clips, items))

    # open a real file and insert the second clip at 0.5 s
    t = np.arange(DOC_RATE) / DOC_RATE
    tone = (0.3 * np.sin(2 * np.pi * 330 * t)).astype(np.float32)
    path = tmp_path / "piece.wav"
    sf.write(path, np.stack([tone, 0.5 * tone], axis=1), DOC_RATE, subtype="FLOAT")
    assert w.actions_.open_path(str(path), wait=True)
    doc = w.model.document
    original = doc.state.read()
    from studio.core.selection import Selection
    at = DOC_RATE // 2
    w.model.set_selection(Selection.cursor(at))
    w.clip_bin.list.clearSelection()
    w.clip_bin.list.item(before + 1).setSelected(True)
    w.clip_bin.insert_btn.click()
    inserted = DOC_RATE * clips[1].audio.shape[1] // MODEL_RATE
    assert doc.state.n_frames == DOC_RATE + inserted
    now = doc.state.read()
    np.testing.assert_array_equal(now[:, :at], original[:, :at])
    np.testing.assert_array_equal(now[:, at + inserted:], original[:, at:])
    # the mono clip on both channels at the document's rate, as scipy resamples it (below
    # 6 kHz: the two resamplers' anti-alias filters differ only near the clip's 8 kHz edge)
    band = butter(8, 6000, fs=DOC_RATE, output="sos")
    reference = sosfiltfilt(band, resample_poly(clips[1].audio[0].astype(np.float64), 441,
                                                160)[:inserted])
    for ch in range(2):
        got = sosfiltfilt(band, now[ch, at:at + inserted].astype(np.float64))
        assert np.corrcoef(got, reference)[0, 1] > 0.999
    sel = w.model.selection
    assert (sel.start, sel.end) == (at, at + inserted)
    _keep, undo = _menu_action(w, "&Edit", "&Undo")
    assert undo.text() == f"&Undo Insert {clips[1].name}"
    undo.trigger()
    assert doc.state.n_frames == DOC_RATE
    np.testing.assert_array_equal(doc.state.read(), original)
