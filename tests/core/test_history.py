"""Undo names, compound steps, bundling of repeated changes, and the memory bound."""
import numpy as np
import pytest

from studio.core import commands
from studio.core.document import AudioState, Document
from studio.core.history import History
from studio.core.selection import Selection


class Clock:
    def __init__(self):
        self.t = 100.0

    def __call__(self):
        return self.t


def _doc(n=1000, c=2, **history_kw):
    x = np.random.default_rng(0).uniform(-0.5, 0.5, (c, n)).astype(np.float32)
    return Document.from_array(x, 8000, history=History(**history_kw)), x


def test_named_undo_and_redo():
    doc, x = _doc()
    doc.execute(commands.fade_in(doc, sel=Selection(0, 100)))
    doc.execute(commands.reverse(doc, Selection(10, 50)))
    assert doc.undo_name == "Reverse" and doc.history.names() == ["Fade In", "Reverse"]
    doc.undo()
    assert doc.undo_name == "Fade In" and doc.redo_name == "Reverse"
    doc.undo()
    assert not doc.can_undo and np.array_equal(doc.state.read(), x)
    doc.redo()
    assert doc.undo_name == "Fade In" and doc.history.index == 1


def test_selection_is_restored_by_undo():
    doc, _ = _doc()
    doc.set_selection(Selection(100, 300))
    cmd, _clip = commands.cut(doc)
    doc.execute(cmd)
    assert doc.selection == Selection(100, 100) and doc.state.n_frames == 800
    doc.undo()
    assert doc.selection == Selection(100, 300) and doc.state.n_frames == 1000


def test_compound_is_one_step_with_its_name():
    doc, x = _doc()
    doc.history.begin_group("Repair Click")
    doc.execute(commands.silence(doc, Selection(10, 20)))
    doc.history.begin_group("inner")  # nested groups fold into the outer one
    doc.execute(commands.gain(doc, -3, Selection(0, 100)))
    doc.history.end_group()
    doc.execute(commands.fade_out(doc, sel=Selection(20, 40)))
    doc.history.end_group()
    assert doc.history.names() == ["Repair Click"]
    doc.undo()
    assert np.array_equal(doc.state.read(), x) and not doc.can_undo
    doc.redo()
    assert doc.state.read()[:, 10:20].max() == 0 and doc.undo_name == "Repair Click"


def test_repeated_gain_within_a_second_is_one_step():
    clock = Clock()
    doc, x = _doc(clock=clock)
    sel = Selection(0, 1000)
    for _ in range(10):  # a slider drag: small steps 0.1 s apart
        doc.execute(commands.gain(doc, 0.5, sel))
        clock.t += 0.1
    assert doc.history.names() == ["Gain"]
    np.testing.assert_allclose(doc.state.read(), x * 10 ** (5 / 20), rtol=1e-5)
    clock.t += 2.0  # a pause: the next change is a new step
    doc.execute(commands.gain(doc, 0.5, sel))
    assert doc.history.names() == ["Gain", "Gain"]
    doc.undo()
    doc.undo()
    assert np.array_equal(doc.state.read(), x)


def test_bundling_needs_the_same_key():
    clock = Clock()
    doc, _ = _doc(clock=clock)
    doc.execute(commands.gain(doc, 1, Selection(0, 10)))
    doc.execute(commands.gain(doc, 1, Selection(0, 20)))  # another selection: another key
    doc.execute(commands.gain(doc, 1, Selection(0, 20), bundle=False))
    doc.execute(commands.fade_in(doc, sel=Selection(0, 20)))
    assert doc.history.names() == ["Gain", "Gain", "Gain", "Fade In"]


def test_undo_then_change_does_not_merge_into_the_undone_step():
    clock = Clock()
    doc, x = _doc(clock=clock)
    doc.execute(commands.gain(doc, 1, Selection(0, 10)))
    doc.undo()
    doc.execute(commands.gain(doc, 1, Selection(0, 10)))
    assert doc.history.names() == ["Gain"] and not doc.can_redo
    doc.undo()
    assert np.array_equal(doc.state.read(), x)


def _bytes_of(states, current):
    held = {}
    for st in states:
        held.update(st.blocks())
    for k in current.blocks():
        held.pop(k, None)
    return sum(b.nbytes for b in held.values())


def test_memory_counts_blocks_held_only_by_undo_states():
    doc, _ = _doc(n=4 << 18, c=1)
    assert doc.history.memory_bytes() == 0
    doc.execute(commands.gain(doc, 2, Selection(0, 1 << 18), bundle=False))
    first = doc.history.memory_bytes()
    # only the one replaced block is held for undo
    assert (1 << 20) < first < (1 << 20) * 1.1
    doc.execute(commands.delete(doc, Selection(0, 10)))
    states = [s for c in doc.history._undo for s in c.states()]
    assert doc.history.memory_bytes() == _bytes_of(states, doc.state)
    doc.undo()
    states += [doc.state]
    assert doc.history.memory_bytes() == _bytes_of(
        [s for c in doc.history._undo + doc.history._redo for s in c.states()], doc.state)


def test_memory_bound_drops_the_oldest_steps():
    block_bytes = 1 << 20
    doc, x = _doc(n=8 << 18, c=1, max_bytes=int(3.5 * block_bytes))
    for i in range(6):  # each step replaces one distinct block: ~1 MiB held per step
        doc.execute(commands.gain(doc, 1, Selection(i << 18, (i + 1) << 18), bundle=False))
        assert doc.history.memory_bytes() <= doc.history.max_bytes
    assert doc.history.index == 3  # three 1 MiB steps fit in 3.5 MiB
    while doc.can_undo:
        doc.undo()
    got = doc.state.read()[0]
    assert np.array_equal(got[3 << 18:], x[0, 3 << 18:])       # undone steps are exact
    assert not np.array_equal(got[:3 << 18], x[0, :3 << 18])  # the dropped ones stay applied


def test_max_steps():
    doc, _ = _doc(max_steps=3)
    for i in range(5):
        doc.execute(commands.silence(doc, Selection(i, i + 1)))
    assert doc.history.index == 3


def test_is_modified_follows_the_save_point():
    doc, _ = _doc()
    assert not doc.is_modified
    doc.execute(commands.reverse(doc, Selection(0, 10)))
    assert doc.is_modified
    doc.mark_saved()
    assert not doc.is_modified
    doc.undo()
    assert doc.is_modified
    doc.redo()
    assert not doc.is_modified


def test_listeners_hear_changes_and_can_unsubscribe():
    doc, _ = _doc()
    heard = []
    unsubscribe = doc.subscribe(lambda kind, detail: heard.append(kind))
    doc.execute(commands.silence(doc, Selection(0, 10)))
    assert "state" in heard and "history" in heard
    heard.clear()
    doc.set_selection(Selection(1, 2))
    assert heard == ["selection"]
    unsubscribe()
    doc.undo()
    assert heard == ["selection"]


def test_stale_command_is_refused():
    from studio.errors import StudioError
    doc, _ = _doc()
    cmd = commands.silence(doc, Selection(0, 10))
    doc.execute(commands.reverse(doc, Selection(0, 10)))
    with pytest.raises(StudioError):
        doc.execute(cmd)


def test_undo_inside_an_open_group_is_refused():
    from studio.errors import StudioError
    doc, _ = _doc()
    doc.history.begin_group("x")
    with pytest.raises(StudioError):
        doc.undo()
    doc.history.end_group()
