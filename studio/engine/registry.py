"""The operation registry. Modules under `studio.ops` register themselves with `@operation`
when imported; `discover()` imports them all, so no list of operations is kept by hand."""
from __future__ import annotations

import contextlib
import importlib
import pkgutil
from typing import Iterator

from studio.engine.operation import Operation
from studio.errors import StudioError

_OPERATIONS: dict[str, Operation] = {}
_discovered = False


def register(op: Operation) -> None:
    old = _OPERATIONS.get(op.id)
    if old is not None and old.run.__module__ != op.run.__module__:
        raise ValueError(f"operation id '{op.id}' declared twice "
                         f"({old.run.__module__} and {op.run.__module__})")
    _OPERATIONS[op.id] = op


def discover() -> None:
    """Import every module under studio.ops once (each registers its operations)."""
    global _discovered
    if _discovered:
        return
    import studio.ops as ops_pkg
    for info in pkgutil.walk_packages(ops_pkg.__path__, prefix="studio.ops."):
        if info.name.rsplit(".", 1)[-1].startswith("_"):
            continue  # private helpers shared by ops
        importlib.import_module(info.name)
    _discovered = True


def get(op_id: str) -> Operation:
    discover()
    try:
        return _OPERATIONS[op_id]
    except KeyError:
        raise StudioError(f"unknown operation '{op_id}' (see `studio ops`)") from None


def all_operations() -> list[Operation]:
    discover()
    return sorted(_OPERATIONS.values(), key=lambda o: (o.category, o.id))


def unregister(op_id: str) -> None:
    _OPERATIONS.pop(op_id, None)


@contextlib.contextmanager
def scoped() -> Iterator[None]:
    """Operations registered inside the block (tests, benchmarks) are forgotten after it, and
    any op replaced inside it is restored."""
    discover()
    saved = dict(_OPERATIONS)
    try:
        yield
    finally:
        _OPERATIONS.clear()
        _OPERATIONS.update(saved)
