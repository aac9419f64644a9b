import numpy as np
import pytest

from studio.core import commands
from studio.core.document import AudioState, Document
from studio.core.selection import Selection
from studio.core.takes import Take, TakeList


def test_selection_basics():
    s = Selection(10, 30, 200.0, 4000.0, {1})
    assert s.length == 20 and not s.is_empty and s.has_freq_range and s.channels == frozenset({1})
    assert Selection.cursor(5).is_empty and not Selection(0, 5).has_freq_range
    assert Selection.all(100) == Selection(0, 100)
    assert Selection(50, 500, channels={0, 3}).clamp(100, 2) == Selection(50, 100, channels={0})
    assert Selection(channels=None).channel_list(3) == (0, 1, 2)
    with pytest.raises(ValueError):
        Selection(5, 2)


def test_take_list_and_applying_a_take():
    doc = Document.from_array(np.zeros((2, 100), np.float32), 8000)
    heard = []
    doc.subscribe(lambda kind, d: heard.append(kind))
    take = Take(Take.new_id(), "Denoise 1", 10, 20, (1,), np.ones((1, 15)), 8000,
                op_id="restore.denoise", params={"amount": 0.5})
    doc.takes.add(take)
    assert heard == ["takes"] and doc.takes.get(take.id) is take and len(doc.takes) == 1
    with pytest.raises(ValueError):
        doc.takes.add(take)
    with pytest.raises(ValueError):  # audio rows must match channels
        Take("x", "bad", 0, 1, (0, 1), np.zeros((1, 3)), 8000)
    both = Take(Take.new_id(), "Denoise 2", 10, 20, (0, 1), np.ones((2, 15)), 8000)
    doc.execute(commands.apply_take(doc, both))
    assert doc.state.n_frames == 105 and doc.undo_name == "Apply Denoise 2"
    assert doc.selection == Selection(10, 25, channels={0, 1})
    doc.takes.remove(take.id)
    assert take.id not in doc.takes
    doc.takes.clear()
    assert list(doc.takes) == []


def test_state_validation():
    from studio.errors import BadAudioError
    with pytest.raises(BadAudioError):
        AudioState.from_array(np.zeros((1, 10)), 0)
    st = AudioState.from_array(np.zeros((2, 10)), 8000)
    assert st.channel_names == ("Left", "Right") and st.duration == pytest.approx(10 / 8000)
    assert st.read(2, 5, [1]).shape == (1, 3)
