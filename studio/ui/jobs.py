"""The window's side of the engine: turns user intents (preview, compare, apply, render, run a
chain) into JobRequests on the EngineHost, and applies what comes back through the document —
takes for previews, an undoable replace_range command for apply, a new window for render.
A generator (an op with no audio input) runs with or without an open document; whatever the
user asked (preview, apply, render), its result is a new document, with its takes beside it.

A failed or cancelled job changes nothing. A result whose document state is no longer the one
the request was cut from (the user edited meanwhile) is dropped with a warning: applying it
would paste audio computed from samples that are gone.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QObject, Signal

from studio.engine.protocol import JobRequest
from studio.ui.ruler import format_band

PREVIEW_DEFAULT_S = 10.0
GENERATOR_RATE = 48000  # the request's rate when no document is open (the op picks its own)


@dataclass
class JobInfo:
    job_id: str
    kind: str                 # preview | compare | apply | render | chain | analyze | generate
    op_id: str
    title: str
    params: dict
    start: int
    end: int
    channels: tuple[int, ...]
    state: object             # the AudioState the input was read from
    rate: int
    freq_range: tuple | None = None
    steps: list = field(default_factory=list)   # remaining chain steps
    generator: bool = False   # no audio input: the result opens as a new document
    progress: float = 0.0
    message: str = ""
    submitted: float = field(default_factory=time.time)
    op_title: str = ""        # the operation's own title (`title` may name side inputs)


class JobController(QObject):
    job_added = Signal(object)       # JobInfo
    job_progress = Signal(object)    # JobInfo
    job_ended = Signal(object, str)  # JobInfo, "finished" | "failed: ..." | "cancelled" | "stale"
    notice = Signal(str)
    render_ready = Signal(object, int, str)  # audio (C, N), rate, title
    generated = Signal(object)               # Generated: a generator's result
    job_report = Signal(object, object)      # JobInfo, Report (every finished job, maybe empty)

    def __init__(self, model, host=None, parent=None):
        super().__init__(parent)
        self.model = model
        if host is None:
            from studio.engine.host import EngineHost
            host = EngineHost(self)
        self.host = host
        self.device = "auto"
        self.jobs: dict[str, JobInfo] = {}
        host.progress.connect(self._on_progress_changed)
        host.finished.connect(self._on_finished_changed)
        host.failed.connect(self._on_failed_changed)
        host.cancelled.connect(self._on_cancelled_changed)

    # what to process -------------------------------------------------------------------------
    def target(self, preview: bool) -> tuple[int, int, tuple[int, ...]]:
        """The selection, or (for previews) the first 10 s when there is none, else all."""
        sel = self.model.selection
        n = self.model.n_frames
        chans = tuple(self.model.audible_channels()) or tuple(range(self.model.n_channels))
        if sel is not None and sel.channels is not None:
            chans = tuple(c for c in chans if c in sel.channels) or chans
        if sel is not None and not sel.is_empty:
            return sel.start, sel.end, chans
        if preview:
            return 0, min(n, int(PREVIEW_DEFAULT_S * self.model.rate)), chans
        return 0, n, chans

    def submit(self, kind: str, op, params: dict, title: str | None = None,
               steps: list | None = None, extras: dict | None = None) -> JobInfo | None:
        """`extras` maps an op's Extra names to (audio (C, N), rate): further input clips."""
        from studio.engine.operation import InputKind
        state = self.model.state
        generator = op.inputs == InputKind.NONE
        if state is None and not generator:
            self.notice.emit("Open a file first")
            return None
        whole = op.inputs in (InputKind.DOCUMENT, InputKind.MULTICHANNEL)
        context = (0, 0)
        if generator:  # needs no document; the op returns audio at its own (model's) rate
            a, b, chans = 0, 0, ()
            inputs = None
            rate = state.sample_rate if state is not None else GENERATOR_RATE
        else:
            rate = state.sample_rate
            a, b, chans = (0, state.n_frames, tuple(range(state.n_channels))) if whole \
                else self.target(kind in ("preview", "compare"))
            if b <= a:
                self.notice.emit("Nothing to process: the selection is empty")
                return None
            context = _context(op, a, b, state)
            inputs = state.read(a - context[0], b + context[1], channels=list(chans))
        sel = self.model.selection
        band = (sel.f_lo, sel.f_hi) if sel is not None and sel.has_freq_range and \
            not generator else None
        req = JobRequest(op_id=op.id, params=dict(params), inputs=inputs, sample_rate=rate,
                         device=self.device, freq_range=band, offset=a - context[0],
                         extras=extras or {}, context=context)
        info = JobInfo(req.job_id, kind, op.id, title or op.title, dict(params), a, b, chans,
                       state, rate, band, list(steps or []), generator=generator,
                       op_title=op.title)
        self.jobs[info.job_id] = info
        self.host.submit(req)
        self.job_added.emit(info)
        return info

    def cancel(self, job_id: str) -> None:
        self.host.cancel(job_id)

    def cancel_all(self) -> None:
        self.host.cancel_all()

    def busy(self) -> bool:
        return bool(self.jobs)

    # replies -----------------------------------------------------------------------------
    def _on_progress_changed(self, msg) -> None:
        info = self.jobs.get(msg.job_id)
        if info is not None:
            info.progress, info.message = msg.fraction, msg.message
            self.job_progress.emit(info)

    def _on_failed_changed(self, msg) -> None:
        info = self.jobs.pop(msg.job_id, None)
        if info is not None:
            # a refusal that names the op already ("Loudness needs at least 0.4 s of
            # audio; ...") is the whole line; anything else says which job failed
            own = info.op_title and msg.message.startswith(info.op_title + " ")
            self.notice.emit(msg.message if own else f"{info.title} failed: {msg.message}")
            self.job_ended.emit(info, f"failed: {msg.message}")

    def _on_cancelled_changed(self, msg) -> None:
        info = self.jobs.pop(msg.job_id, None)
        if info is not None:
            self.job_ended.emit(info, "cancelled")

    def _on_finished_changed(self, msg) -> None:
        info = self.jobs.pop(msg.job_id, None)
        if info is None:
            return
        result = msg.result
        doc = self.model.document
        self.job_report.emit(info, result.report)  # the Reports dock and the status line
        if info.steps and result.audio is not None:  # a chain: feed the next step
            self._next_chain_step(info, result)
            return
        # a generator's result, or what the Generate button asked of a generate op (clips
        # like the selection, a morph between two): new clips for the Clips bin
        if (info.generator or info.kind == "generate") and \
                (result.audio is not None or result.takes):
            self.generated.emit(Generated.of(info, result))
            self.job_ended.emit(info, "finished")
            return
        if result.audio is None and not result.takes:  # a report only
            self.job_ended.emit(info, "finished")
            return
        if info.kind == "render" and result.audio is not None:
            self.render_ready.emit(np.asarray(result.audio), int(result.sample_rate), info.title)
            self.job_ended.emit(info, "finished")
            return
        if doc is None or doc.state is not info.state:
            self.notice.emit(f"{info.title}: the document changed while it ran; result dropped")
            self.job_ended.emit(info, "stale")
            return
        audio = None if result.audio is None else np.asarray(result.audio, np.float32)
        if info.kind == "apply" and audio is not None:
            self._apply(info, audio, int(result.sample_rate))
        elif result.takes:  # several candidates (variations): each one a take to A/B
            for name, take in result.takes:
                self._add_take(info, np.asarray(take, np.float32), int(result.sample_rate),
                               result.report, name)
        else:
            self._add_take(info, audio, int(result.sample_rate), result.report)
        self.job_ended.emit(info, "finished")

    def _next_chain_step(self, info: JobInfo, result) -> None:
        step, rest = info.steps[0], info.steps[1:]
        req = JobRequest(op_id=step.op_id, params=dict(step.params), inputs=result.audio,
                         sample_rate=result.sample_rate, device=self.device, offset=info.start)
        nxt = JobInfo(req.job_id, info.kind, step.op_id, info.title, info.params, info.start,
                      info.end, info.channels, info.state, info.rate, info.freq_range, rest,
                      generator=info.generator)
        self.jobs[nxt.job_id] = nxt
        self.host.submit(req)
        self.job_ended.emit(info, "finished")
        self.job_added.emit(nxt)

    def _apply(self, info: JobInfo, audio: np.ndarray, rate: int) -> None:
        from studio.core import commands
        doc = self.model.document
        if rate != info.rate:
            self.notice.emit(f"{info.title}: result rate {rate} Hz differs from the document; "
                             "use Render to new document")
            return
        doc.execute(commands.replace_range(doc, info.start, info.end, audio, info.channels,
                                           name=info.title))

    def _add_take(self, info: JobInfo, audio: np.ndarray, rate: int, report,
                  name: str = "") -> None:
        from studio.core.takes import Take
        doc = self.model.document
        n = len(doc.takes) + 1
        # a compare take's title already says how its set differs from the others
        label = info.title if info.kind in ("preview", "compare") else \
            f"{info.title} ({_short(info.params)})"
        label += f" · {name}" if name else ""
        if info.freq_range is not None:  # made from a spectrogram rectangle: it says which band
            label += f" · {format_band(*info.freq_range)}"
        values = dict(report.values) if report is not None else None
        if audio.shape[0] == 1 and len(info.channels) > 1:
            # one signal from several channels (a beam, a separated source) is heard on all
            # of them: B plays it alone, and applying it puts it on every channel
            audio = np.broadcast_to(audio, (len(info.channels), audio.shape[1]))
        doc.takes.add(Take(id=Take.new_id(), name=f"{n}. {label}", start=info.start,
                           end=info.end, channels=info.channels, audio=audio, sample_rate=rate,
                           op_id=info.op_id, params=dict(info.params), report=values or None))


@dataclass(frozen=True)
class Generated:
    """A generator's result for the window: the main audio, the named takes, and a name
    made of the op, the class and the seed ("sample kick seed 1")."""
    audio: np.ndarray | None
    rate: int
    takes: tuple
    name: str
    op_id: str
    params: dict
    # the name without seed and note ("sample kick"): a take's clip is this plus the take's
    # own "seed S NOTE", never the first take's seed and note again
    stem: str = ""

    @classmethod
    def of(cls, info: JobInfo, result) -> "Generated":
        verb = info.op_id.split(".", 1)[-1]
        p = info.params
        # the seed the op used (a random one when asked for -1 reports what it drew)
        values = getattr(result.report, "values", None) or {}
        seed = values.get("seed", p.get("seed"))
        # the class the op used: for 'auto', the one the model heard ("organ (heard)")
        name = values.get("class", p.get("class"))
        # the note a pitched model played (its takes are named "take k seed S NOTE" alike)
        note = values.get("pitch")
        stem = " ".join(str(x) for x in (verb, None if name == "(none)" else name or None) if x)
        label = " ".join(str(x) for x in (
            stem, f"seed {seed}" if seed is not None and seed != -1 else None,
            None if note == "(none)" else note or None) if x)
        audio = None if result.audio is None else np.asarray(result.audio, np.float32)
        takes = tuple((str(n), np.asarray(a, np.float32)) for n, a in result.takes)
        return cls(audio, int(result.sample_rate), takes, label, info.op_id, dict(p), stem)


def _context(op, a: int, b: int, state) -> tuple[int, int]:
    """The audio around [a, b) an op reads to process it (a gap filled from both sides):
    `op.context_seconds` on each side, less where the document ends."""
    pad = int(round(getattr(op, "context_seconds", 0.0) * state.sample_rate))
    return (min(pad, a), min(pad, state.n_frames - b)) if pad > 0 else (0, 0)


def _short(params: dict) -> str:
    return ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
                     for k, v in list(params.items())[:3])
