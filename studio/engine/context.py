"""What a running operation may ask of the engine: the device, progress, cancellation, a
seeded random generator, a log and a model cache. Operations receive it; they never build one
(tests may, to call an operation's `run` directly)."""
from __future__ import annotations

import threading
import time
from typing import Any, Callable

import torch

from studio.errors import Cancelled


class Context:
    def __init__(self, device: torch.device | str = "cpu", seed: int | None = None,
                 cancel_event: threading.Event | None = None,
                 on_progress: Callable[[float, str], None] | None = None,
                 on_log: Callable[[str], None] | None = None,
                 cache: dict[Any, Any] | None = None):
        self.device = torch.device(device)
        # Loaded models, keyed by path (or any key an op chooses). The host worker passes the
        # same dict to every job, so a model loaded once stays loaded between jobs.
        self.cache: dict[Any, Any] = {} if cache is None else cache
        self.seed = 0 if seed is None else int(seed)
        self._cancel = cancel_event or threading.Event()
        self._on_progress = on_progress
        self._on_log = on_log
        # one generator per job, shared by the views `subspan` makes for chunks: chunk 2 goes
        # on with the random stream where chunk 1 stopped instead of repeating it
        self._shared: dict[str, Any] = {"generator": None}
        self.log_lines: list[str] = []
        self._span = (0.0, 1.0)  # progress is mapped into this span (chunks share a job)

    @property
    def generator(self) -> torch.Generator:
        """A generator seeded with the job's seed, on the job's device (same seed, same audio)."""
        g = self._shared["generator"]
        if g is None:
            g = self._shared["generator"] = torch.Generator(device=self.device)
            g.manual_seed(self.seed)
        return g

    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def check_cancelled(self) -> None:
        """Raise `Cancelled` if the user cancelled; long loops call this between steps."""
        if self._cancel.is_set():
            raise Cancelled()

    def progress(self, fraction: float, message: str = "") -> None:
        """Report progress in [0, 1] of this operation; also a cancellation point."""
        self.check_cancelled()
        if self._on_progress is not None:
            a, b = self._span
            self._on_progress(a + (b - a) * min(max(float(fraction), 0.0), 1.0), message)

    def cached(self, key: Any, load: Callable[[], Any]) -> Any:
        """`self.cache[key]`, loading it with `load()` the first time (models, filter banks)."""
        try:
            return self.cache[key]
        except KeyError:
            value = self.cache[key] = load()
            return value

    def log(self, message: str) -> None:
        line = f"{time.strftime('%H:%M:%S')} {message}"
        self.log_lines.append(line)
        if self._on_log is not None:
            self._on_log(line)

    def subspan(self, start: float, end: float) -> "Context":
        """A view of this context whose progress [0, 1] maps to [start, end] of this one's."""
        child = Context.__new__(Context)
        child.__dict__.update(self.__dict__)
        a, b = self._span
        child._span = (a + (b - a) * start, a + (b - a) * end)
        return child
