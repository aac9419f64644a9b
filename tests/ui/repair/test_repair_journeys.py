"""The repair journeys as a user walks them in the real window (real files through
soundfile, the real engine thread), asserted on what the window shows:

- learn the noise from a noise-only selection, see its spectrum, denoise ANOTHER selection
  with it (no file prompt), the take named after the profile; the profile is kept with the
  session;
- find the dropout, select it, fill it: the gap has the signal back and nothing outside the
  selection moved.
"""
import numpy as np
import pytest
import soundfile as sf
from PySide6.QtWidgets import QFileDialog

from studio.core.selection import Selection

RATE = 16000
NOISE_DBFS = -40.0


def _harmonic(n, rate=RATE, f0=220.0):
    t = np.arange(n) / rate
    return sum(0.3 / k * np.sin(2 * np.pi * k * f0 * t + k) for k in (1, 2, 3)).astype(np.float32)


@pytest.fixture
def no_file_prompt(monkeypatch):
    """A file prompt during these journeys is the bug: fail if one opens."""
    def prompt(*a, **k):
        raise AssertionError(f"a file dialog opened: {a[1] if len(a) > 1 else k}")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(prompt))


def _open(window, qtbot, path):
    assert window.actions_.open_path(str(path), wait=True)
    qtbot.waitUntil(lambda: window.waveform.paint_count > 0, timeout=5000)


def test_learn_noise_then_denoise_another_selection(window, qtbot, tmp_path, no_file_prompt):
    w = window
    n = 4 * RATE
    clean = _harmonic(n)
    clean[:int(1.5 * RATE)] = 0.0  # the first 1.5 s: room tone only
    noise = (10 ** (NOISE_DBFS / 20) *
             np.random.default_rng(7).standard_normal(n)).astype(np.float32)
    path = tmp_path / "noisy.wav"
    sf.write(path, clean + noise, RATE, subtype="FLOAT")
    _open(w, qtbot, path)
    noisy = w.model.state.read()[0]

    # 1. select the noise-only stretch and learn it (Process › Learn noise profile)
    w.model.set_selection(Selection(int(0.2 * RATE), int(1.0 * RATE)))
    w.actions_.all["learn_noise"].trigger()
    panel = w.repair.noise_panel
    qtbot.waitUntil(lambda: "Learned from 0.2–1 s" in panel.text.text(), timeout=30000)
    assert "-40" in panel.text.text() or "-39" in panel.text.text()
    # the learned spectrum is drawn: flat white noise at its level (numpy: the per-bin level
    # of white noise is its variance)
    x, y = panel.curve.getData()
    assert len(x) > 100 and abs(float(np.median(y)) - NOISE_DBFS) < 1.5

    # 2. select other audio (music over the noise) and preview Noise reduction from the dock
    w.operations.select("restore.denoise")
    assert panel.isVisible()
    a, b = int(2.0 * RATE), int(3.5 * RATE)
    w.model.set_selection(Selection(a, b))
    w.operations.preview_btn.click()
    qtbot.waitUntil(lambda: len(w.model.document.takes) == 1, timeout=60000)
    take = list(w.model.document.takes)[0]
    shown = w.takes.list.item(0).text()
    assert "Noise reduction · profile 0.2–1 s" in shown and "2.00–3.50 s" in shown
    # the noise floor dropped, measured against the truth with numpy
    before = np.mean((noisy[a:b] - clean[a:b]) ** 2)
    after = np.mean((take.audio[0] - clean[a:b]) ** 2)
    drop_db = 10 * np.log10(before / after)
    print(f"noise under the music: {drop_db:.1f} dB lower than in the input")
    assert drop_db > 8, drop_db
    # and the music stayed: its power within 1 dB
    assert abs(10 * np.log10(np.mean(take.audio[0] ** 2) / np.mean(clean[a:b] ** 2))) < 1.0
    assert take.report["noise from"] == "noise-only stretch"

    # 3. the profile is kept with the session
    session = tmp_path / "noisy.adsession"
    assert w.actions_.save_session(str(session), wait=True)
    learned = w.repair.noise.provide()[0]
    w.repair.noise.forget()
    assert "No profile" in panel.text.text()
    _open(w, qtbot, session)
    assert "Learned from 0.2–1 s" in panel.text.text()
    np.testing.assert_array_equal(w.repair.noise.provide()[0], learned)


def test_find_select_and_fill_a_dropout(window, qtbot, tmp_path, no_file_prompt):
    w = window
    hiss = 0.003 * np.random.default_rng(5).standard_normal((2, 2 * RATE))  # unpredictable
    truth = (np.stack([_harmonic(2 * RATE), 0.5 * _harmonic(2 * RATE, f0=330.0)]) +
             hiss).astype(np.float32)
    damaged = truth.copy()
    s, e = RATE, RATE + int(0.06 * RATE)   # 60 ms of zeros at 1.0 s
    damaged[:, s:e] = 0.0
    path = tmp_path / "dropout.wav"
    sf.write(path, damaged.T, RATE, subtype="FLOAT")
    _open(w, qtbot, path)
    before = w.model.state.read()

    # Process › Find dropouts, then Select next dropout: exactly the damage is selected
    w.actions_.all["find_dropouts"].trigger()
    qtbot.waitUntil(lambda: bool(w.repair.dropouts.runs), timeout=30000)
    w.actions_.all["next_dropout"].trigger()
    sel = w.model.selection
    assert (sel.start, sel.end) == (s, e)
    # the Reports dock lists it too, and clicking it there selects the same frames
    marks = w.reports.panel.markers
    assert marks.count() == 1 and "dropout 60.0 ms (zeros)" in marks.item(0).text()
    w.model.set_selection(Selection(0, 10))
    marks.itemClicked.emit(marks.item(0))
    sel = w.model.selection
    assert (sel.start, sel.end) == (s, e)
    assert "+ 00:00.060" in w.selection_label.text() or "0.060" in w.selection_label.text()
    t0, t1 = w.waveform.visible_range()
    assert t0 <= s / RATE and t1 >= e / RATE and t1 - t0 < 1.0

    # Restore › Fill gap from the dock: no gap fields to type, Apply fills the selection
    w.operations.select("restore.inpaint")
    assert "gap_start" not in w.operations.form.editors
    w.operations.apply_btn.click()
    qtbot.waitUntil(lambda: w.model.document.can_undo, timeout=60000)
    after = w.model.state.read()
    np.testing.assert_array_equal(after[:, :s], before[:, :s])
    np.testing.assert_array_equal(after[:, e:], before[:, e:])
    for c in range(2):
        snr = 10 * np.log10(np.sum(truth[c, s:e] ** 2) /
                            np.sum((truth[c, s:e] - after[c, s:e]) ** 2))
        print(f"channel {c + 1}: SNR over the filled gap {snr:.1f} dB")
        assert snr > 15, (c, snr)
    assert w.actions_.all["undo"].text() == "&Undo Fill gap"


def test_a_profile_learned_at_another_rate_is_not_used(window, qtbot):
    from studio.core import commands
    from studio.core.document import Document
    w = window
    noise = 0.01 * np.random.default_rng(2).standard_normal((1, 2 * RATE))
    w.set_document(Document.from_array(noise.astype(np.float32), RATE))
    w.model.set_selection(Selection(0, RATE))
    w.actions_.all["learn_noise"].trigger()
    qtbot.waitUntil(lambda: w.repair.noise.profile() is not None, timeout=30000)
    op = w.operations.ops[w.operations.combo.findData("restore.denoise")]
    assert w.repair.title_for(op, {}) == "Noise reduction · profile 0–1 s"
    doc = w.model.document
    doc.execute(commands.change_rate(doc, RATE // 2))
    assert "learn it again" in w.repair.noise_panel.text.text()
    assert w.repair.title_for(op, {}) == "Noise reduction · estimated noise"
    doc.undo()
    assert w.repair.title_for(op, {}) == "Noise reduction · profile 0–1 s"
