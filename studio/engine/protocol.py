"""The engine's message contract: what goes in (a `JobRequest`) and what comes out (`JobStarted`,
`JobProgress`, `JobFinished`, `JobFailed`, `JobCancelled`), as frozen dataclasses.

numpy only, never torch: the window imports this module, and results reach it as numpy arrays
and plain dataclasses. A request carries a snapshot of the audio (a numpy array) or a reader
(`AudioSource`) that the engine pulls chunks from, never a live document.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Protocol, runtime_checkable

import numpy as np

from studio.engine.operation import Report

_job_numbers = itertools.count(1)


def new_job_id() -> str:
    return f"job-{next(_job_numbers)}"


@runtime_checkable
class AudioSource(Protocol):
    """Audio the engine reads lazily, [a, b) at a time, so a one-hour document is never turned
    into one tensor. `read` returns float32 (n_channels, b - a)."""
    n_channels: int
    n_frames: int

    def read(self, a: int, b: int) -> np.ndarray: ...


@dataclass(frozen=True)
class ArraySource:
    """A numpy snapshot (channels, frames) seen as an `AudioSource`."""
    array: np.ndarray

    @property
    def n_channels(self) -> int:
        return int(self.array.shape[0])

    @property
    def n_frames(self) -> int:
        return int(self.array.shape[1])

    def read(self, a: int, b: int) -> np.ndarray:
        return self.array[:, a:b]


@dataclass(frozen=True)
class CallableSource:
    """An `AudioSource` made of a function reading [a, b): wraps `AudioState.read`, a file
    reader, or a synthetic signal in a benchmark."""
    reader: Callable[[int, int], np.ndarray]
    n_channels: int
    n_frames: int

    def read(self, a: int, b: int) -> np.ndarray:
        return self.reader(a, b)


def as_source(inputs: Any) -> AudioSource | None:
    """None (generators), a (C, N) or (N,) array, or an `AudioSource`."""
    if inputs is None or isinstance(inputs, AudioSource):
        return inputs
    a = np.asarray(inputs)
    if a.ndim == 1:
        a = a[None, :]
    if a.ndim != 2:
        raise ValueError(f"audio must be (channels, frames), got shape {a.shape}")
    return ArraySource(a if a.dtype == np.float32 else a.astype(np.float32))


# A sink receives the finished output in order, block by block: sink(start_frame, block (C, n)).
Sink = Callable[[int, np.ndarray], None]


@dataclass(frozen=True)
class JobRequest:
    """One operation to run. `inputs` is a numpy snapshot (C, N), an `AudioSource`, or None for
    generators; `extras` maps an Extra's name to (audio (C, N), rate); `offset` is where the
    input starts in the document (reports and ops that care about absolute time).
    `sink`, when given, receives the output block by block instead of it being collected into
    `JobResult.audio` (streaming a long result to a file). `chunk_seconds` overrides the op's
    declared chunk length (tests, memory-bound callers). `context` = (frames before, frames
    after): that much of `inputs` surrounds the selection (ops with context_seconds); the
    result holds the selection only, and `offset` is still where `inputs` starts."""
    job_id: str = ""
    op_id: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)
    inputs: Any = None
    sample_rate: int = 48000
    device: str = "auto"
    seed: int | None = None
    extras: Mapping[str, tuple[np.ndarray, int]] = field(default_factory=dict)
    freq_range: tuple[float, float] | None = None
    offset: int = 0
    sink: Sink | None = None
    chunk_seconds: float | None = None
    context: tuple[int, int] = (0, 0)

    def __post_init__(self):
        if not self.op_id:
            raise ValueError("JobRequest needs an op_id")
        if not self.job_id:
            object.__setattr__(self, "job_id", new_job_id())


@dataclass(frozen=True)
class JobResult:
    """What a finished job hands back: numpy audio (C, N) or None (analysis ops, or when the
    output went to a sink), its rate, the report, named takes, the job's log, how long it ran
    and on which device."""
    job_id: str
    op_id: str
    audio: np.ndarray | None
    sample_rate: int
    report: Report = field(default_factory=Report)
    takes: tuple[tuple[str, np.ndarray], ...] = ()
    log: tuple[str, ...] = ()
    elapsed: float = 0.0
    device: str = "cpu"
    params: Mapping[str, Any] = field(default_factory=dict)  # the validated values used
    offset: int = 0


@dataclass(frozen=True)
class JobStarted:
    job_id: str
    op_id: str
    device: str


@dataclass(frozen=True)
class JobProgress:
    """`done` of `total` (the runner reports fractions: total is 1.0), plus a short message."""
    job_id: str
    done: float
    total: float
    message: str = ""

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 0.0


@dataclass(frozen=True)
class JobFinished:
    job_id: str
    result: JobResult


@dataclass(frozen=True)
class JobFailed:
    job_id: str
    message: str
    traceback: str = ""


@dataclass(frozen=True)
class JobCancelled:
    job_id: str


Reply = JobStarted | JobProgress | JobFinished | JobFailed | JobCancelled
