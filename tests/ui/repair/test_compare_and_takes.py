"""Compare opens with distinct, useful sets and names each take by what differs; takes in the
dock follow edits (moved, or marked as made from audio edited since, and not applied)."""
import numpy as np
import soundfile as sf
from PySide6.QtWidgets import QDialog

from studio.core.selection import Selection
from studio.engine import registry

RATE = 16000


def _open_tone(window, qtbot, tmp_path, seconds=3.0):
    """Opens white noise with a 440 Hz tone from 1 s on; returns the tone alone."""
    t = np.arange(int(seconds * RATE)) / RATE
    tone = 0.4 * np.sin(2 * np.pi * 440 * t) * (t >= 1.0)
    x = tone + 0.01 * np.random.default_rng(0).standard_normal(len(t))
    path = tmp_path / "tone.wav"
    sf.write(path, x.astype(np.float32), RATE, subtype="FLOAT")
    assert window.actions_.open_path(str(path), wait=True)
    return tone.astype(np.float32)


def test_compare_seeds_variants_and_labels_takes_by_what_differs(window, qtbot, tmp_path,
                                                                 monkeypatch):
    from studio.ui.dialogs.compare import CompareDialog
    w = window
    tone = _open_tone(w, qtbot, tmp_path)
    op = registry.get("restore.denoise")
    w.operations.select(op.id)
    dlg = CompareDialog(op, w.operations.values(), parent=w)
    shown = [f.editors["reduction"].value() for f in dlg.forms]
    assert shown == [15.0, 30.0, 60.0]  # 0.5x, 1x, 2x the default, inside 0..60 dB
    dlg.deleteLater()

    monkeypatch.setattr(QDialog, "exec", lambda self: QDialog.Accepted)
    w.model.set_selection(Selection(int(0.1 * RATE), int(0.9 * RATE)))  # noise alone
    w.actions_.all["learn_noise"].trigger()
    qtbot.waitUntil(lambda: w.repair.noise.profile() is not None, timeout=30000)
    a, b = int(1.5 * RATE), int(2.5 * RATE)
    w.model.set_selection(Selection(a, b))
    w.operations.compare_btn.click()
    qtbot.waitUntil(lambda: len(w.model.document.takes) == 3, timeout=60000)
    texts = sorted(w.takes.list.item(i).text() for i in range(3))
    for text, db in zip(texts, ("15", "30", "60")):
        assert f"Noise reduction · profile 0.1–0.9 s · reduction {db} dB" in text, text
    # more reduction, less noise left (against the tone alone): the takes really ran with
    # the values they are named by
    left = {t.name.rsplit(" ", 2)[-2]: float(np.mean((t.audio[0] - tone[a:b]) ** 2))
            for t in w.model.document.takes}
    assert left["15"] > 1.5 * left["30"] and left["30"] >= left["60"], left


def test_takes_follow_edits_made_after_them(window, qtbot, tmp_path):
    w = window
    _open_tone(w, qtbot, tmp_path)
    gain = registry.get("edit.gain")
    w.model.set_selection(Selection(RATE, int(1.5 * RATE)))
    w.actions_.preview(gain, {gain.schema.params[0].name: -6.0})
    qtbot.waitUntil(lambda: w.takes.list.count() == 1, timeout=30000)
    assert "[1.00–1.50 s]" in w.takes.list.item(0).text()

    # delete 0.1 s before it: the take moves with its audio
    w.model.set_selection(Selection(int(0.2 * RATE), int(0.3 * RATE)))
    w.actions_.all["delete"].trigger()
    assert "[0.90–1.40 s]" in w.takes.list.item(0).text()
    take = list(w.model.document.takes)[0]
    np.testing.assert_array_equal(
        w.model.state.read(take.start, take.end) * np.float32(10 ** (-6 / 20)), take.audio)

    # silence part of its audio: the take says so, and is not applied over the edit
    w.model.set_selection(Selection(int(1.0 * RATE), int(1.1 * RATE)))
    w.actions_.all["silence"].trigger()
    assert w.takes.list.item(0).text().endswith("· audio edited since")
    state = w.model.state
    w.takes.list.setCurrentRow(0)
    w.takes.apply_btn.click()
    assert w.model.state is state and "edited since" in w.statusBar().currentMessage()

    # undo the silence: the take is fresh again, and applies
    w.actions_.all["undo"].trigger()
    assert w.takes.list.item(0).text().endswith("[0.90–1.40 s]")
    w.takes.apply_btn.click()
    assert w.takes.list.item(0).text().endswith("· applied")
