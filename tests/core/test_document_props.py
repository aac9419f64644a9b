"""Property: any sequence of edits, undos and redos on the block document equals the same
operations on a plain numpy array (with 16-sample blocks, so every edit splits blocks)."""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from studio.core import blocks, commands
from studio.core.document import Document
from studio.core.history import History
from studio.core.selection import Selection
from studio.core.shapes import fade_in_gain

N_CH = 2

# an op: (name, frac_a, frac_b, channel subset code, value)
ops = st.tuples(
    st.sampled_from(["cut", "paste", "delete", "insert_silence", "silence", "gain", "reverse",
                     "replace", "replace_len", "trim", "fade_in", "fade_out", "undo", "undo",
                     "redo"]),
    st.floats(0, 1), st.floats(0, 1), st.sampled_from([None, 0, 1]), st.integers(0, 40))


def _sel(n, fa, fb, ch):
    a, b = sorted((int(fa * n), int(fb * n)))
    return Selection(a, b, channels=None if ch is None else {ch})


def _model_apply(x, clip, op, sel, value, rng_values):
    """The same edit on a plain (C, N) array; returns (new x or None if refused, clip)."""
    name = op
    a, b = sel.start, sel.end
    chans = list(range(N_CH)) if sel.channels is None else sorted(sel.channels)
    subset = len(chans) != N_CH
    y = x.copy()
    if name == "cut":
        if a == b:
            return x, x[chans, a:b].copy()
        if subset:
            return None, clip
        return np.concatenate([x[:, :a], x[:, b:]], axis=1), x[:, a:b].copy()
    if name == "delete":
        if a == b:
            return x, clip
        return (None if subset else np.concatenate([x[:, :a], x[:, b:]], axis=1)), clip
    if name == "paste":
        if clip is None:
            return x, clip
        src = clip if clip.shape[0] == len(chans) else np.repeat(clip[:1], len(chans), axis=0)
        if clip.shape[0] not in (1, len(chans)):
            return None, clip
        if subset and src.shape[1] != b - a:
            return None, clip
        if subset:
            y[chans, a:b] = src
            return y, clip
        return np.concatenate([x[:, :a], src, x[:, b:]], axis=1), clip
    if name == "insert_silence":
        gap = np.zeros((N_CH, max(1, value)), np.float32)
        return np.concatenate([x[:, :a], gap, x[:, a:]], axis=1), clip
    if name == "trim":
        if a == b:
            return None, clip
        return (None if subset else x[:, a:b].copy()), clip
    if name == "replace":  # same length: allowed on a subset
        y[chans, a:b] = rng_values(len(chans), b - a)
        return y, clip
    if name == "replace_len":
        if subset:
            return None, clip
        return np.concatenate([x[:, :a], rng_values(N_CH, value), x[:, b:]], axis=1), clip
    # length-keeping: a cursor means the whole document
    if a == b:
        a, b = 0, x.shape[1]
    n = b - a
    if name == "silence":
        y[chans, a:b] = 0
    elif name == "gain":
        y[chans, a:b] = x[chans, a:b] * np.float32(10 ** ((value - 20) / 20))
    elif name == "reverse":
        y[chans, a:b] = x[chans, a:b][:, ::-1]
    elif name in ("fade_in", "fade_out"):
        t = np.arange(n) / (n - 1) if n > 1 else np.ones(n)
        g = fade_in_gain("s-curve", 1 - t if name == "fade_out" else t)
        y[chans, a:b] = (x[chans, a:b] * g).astype(np.float32)
    return y, clip


def _doc_apply(doc, clip, op, sel, value, rng_values):
    a, b = sel.start, sel.end
    chans = list(range(N_CH)) if sel.channels is None else sorted(sel.channels)
    if op == "cut":
        cmd, c = commands.cut(doc, sel)
        doc.execute(cmd)
        return c.to_array()
    if op == "delete":
        doc.execute(commands.delete(doc, sel))
    elif op == "paste":
        if clip is not None:
            from studio.core.clip import Clip
            doc.execute(commands.paste(doc, Clip.from_array(clip, doc.state.sample_rate), sel))
    elif op == "insert_silence":
        doc.set_selection(sel)
        doc.execute(commands.insert_silence(doc, max(1, value)))
    elif op == "trim":
        doc.execute(commands.trim(doc, sel))
    elif op == "replace":
        doc.execute(commands.replace_range(doc, a, b, rng_values(len(chans), b - a), chans))
    elif op == "replace_len":
        doc.execute(commands.replace_range(doc, a, b, rng_values(N_CH, value),
                                           None if sel.channels is None else chans))
    elif op == "silence":
        doc.execute(commands.silence(doc, sel))
    elif op == "gain":
        doc.execute(commands.gain(doc, value - 20, sel, bundle=False))
    elif op == "reverse":
        doc.execute(commands.reverse(doc, sel))
    elif op == "fade_in":
        doc.execute(commands.fade_in(doc, "s-curve", sel))
    elif op == "fade_out":
        doc.execute(commands.fade_out(doc, "s-curve", sel))
    return clip


def _run(start_len, op_list, seed):
    from studio.errors import StudioError
    rng = np.random.default_rng(seed)
    x0 = rng.standard_normal((N_CH, start_len)).astype(np.float32)
    doc = Document.from_array(x0, 8000, history=History(max_bytes=1 << 40))
    undo, redo = [x0], []  # model history: undo[-1] is the current array
    clip = None
    for op, fa, fb, ch, value in op_list:
        x = undo[-1]
        if op == "undo":
            doc.undo()
            if len(undo) > 1:
                redo.append(undo.pop())
        elif op == "redo":
            doc.redo()
            if redo:
                undo.append(redo.pop())
        else:
            sel = _sel(x.shape[1], fa, fb, ch)
            seed_op = int(rng.integers(1 << 30))

            def values(c, n, s=seed_op):
                return np.random.default_rng(s).standard_normal((c, n)).astype(np.float32)
            new, new_clip = _model_apply(x, clip, op, sel, value, values)
            if new is None:
                with pytest.raises(StudioError):
                    _doc_apply(doc, clip, op, sel, value, values)
            else:
                got_clip = _doc_apply(doc, clip, op, sel, value, values)
                if op == "cut":
                    assert np.array_equal(got_clip, new_clip)
                clip = new_clip
                # edits that change nothing are not undo steps: an empty cut or delete, an
                # empty range replaced by nothing, anything in-place on an empty document
                inserted = new.shape[1] - x.shape[1] + sel.length
                noop = ((op in ("cut", "delete") and sel.is_empty) or (op == "paste" and new is x)
                        or (op in ("paste", "replace", "replace_len") and sel.is_empty and not inserted)
                        or (op == "trim" and sel.length == x.shape[1])
                        or (x.shape[1] == 0 and op in ("silence", "gain", "reverse", "fade_in", "fade_out")))
                if not noop:  # every other accepted edit is one undo step
                    undo.append(new)
                    redo.clear()
        cur = undo[-1]
        assert doc.state.n_frames == cur.shape[1]
        assert np.array_equal(doc.state.read(), cur), f"after {op}"
        assert doc.history.index == len(undo) - 1
    # every block stays within the size bound and summaries stay exact after all that
    for seq in doc.state.channels:
        assert all(0 < len(b) <= blocks.BLOCK_SAMPLES for b in seq.blocks)
        # no fragmentation: re-blocking at seams keeps every inner block >= a quarter block
        assert all(len(b) >= blocks.BLOCK_SAMPLES // 4 for b in seq.blocks[1:-1])
    if doc.state.n_frames:
        s = doc.state.summary(0, 0, doc.state.n_frames, 3)
        ref = undo[-1][0]
        assert s.mins.min() == ref.min() and s.maxs.max() == ref.max()


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(start_len=st.integers(0, 120), op_list=st.lists(ops, max_size=25), seed=st.integers(0, 1000))
def test_edits_and_undo_match_numpy(start_len, op_list, seed):
    with blocks.block_size(16):
        _run(start_len, op_list, seed)


@pytest.mark.slow
@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(start_len=st.integers(0, 400), op_list=st.lists(ops, max_size=60), seed=st.integers(0, 10**6))
def test_edits_and_undo_match_numpy_many(start_len, op_list, seed):
    with blocks.block_size(16):
        _run(start_len, op_list, seed)
