"""Takes follow the document's edits, as a user expects of a candidate tied to a range:

- an edit wholly before a take moves it by the frames inserted or removed; one wholly after
  it leaves it alone;
- an edit of the audio under a take makes it "stale" (it was computed from audio that is
  gone: it stays listed, to audition, but is not applied), unless the audio there is now
  the take's own (it was applied: "applied");
- undo and redo bring back exactly the placement the take had in that state, so applying
  one take of a compare, then undoing, leaves the others fresh again.

What changed between two states is found per channel as the differing middle between their
common start and common end: shared blocks are skipped by identity (an edit copies only the
blocks at its edges), then samples are compared in the few blocks that differ.
"""
from __future__ import annotations

import weakref

import numpy as np

from studio.core import blocks

STALE = "stale"
APPLIED = "applied"
_CHUNK = 1 << 16


def _scan_limit() -> int:
    """How far past the shared blocks samples are compared: an edit copies at most three
    blocks beside its range, so its first changed sample lies within four. An edit that
    rewrote everything with equal values (a 0 dB gain) stops the scan there; the rest
    counts as changed, which only ever makes a take stale, never wrongly fresh."""
    return 4 * blocks.max_block_samples()


def _prefix(a, b) -> int:
    """Frames two Sequences share at their start."""
    n = min(len(a), len(b))
    i = 0
    while i < len(a.blocks) and i < len(b.blocks) and a.blocks[i] is b.blocks[i] and \
            a.offsets[i] == b.offsets[i]:
        i += 1
    p = int(a.offsets[i]) if i < len(a.blocks) else len(a)
    p = min(p, n)
    stop = min(n, p + _scan_limit())
    while p < stop:
        q = min(stop, p + _CHUNK)
        diff = np.flatnonzero(a.read(p, q) != b.read(p, q))
        if len(diff):
            return p + int(diff[0])
        p = q
    return p


def _suffix(a, b, limit: int) -> int:
    """Frames two Sequences share at their end, at most `limit`."""
    na, nb = len(a), len(b)
    i = 1
    while i <= len(a.blocks) and i <= len(b.blocks) and a.blocks[-i] is b.blocks[-i] and \
            na - a.offsets[-i] == nb - b.offsets[-i]:
        i += 1
    s = min(limit, int(na - a.offsets[-i + 1]) if i > 1 else 0)
    stop = min(limit, s + _scan_limit())
    while s < stop:
        t = min(stop, s + _CHUNK)
        x, y = a.read(na - t, na - s), b.read(nb - t, nb - s)
        diff = np.flatnonzero(x != y)
        if len(diff):
            return s + (len(x) - 1 - int(diff[-1]))
        s = t
    return s


def changed_spans(old, new) -> list[tuple[int, int] | None] | None:
    """Per channel, None if unchanged, else (p, s): the first p and last s frames are shared,
    so old[p : n_old - s] became new[p : n_new - s]. None when the states cannot be
    compared frame for frame (another rate or channel count)."""
    if old.sample_rate != new.sample_rate or old.n_channels != new.n_channels:
        return None
    out = []
    for a, b in zip(old.channels, new.channels):
        if a is b:
            out.append(None)
            continue
        p = _prefix(a, b)
        if p == len(a) == len(b):
            out.append(None)
            continue
        s = _suffix(a, b, min(len(a), len(b)) - p)
        # the prefix scan stops short when an edit rewrote blocks with equal values (a gain
        # over silence); if the shared end reaches back to it, nothing differs at all
        out.append(None if len(a) == len(b) and p + s >= len(a) else (p, s))
    return out


def placement(take, spans, old, new) -> tuple[int, int, str]:
    """Where `take` lies in `new`, and its status, given the spans from old to new."""
    if spans is None:
        return take.start, take.end, STALE
    mine = [spans[c] for c in take.channels if c < len(spans) and spans[c] is not None]
    if not mine:
        return take.start, take.end, take.status
    p = min(x[0] for x in mine)
    old_end = old.n_frames - min(x[1] for x in mine)
    delta = new.n_frames - old.n_frames
    if take.end <= p:
        return take.start, take.end, take.status
    if take.start >= old_end:
        return take.start + delta, take.end + delta, take.status
    n = take.audio.shape[1]
    if take.start + n <= new.n_frames and np.array_equal(
            new.read(take.start, take.start + n, channels=list(take.channels)), take.audio):
        return take.start, take.start + n, APPLIED
    end = min(take.end, new.n_frames)
    return min(take.start, end), end, STALE


class TakeTracker:
    """Keeps each take's placement per state, so returning to a state restores it."""

    def __init__(self):
        self._memo: dict[int, tuple[weakref.ref, dict]] = {}

    def follow(self, takes: list, old, new) -> list:
        """The takes re-placed for the move from `old` to `new`."""
        self._memo = {k: v for k, v in self._memo.items() if v[0]() is not None}
        self._memo[id(old)] = (weakref.ref(old),
                               {t.id: (t.start, t.end, t.status) for t in takes})
        seen = self._memo.get(id(new))
        known = seen[1] if seen is not None and seen[0]() is new else {}
        spans = ... if len(known) < len(takes) else None
        out = []
        for t in takes:
            if t.id in known:
                start, end, status = known[t.id]
            else:
                if spans is ...:
                    spans = changed_spans(old, new)
                start, end, status = placement(t, spans, old, new)
            if (start, end, status) != (t.start, t.end, t.status):
                t = t.moved(start, end, status)
            out.append(t)
        return out
