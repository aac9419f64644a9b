"""Several independent jobs at once for the command line (`studio batch --jobs N`).

Threads, not processes: torch and libsndfile release the GIL during the heavy work, and
threads share one model cache. Only the engine starts threads; the pool is joined before
`run_all` returns, so none is left behind.
"""
from __future__ import annotations

import threading
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Callable, Iterable, Iterator, TypeVar

T = TypeVar("T")
R = TypeVar("R")


Outcome = tuple[T, "R | None", "BaseException | None"]


def run_all(fn: Callable[[T], R], items: Iterable[T], jobs: int = 1,
            stop: threading.Event | None = None) -> Iterator[Outcome]:
    """Yield (item, result, error) as each item finishes (in order when jobs == 1). An item
    that raises yields its exception and the others go on. Setting `stop` (or closing the
    iterator) starts nothing new and waits for the running ones."""
    items = list(items)
    if jobs <= 1:
        for item in items:
            if stop is not None and stop.is_set():
                return
            try:
                yield item, fn(item), None
            except Exception as e:  # noqa: BLE001 - reported per item, the batch goes on
                yield item, None, e
        return
    pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="studio-batch")
    pending: dict[Future, T] = {}
    todo = iter(items)
    try:
        while True:
            while len(pending) < jobs and not (stop is not None and stop.is_set()):
                item = next(todo, _END)
                if item is _END:
                    break
                pending[pool.submit(fn, item)] = item
            if not pending:
                return
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                item = pending.pop(fut)
                err = fut.exception()
                yield item, (None if err else fut.result()), err
    finally:
        if stop is not None:
            stop.set()
        for fut in pending:
            fut.cancel()
        pool.shutdown(wait=True)


_END = object()
