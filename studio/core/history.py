"""Undo history: named steps, compound groups, bundling of repeated small changes, and a memory
bound on the blocks that only undo/redo states keep alive.

A command is any object with `name: str`, `do(doc)`, `undo(doc)`; optionally `merge_key` and
`merge(other) -> bool` (bundling: a gain-slider drag becomes one step), and `states()` yielding
the AudioStates it holds (memory accounting; commands.StateCommand has all of these).

Memory is counted incrementally: every state held by a step adds its blocks to a reference
count, so `memory_bytes()` costs O(blocks of the current state), not O(history).
"""
from __future__ import annotations

import time
from collections import Counter
from typing import Any, Callable, Iterable

from studio.errors import StudioError

DEFAULT_MAX_BYTES = 2 << 30
DEFAULT_MAX_STEPS = 1000
MERGE_WINDOW_S = 1.0


class CompoundCommand:
    """Several commands as one undo step (undone in reverse order)."""

    merge_key = None

    def __init__(self, name: str, commands: Iterable[Any]):
        self.name = name
        self.commands = list(commands)

    def do(self, doc) -> None:
        for c in self.commands:
            c.do(doc)

    def undo(self, doc) -> None:
        for c in reversed(self.commands):
            c.undo(doc)

    def states(self):
        for c in self.commands:
            yield from _states_of(c)


def _states_of(cmd) -> Iterable[Any]:
    fn = getattr(cmd, "states", None)
    return fn() if fn is not None else ()


class History:
    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES, max_steps: int = DEFAULT_MAX_STEPS,
                 merge_window: float = MERGE_WINDOW_S, clock: Callable[[], float] = time.monotonic):
        self.max_bytes = int(max_bytes)
        self.max_steps = int(max_steps)
        self.merge_window = float(merge_window)
        self._clock = clock
        self._undo: list[Any] = []
        self._redo: list[Any] = []
        self._last_push = float("-inf")
        self._group_depth = 0
        self._group_start = 0
        self._group_name = ""
        self._current = None       # the document state after the last push/undo/redo
        self._state_refs: dict[int, list] = {}  # id(state) -> [state, count]
        self._block_refs: Counter[int] = Counter()  # id(block) -> states holding it
        self._bytes = 0            # bytes of every block some step holds

    # ----- queries
    @property
    def index(self) -> int:
        """How many steps are applied (= position in names())."""
        return len(self._undo)

    def names(self) -> list[str]:
        """Every step's name, oldest first; the first `index` are applied."""
        return [c.name for c in self._undo] + [c.name for c in reversed(self._redo)]

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    @property
    def undo_name(self) -> str | None:
        return self._undo[-1].name if self._undo else None

    @property
    def redo_name(self) -> str | None:
        return self._redo[-1].name if self._redo else None

    def memory_bytes(self, current_state=None) -> int:
        """Bytes of blocks held by undo/redo states but not by the current state."""
        cur = current_state if current_state is not None else self._current
        held = self._bytes
        if cur is not None:
            refs = self._block_refs
            held -= sum(blk.nbytes for blk_id, blk in cur.blocks().items() if blk_id in refs)
        return held

    # ----- changes
    def push(self, cmd, doc=None) -> None:
        """Record an already-done command. Bundles it into the previous step when both share a
        merge_key, it came within `merge_window` s, and the previous step accepts the merge."""
        now = self._clock()
        if doc is not None:
            self._current = doc.state
        top = self._undo[-1] if self._undo else None
        key = getattr(cmd, "merge_key", None)
        if (top is not None and key is not None and not self._redo
                and getattr(top, "merge_key", None) == key
                and now - self._last_push <= self.merge_window
                and (self._group_depth == 0 or len(self._undo) > self._group_start)):
            self._unregister(top)
            merged = top.merge(cmd)
            self._register(top)
            if merged:
                self._last_push = now
                self._enforce_bounds()
                return
        self._clear_redo()
        self._undo.append(cmd)
        self._register(cmd)
        self._last_push = now
        self._enforce_bounds()

    def undo(self, doc) -> bool:
        self._no_open_group()
        if not self._undo:
            return False
        cmd = self._undo.pop()
        cmd.undo(doc)
        self._redo.append(cmd)
        self._current = doc.state
        self._last_push = float("-inf")  # a later change must not merge into an undone step
        return True

    def redo(self, doc) -> bool:
        self._no_open_group()
        if not self._redo:
            return False
        cmd = self._redo.pop()
        cmd.do(doc)
        self._undo.append(cmd)
        self._current = doc.state
        self._last_push = float("-inf")
        return True

    def clear(self) -> None:
        self._undo.clear()
        self._redo.clear()
        self._state_refs.clear()
        self._block_refs.clear()
        self._bytes = 0
        self._group_depth = 0

    def begin_group(self, name: str) -> None:
        """Start a compound step: commands pushed until the matching end_group() become one
        step named `name`. Groups nest; only the outermost one makes a step."""
        if self._group_depth == 0:
            self._clear_redo()
            self._group_start = len(self._undo)
            self._group_name = name
        self._group_depth += 1

    def end_group(self) -> None:
        if self._group_depth == 0:
            raise RuntimeError("end_group() without begin_group()")
        self._group_depth -= 1
        if self._group_depth:
            return
        steps = self._undo[self._group_start:]
        if steps:
            del self._undo[self._group_start:]
            for c in steps:
                self._unregister(c)
            compound = CompoundCommand(self._group_name, steps)
            self._undo.append(compound)
            self._register(compound)
        self._last_push = float("-inf")
        self._enforce_bounds()

    # ----- internals
    def _no_open_group(self):
        if self._group_depth:
            raise StudioError("Finish the current action before undoing")

    def _clear_redo(self):
        for c in self._redo:
            self._unregister(c)
        self._redo.clear()

    def _enforce_bounds(self):
        if self._group_depth:
            return  # an open group is kept whole; bounds apply when it closes
        while len(self._undo) > self.max_steps:
            self._unregister(self._undo.pop(0))
        while self._undo and self.memory_bytes() > self.max_bytes:
            self._unregister(self._undo.pop(0))

    def _register(self, cmd):
        for st in _states_of(cmd):
            ref = self._state_refs.get(id(st))
            if ref is not None:
                ref[1] += 1
                continue
            self._state_refs[id(st)] = [st, 1]
            blks = st.blocks()
            refs = self._block_refs
            new = [blk for blk_id, blk in blks.items() if blk_id not in refs]
            self._bytes += sum(blk.nbytes for blk in new)
            refs.update(blks.keys())  # Counter.update: a C loop, an hour is 1320 blocks

    def _unregister(self, cmd):
        for st in _states_of(cmd):
            ref = self._state_refs[id(st)]
            ref[1] -= 1
            if ref[1]:
                continue
            del self._state_refs[id(st)]
            refs = self._block_refs
            for blk_id, blk in st.blocks().items():
                left = refs[blk_id] - 1
                if left:
                    refs[blk_id] = left
                else:
                    del refs[blk_id]
                    self._bytes -= blk.nbytes
