"""What an operation is: its declaration (id, schema, inputs, chunking) and the values that
flow through its pure `run(inputs, params, ctx) -> Result`.

Operations live in `studio/ops/<category>/<verb>.py`, declare themselves with `@operation`,
and are found by `studio.engine.registry.discover()`. They never touch the document, a widget
or a global: they receive tensors and return tensors plus a report.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Mapping

from studio.engine.params import Param, Schema

if TYPE_CHECKING:  # torch is imported lazily so `studio ops` stays quick
    import torch

    from studio.engine.context import Context
    from studio.engine.params import Params

CATEGORIES = ("edit", "analyze", "filter", "restore", "convert", "generate", "array")


class InputKind(enum.Enum):
    SELECTION = "selection"        # the selected range (or the whole document when none)
    DOCUMENT = "document"          # always the whole document
    MULTICHANNEL = "multichannel"  # the whole document, which must have >= 2 channels
    NONE = "none"                  # generators: no audio input


@dataclass(frozen=True)
class Chunking:
    """How a long input may be split: chunks of `seconds` sharing `overlap` seconds, joined by
    `engine.chunking.overlap_add` (a quarter of the overlap on each side is a guard band where
    one chunk alone is used, so the op's edge transients must die out within overlap / 4).
    `channels_independent` declares that channels could be processed apart (a hint for a
    future memory fallback; the runner splits in time only)."""
    seconds: float = 10.0
    overlap: float = 0.5
    channels_independent: bool = True


@dataclass(frozen=True)
class Extra:
    """A further named input: a second clip, a noise profile, a reference recording.
    `source` says where the window takes it from: "file" (the user chooses one) or a part
    of the open document ("noise_profile": the noise learned from a selection; "selection":
    the window sends nothing and the op falls back to the selection it runs on; "clip": a
    clip the user picks in the window — from the Clips bin, a take, or a file). The command
    line always reads it from a file."""
    name: str
    help: str = ""
    required: bool = True
    source: str = "file"


@dataclass
class Inputs:
    """What `run` receives. `audio` is (channels, frames) float32 on ctx.device (an empty
    (0, 0) tensor for generators); `extras` maps an Extra's name to (tensor, rate)."""
    audio: "torch.Tensor"
    sample_rate: int
    freq_range: tuple[float, float] | None = None  # the spectral selection, if any
    extras: dict[str, tuple["torch.Tensor", int]] = field(default_factory=dict)
    offset: int = 0  # index of audio[:, 0] in the document (chunks and selections)
    # (frames before, frames after) of `audio` that are context around the selection, for
    # ops that declare context_seconds; the op processes the frames between them
    context: tuple[int, int] | None = None
    # [start, end) of `audio` this call answers for: chunks overlap, and what an op counts
    # (clipped samples, clicks) in the shared frames belongs to one chunk only. None: all
    own: tuple[int, int] | None = None


@dataclass
class Marker:
    time: float           # seconds from the start of the input
    label: str = ""
    duration: float = 0.0


@dataclass
class Curve:
    """A plot the UI draws: y against x, with axis labels and units."""
    x: Any  # numpy array or list
    y: Any
    x_label: str = ""
    y_label: str = ""
    name: str = ""
    log_x: bool = False
    # where the window draws it: "" in the report's plot; "spectrogram" over the spectrogram,
    # x in seconds of the document (add inputs.offset / rate) and y in Hz (a pitch track)
    overlay: str = ""


@dataclass
class Report:
    """Plain data the UI knows how to draw: numbers, curves, markers, free text."""
    values: dict[str, Any] = field(default_factory=dict)  # name -> number or short string
    curves: list[Curve] = field(default_factory=list)
    markers: list[Marker] = field(default_factory=list)
    text: str = ""
    data: dict[str, Any] = field(default_factory=dict)  # op-specific arrays (maps, profiles)
    # the window's status line when the job ends ("3217 samples restored, peak +4.8 dBFS");
    # empty: built from the headline values, rounded, with their units
    summary: str = ""
    headline: list[str] = field(default_factory=list)  # keys of `values` shown large; empty:
    #                                                     the first three
    # keys of `values` that are counts: a chunked job's total is the sum over its chunks
    # (other values: the last chunk's); an op counts only inside `Inputs.own`
    totals: list[str] = field(default_factory=list)

    def is_empty(self) -> bool:
        return not (self.values or self.curves or self.markers or self.text or self.data
                    or self.summary)


@dataclass
class Result:
    """What `run` returns: audio (channels, frames) — a tensor or numpy array — and/or a
    report. `takes` holds several named outputs (generators, separation, compare)."""
    audio: Any = None
    sample_rate: int | None = None  # None: same as the input
    report: Report = field(default_factory=Report)
    takes: list[tuple[str, Any]] = field(default_factory=list)  # (name, audio)


RunFn = Callable[[Inputs, "Params", "Context"], Result]


@dataclass(frozen=True)
class Operation:
    id: str
    title: str
    category: str
    run: RunFn
    schema: Schema
    inputs: InputKind = InputKind.SELECTION
    extras: tuple[Extra, ...] = ()
    chunk: Chunking | None = None
    description: str = ""
    changes_length: bool = False  # output length may differ from input (resample, trim)
    returns_audio: bool = True    # False for analysis ops that only report
    # Parameter values that make a runnable example when the defaults cannot run by themselves
    # (a gap to inpaint, an array layout): the generic test and the docs use them.
    example: Mapping[str, Any] | None = None
    min_seconds: float = 0.0      # shortest input that makes sense (the runner enforces it)
    # Audio on each side of the selection the op reads to process it (a gap filled from
    # around it): the window sends it as Inputs.context, the result covers the selection only
    context_seconds: float = 0.0
    # A last step over the whole joined output, (audio (C, N) float32 numpy, params, report)
    # -> audio, for what must be the same across chunks (a make-up gain set by the peak of
    # the whole result): `run` sees one chunk at a time and cannot know it
    finish: Callable[[Any, "Params", Report], Any] | None = None

    def describe(self) -> dict:
        return {
            "id": self.id, "title": self.title, "category": self.category,
            "description": self.description, "inputs": self.inputs.value,
            "extras": [{"name": e.name, "help": e.help, "required": e.required,
                        "source": e.source} for e in self.extras],
            "chunk": None if self.chunk is None else {
                "seconds": self.chunk.seconds, "overlap": self.chunk.overlap},
            "returns_audio": self.returns_audio, "changes_length": self.changes_length,
            "min_seconds": self.min_seconds, "context_seconds": self.context_seconds,
            "example": None if self.example is None else dict(self.example),
            "params": self.schema.describe(),
        }


def operation(*, id: str, title: str, category: str | None = None,
              params: list[Param] | tuple[Param, ...] = (),
              inputs: InputKind = InputKind.SELECTION, extras: tuple[Extra, ...] = (),
              chunk: Chunking | None = None, description: str = "",
              changes_length: bool = False, returns_audio: bool = True,
              example: Mapping[str, Any] | None = None, min_seconds: float = 0.0,
              context_seconds: float = 0.0, finish=None):
    """Declare an operation; the decorated function is its `run`. Registers it."""
    category = category or id.split(".", 1)[0]
    if "." not in id or category not in CATEGORIES:
        raise ValueError(f"operation id '{id}' must be '<category>.<verb>' with a category "
                         f"in {CATEGORIES}")

    def wrap(fn: RunFn) -> RunFn:
        from studio.engine import registry
        op = Operation(id=id, title=title, category=category, run=fn,
                       schema=Schema(tuple(params)), inputs=inputs, extras=tuple(extras),
                       chunk=chunk, description=description or (fn.__doc__ or "").strip(),
                       changes_length=changes_length, returns_audio=returns_audio,
                       example=None if example is None else dict(example),
                       min_seconds=float(min_seconds),
                       context_seconds=float(context_seconds), finish=finish)
        registry.register(op)
        fn.operation = op  # type: ignore[attr-defined]
        return fn

    return wrap


def as_mapping(params: Mapping[str, Any] | None) -> dict[str, Any]:
    return dict(params or {})
