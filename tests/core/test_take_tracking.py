"""Takes follow edits: moved by inserts and deletes before them, left by edits after them,
stale when the audio under them was edited, applied when their own audio is there, and
back as they were on undo — checked against a plain numpy model of the same edits."""
import numpy as np
from hypothesis import HealthCheck, example, given, settings, strategies as st

from studio.core import blocks, commands
from studio.core.document import Document
from studio.core.selection import Selection
from studio.core.take_tracking import APPLIED, STALE
from studio.core.takes import Take

RATE = 1000


def _doc(n=400, seed=0):
    x = np.random.default_rng(seed).standard_normal((2, n)).astype(np.float32)
    return Document.from_array(x, RATE), x


def _take(doc, a, b, channels=(0, 1), scale=0.5):
    audio = doc.state.read(a, b, channels=list(channels)) * scale
    return doc.takes.add(Take(id=Take.new_id(), name="t", start=a, end=b, channels=channels,
                              audio=audio, sample_rate=RATE))


def _get(doc, take):
    return doc.takes.get(take.id)


def test_edits_before_move_edits_after_leave_edits_under_stale(small_blocks):
    doc, _ = _doc()
    t = _take(doc, 200, 260)
    doc.execute(commands.insert_silence(doc, 30, at=50))
    assert (_get(doc, t).start, _get(doc, t).end, _get(doc, t).status) == (230, 290, "")
    doc.execute(commands.delete(doc, Selection(0, 20)))
    assert (_get(doc, t).start, _get(doc, t).end) == (210, 270)
    doc.execute(commands.gain(doc, -6.0, Selection(300, 350)))  # after it
    assert (_get(doc, t).start, _get(doc, t).end, _get(doc, t).status) == (210, 270, "")
    doc.execute(commands.gain(doc, -6.0, Selection(250, 260)))  # under it
    assert _get(doc, t).status == STALE
    doc.undo()
    assert (_get(doc, t).start, _get(doc, t).end, _get(doc, t).status) == (210, 270, "")
    doc.undo()
    doc.undo()
    doc.undo()
    assert (_get(doc, t).start, _get(doc, t).end, _get(doc, t).status) == (200, 260, "")


def test_an_edit_of_another_channel_leaves_a_one_channel_take(small_blocks):
    doc, _ = _doc()
    t = _take(doc, 100, 200, channels=(0,))
    doc.execute(commands.gain(doc, -6.0, Selection(120, 180, channels={1})))
    assert _get(doc, t).status == ""
    doc.execute(commands.gain(doc, -6.0, Selection(120, 180, channels={0})))
    assert _get(doc, t).status == STALE


def test_applying_one_take_of_a_compare_leaves_the_others_stale_until_undone(small_blocks):
    doc, _ = _doc()
    a = _take(doc, 100, 180, scale=0.5)
    b = _take(doc, 100, 180, scale=0.25)
    doc.execute(commands.apply_take(doc, a))
    assert _get(doc, a).status == APPLIED and _get(doc, b).status == STALE
    doc.undo()
    assert _get(doc, a).status == "" and _get(doc, b).status == ""
    doc.redo()
    assert _get(doc, a).status == APPLIED and _get(doc, b).status == STALE


edits = st.lists(st.tuples(st.sampled_from(["insert", "delete", "gain"]),
                           st.integers(0, 399), st.integers(1, 60)), min_size=1, max_size=6)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits)
@example(ops=[("insert", 92, 36), ("gain", 124, 4)])  # a gain over inserted silence
def test_a_take_is_fresh_exactly_where_its_audio_is_intact(ops):
    """Model: the take's range moved through the same edits on a plain array; a take must be
    fresh and at the model's place when no edit touched its range, and stale otherwise."""
    with blocks.block_size(16):
        doc, x = _doc(seed=len(ops))
        t = _take(doc, 150, 220)
        lo, hi, touched = 150, 220, False
        for name, at, n in ops:
            size = doc.state.n_frames
            at = min(at, size - 1)
            if name == "insert":
                doc.execute(commands.insert_silence(doc, n, at=at))
                x = np.concatenate([x[:, :at], np.zeros((2, n), np.float32), x[:, at:]], 1)
                if at <= lo:
                    lo, hi = lo + n, hi + n
                elif at < hi:
                    touched = True
            else:
                b = min(size, at + n)
                if name == "delete":
                    if b - at >= size:
                        continue
                    doc.execute(commands.delete(doc, Selection(at, b)))
                    x = np.concatenate([x[:, :at], x[:, b:]], 1)
                else:
                    doc.execute(commands.gain(doc, -6.0, Selection(at, b)))
                    x = x.copy()
                    x[:, at:b] *= np.float32(10 ** (-6 / 20))
                if b <= lo:
                    lo, hi = lo - (b - at if name == "delete" else 0), \
                        hi - (b - at if name == "delete" else 0)
                elif at < hi:
                    touched = True
        np.testing.assert_allclose(doc.state.read(), x, atol=1e-6)
        got = _get(doc, t)
        if not touched:
            assert (got.start, got.end, got.status) == (lo, hi, "")
        else:
            assert got.status == STALE


def test_a_rate_change_makes_every_take_stale():
    doc, _ = _doc()
    t = _take(doc, 10, 50)
    doc.execute(commands.change_rate(doc, 2000))
    assert _get(doc, t).status == STALE


def test_a_stale_take_stays_stale_in_a_saved_session(tmp_path, small_blocks):
    from studio.core.session import load_session, save_session
    doc, _ = _doc()
    t = _take(doc, 100, 180)
    doc.execute(commands.gain(doc, -6.0, Selection(120, 130)))
    save_session(doc, tmp_path / "s.adsession")
    back = load_session(tmp_path / "s.adsession")
    assert back.takes.get(t.id).status == STALE
