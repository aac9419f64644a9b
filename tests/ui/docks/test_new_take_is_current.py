"""Issue 18: after a second preview, take 1 stayed highlighted, so A/B played an old take.
The newest take becomes the current one (B); a refresh that adds none keeps the user's."""
import numpy as np

from studio.core.document import Document
from studio.core.selection import Selection
from studio.engine import registry

RATE = 8000


def test_each_new_take_becomes_the_one_a_b_plays(window, qtbot):
    w = window
    x = (0.5 * np.sin(2 * np.pi * 220 * np.arange(RATE) / RATE)).astype(np.float32)
    w.set_document(Document.from_array(np.stack([x, x]), RATE))
    w.model.set_selection(Selection(0, RATE // 2))
    gain = registry.get("edit.gain")
    name = gain.schema.params[0].name
    chosen = []
    w.takes.take_chosen.connect(chosen.append)
    for k, db in enumerate((-6.0, -12.0, -20.0)):
        w.actions_.preview(gain, {name: db})
        qtbot.waitUntil(lambda k=k: w.takes.list.count() == k + 1, timeout=30000)
        cur = w.takes.list.currentItem()
        assert cur is not None and cur.text().startswith(f"{k + 1}. "), cur.text()
        assert cur.isSelected()
        take = w.takes.current_take()
        # B is the take just made: its audio is the selection at this gain
        np.testing.assert_allclose(take.audio[0], x[:RATE // 2] * 10 ** (db / 20), atol=1e-5)
        assert chosen[-1] is take
    # the user picks take 1; a change that adds no take (an edit elsewhere) keeps it
    w.takes.list.setCurrentRow(0)
    w.takes.refresh()
    assert w.takes.list.currentRow() == 0
    w.takes.ab.setChecked(False)
