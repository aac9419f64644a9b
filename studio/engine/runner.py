"""The synchronous engine: run one `JobRequest` to a `JobResult` on the calling thread.

The command line and the tests call `run_job` directly; the window's host worker calls the same
function on its thread. Everything about running an operation lives here: validating parameters
and inputs, choosing the device, chunking long inputs, retrying smaller (then on the CPU) after
a GPU out-of-memory error, and turning tensors back into numpy and plain data.

`run_job` raises on failure (`StudioError` for what the user can act on, anything else is a bug
in an op) and raises `Cancelled` when the job's cancel event is set; it never touches a document.
"""
from __future__ import annotations

import dataclasses
import math
import threading
import time
from fractions import Fraction
from typing import Any, Callable

import numpy as np
import torch

from studio.engine import devices, registry
from studio.engine.chunking import ArrayCollector, overlap_add, plan_count
from studio.engine.context import Context
from studio.engine.operation import InputKind, Inputs, Marker, Operation, Report, Result
from studio.engine.params import Params
from studio.engine.protocol import AudioSource, JobRequest, JobResult, as_source
from studio.errors import BadAudioError, StudioError, TooShort

ProgressFn = Callable[[float, float, str], None]  # (done, total, message)

CHAIN_OP = "chain"       # JobRequest(op_id="chain", params={"steps": [...]}) runs a chain
MAX_HALVINGS = 3          # chunk length /2, /4, /8 before giving up on the GPU
PROGRESS_INTERVAL = 0.05  # at most 20 progress messages per second


class _Throttle:
    """Pass progress on at most once per interval; the caller sees the latest value."""

    def __init__(self, fn: ProgressFn | None, interval: float = PROGRESS_INTERVAL):
        self.fn, self.interval, self.last = fn, interval, -math.inf

    def __call__(self, fraction: float, message: str) -> None:
        if self.fn is None:
            return
        now = time.monotonic()
        if now - self.last >= self.interval or fraction >= 1.0:
            self.last = now
            self.fn(float(fraction), 1.0, message)


def run_job(request: JobRequest, cancel_event: threading.Event | None = None,
            on_progress: ProgressFn | None = None, cache: dict | None = None,
            on_log: Callable[[str], None] | None = None) -> JobResult:
    if request.op_id == CHAIN_OP:
        return _run_chain_request(request, cancel_event, on_progress, cache)
    started = time.perf_counter()
    op = registry.get(request.op_id)
    params = op.schema.validate(request.params)
    source = _check_inputs(op, as_source(request.inputs), request)
    device = devices.resolve(request.device)
    cancel = cancel_event or threading.Event()
    cache = {} if cache is None else cache
    log: list[str] = []
    progress = _Throttle(on_progress)

    chunk = _initial_chunk(op, request, source)
    halvings = 0
    while True:
        ctx = Context(device, seed=request.seed, cancel_event=cancel,
                      on_progress=progress, on_log=on_log, cache=cache)
        ctx.log_lines = log  # one log across retries: it tells what was retried and why
        ctx.check_cancelled()
        try:
            with torch.no_grad():  # ops that train re-enable grad themselves
                audio, rate, report, takes = _attempt(op, params, source, request, ctx, chunk)
            break
        except TooShort as e:  # found inside the op (a frame longer than the input)
            raise _too_short(op, e.needed_seconds(request.sample_rate), source,
                             request) from e
        except Exception as e:  # noqa: BLE001 - only out-of-memory is retried, others re-raise
            if not devices.is_out_of_memory(e):
                raise
            devices.release_memory(device)
            chunk, halvings, device = _after_oom(op, request, source, ctx, chunk, halvings,
                                                 device, e)

    return JobResult(job_id=request.job_id, op_id=op.id, audio=audio, sample_rate=rate,
                     report=report, takes=tuple(takes), log=tuple(log),
                     elapsed=time.perf_counter() - started, device=str(device),
                     params=dict(params), offset=request.offset)


def _run_chain_request(request: JobRequest, cancel_event, on_progress, cache) -> JobResult:
    """A chain submitted like one op (the window sends chains through the same host)."""
    from studio.engine.chain import parse_chain, run_chain
    steps = parse_chain(request.params.get("steps"))
    source = as_source(request.inputs)
    audio = None if source is None else source.read(0, source.n_frames)
    return run_chain(steps, audio, request.sample_rate, device=request.device,
                     seed=request.seed, extras=request.extras, cancel_event=cancel_event,
                     on_progress=on_progress, cache=cache, job_id=request.job_id)


def _after_oom(op, request, source, ctx, chunk, halvings, device, error):
    """Next attempt after an out-of-memory error: smaller chunks, then the CPU, then give up."""
    rate = request.sample_rate
    if op.chunk is not None and source is not None and halvings < MAX_HALVINGS:
        current = min(chunk or source.n_frames, source.n_frames)
        smaller = current // 2
        if smaller > 2 * _overlap_frames(op, rate) and smaller >= 256:
            ctx.log(f"out of memory on {device} with chunks of {current / rate:.2f} s; "
                    f"retrying with {smaller / rate:.2f} s chunks")
            return smaller, halvings + 1, device
    if device.type != "cpu":
        ctx.log(f"out of memory on {device}; retrying on the CPU")
        return _initial_chunk(op, request, source), 0, torch.device("cpu")
    raise StudioError(f"{op.title}: out of memory even on the CPU ({error})") from error


def _initial_chunk(op: Operation, request: JobRequest, source: AudioSource | None) -> int | None:
    """Chunk length in frames, or None for one piece (always for a selection with context:
    the op reads its context around the selection, all of it at once)."""
    if op.chunk is None or source is None or not op.returns_audio or any(request.context):
        return None
    seconds = request.chunk_seconds or op.chunk.seconds
    return max(1, int(round(seconds * request.sample_rate)))


def _overlap_frames(op: Operation, rate: int) -> int:
    return 0 if op.chunk is None else int(round(op.chunk.overlap * rate))


def _check_inputs(op: Operation, source: AudioSource | None, request: JobRequest):
    if request.sample_rate is None or not 1 <= int(request.sample_rate) <= 1_536_000:
        raise BadAudioError(f"sample rate {request.sample_rate} is not usable")
    missing = [e.name for e in op.extras if e.required and e.name not in request.extras]
    if missing:
        raise StudioError(f"{op.title} needs the extra input '{missing[0]}'")
    if op.inputs is InputKind.NONE:
        return None
    if source is None or source.n_frames == 0 or source.n_channels == 0:
        raise BadAudioError(f"{op.title} needs audio, and the input is empty")
    if source.n_frames < op.min_seconds * request.sample_rate:
        raise _too_short(op, op.min_seconds, source, request)
    if op.inputs is InputKind.MULTICHANNEL and source.n_channels < 2:
        raise StudioError(f"{op.title} needs a multichannel recording "
                          f"(this one has {source.n_channels} channel)")
    return source


def _duration(seconds: float, up: bool) -> str:
    """"10 ms" below 0.1 s, else "0.4 s"; rounded up (`up`) when it says what is needed, so
    that the amount named is enough."""
    if seconds < 0.1:
        ms = math.ceil(seconds * 1000 - 1e-9) if up else round(seconds * 1000)
        return f"{ms:g} ms"
    return f"{(math.ceil(seconds * 100 - 1e-9) / 100 if up else round(seconds, 2)):g} s"


def _too_short(op: Operation, needed_s: float, source: AudioSource | None,
               request: JobRequest) -> BadAudioError:
    """The one line every length refusal reads as, whether the op declared its minimum
    (min_seconds, checked before it runs) or found it while running (TooShort)."""
    got = "" if source is None else \
        f"; the input is {_duration(source.n_frames / request.sample_rate, up=False)}"
    return BadAudioError(f"{op.title} needs at least {_duration(needed_s, up=True)} of "
                         f"audio{got}")


def _tensor(a: np.ndarray, device: torch.device) -> torch.Tensor:
    """A tensor the op may modify freely: on the CPU torch.from_numpy would share the caller's
    memory (a document snapshot), so it gets its own copy there."""
    if device.type == "cpu":
        return torch.from_numpy(np.array(a, dtype=np.float32, order="C", copy=True))
    return torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32)).to(device)


def _numpy(audio: Any) -> np.ndarray | None:
    if audio is None:
        return None
    if isinstance(audio, torch.Tensor):
        audio = audio.detach().to("cpu", torch.float32).numpy()
    a = np.asarray(audio, dtype=np.float32)
    return a[None, :] if a.ndim == 1 else a


def _attempt(op: Operation, params: Params, source: AudioSource | None, request: JobRequest,
             ctx: Context, chunk: int | None):
    rate = int(request.sample_rate)
    extras = {name: (_tensor(np.atleast_2d(a), ctx.device), int(r))
              for name, (a, r) in request.extras.items()}

    def call(x: torch.Tensor, offset: int, sub: Context,
             own: tuple[int, int] | None = None) -> Result:
        result = op.run(Inputs(audio=x, sample_rate=rate, freq_range=request.freq_range,
                               extras=extras, offset=offset,
                               context=tuple(request.context) if any(request.context)
                               else None, own=own), params, sub)
        if not isinstance(result, Result):
            raise TypeError(f"operation {op.id} returned {type(result).__name__}, not Result")
        return result

    if source is None:  # generator
        result = call(torch.zeros((0, 0), device=ctx.device), request.offset, ctx)
        return _finish_whole(op, result, rate, request, frames_in=None)

    n = source.n_frames
    if chunk is None or chunk >= n:
        x = _tensor(source.read(0, n), ctx.device)
        result = call(x, request.offset, ctx)
        del x
        if any(request.context) and result.audio is not None and not op.changes_length:
            before, after = request.context  # the result replaces the selection only
            result.audio = result.audio[..., before:n - after]
            n -= before + after
        return _finish_whole(op, result, rate, request, frames_in=n, params=params)

    overlap = min(_overlap_frames(op, rate), chunk // 2)
    total = plan_count(n, chunk, overlap)
    # an op with a finishing step needs the whole output before anything reaches the sink
    streamed = request.sink if request.sink is not None and op.finish is None else None
    report = Report()
    state = {"k": 0, "rate": rate}

    def process(a: int, b: int, block: np.ndarray):
        k = state["k"]
        sub = ctx.subspan(min(k / total, 1.0), min((k + 1) / total, 1.0))
        # the shared frames split at their middle: the chunks' own parts tile [0, n) exactly
        own = (0 if a == 0 else overlap // 2,
               b - a if b >= n else b - a - (overlap - overlap // 2))
        result = call(_tensor(block, ctx.device), request.offset + a, sub, own)
        if result.takes:
            raise TypeError(f"operation {op.id} is chunked and cannot return takes")
        out = _numpy(result.audio)
        if out is None:
            raise TypeError(f"operation {op.id} is chunked but returned no audio")
        out_rate = int(result.sample_rate or rate)
        state.update(k=k + 1, rate=out_rate)
        _merge_report(report, _plain_report(result.report), a / rate)
        sub.progress(1.0, f"chunk {k + 1} of {total}")
        return out, Fraction(out_rate, rate)

    sink = streamed if streamed is not None else ArrayCollector()
    run = overlap_add(process, source.read, n, chunk, overlap, sink,
                      between_chunks=lambda k: ctx.check_cancelled())
    if run.chunks > 1:
        ctx.log(f"processed in {run.chunks} chunks of {chunk / rate:.2f} s "
                f"({overlap / rate:.2f} s overlap)")
    if streamed is not None:
        audio = streamed.array if isinstance(streamed, ArrayCollector) else None
        return audio, state["rate"], report, []
    joined = Result(audio=sink.array, sample_rate=state["rate"], report=report)
    audio, out_rate, report, _ = _finish_whole(op, joined, rate, request, frames_in=None,
                                               params=params)
    return audio, out_rate, report, []


def _finish_whole(op: Operation, result: Result, rate: int, request: JobRequest,
                  frames_in: int | None, params: Params | None = None):
    audio = _numpy(result.audio)
    out_rate = int(result.sample_rate or rate)
    report = _plain_report(result.report)
    if audio is not None and op.finish is not None:
        audio = np.asarray(op.finish(audio, params, report), dtype=np.float32)
    if audio is not None and frames_in is not None and not op.changes_length \
            and audio.shape[1] != frames_in:
        raise RuntimeError(f"operation {op.id} returned {audio.shape[1]} frames for "
                           f"{frames_in}; it must declare changes_length=True")
    if audio is not None and request.sink is not None:
        begin = getattr(request.sink, "begin", None)
        if begin is not None:
            begin(audio.shape[0], audio.shape[1])
        request.sink(0, audio)
        audio = None
    takes = [(str(name), _numpy(a)) for name, a in result.takes]
    return audio, out_rate, report, takes


def _merge_report(total: Report, part: Report, shift_seconds: float) -> None:
    """Join the reports of successive chunks: markers move to the input's time base, later
    values overwrite earlier ones (counts named in `totals` add up), curves and text are kept
    from the first chunk that has them."""
    counted = {k: total.values[k] + part.values[k] for k in part.totals
               if k in total.values and k in part.values}
    total.values.update(part.values)
    total.values.update(counted)
    total.totals = total.totals or list(part.totals)
    total.data.update(part.data)
    total.markers.extend(Marker(time=m.time + shift_seconds, label=m.label, duration=m.duration)
                         for m in part.markers)
    if not total.curves:
        total.curves.extend(part.curves)
    if not total.text:
        total.text = part.text
    total.summary = part.summary or total.summary
    total.headline = total.headline or list(part.headline)


def _plain(v: Any) -> Any:
    """Tensors inside a report become numpy arrays or Python numbers (the UI has no torch)."""
    if isinstance(v, torch.Tensor):
        v = v.detach().cpu()
        return v.item() if v.ndim == 0 else v.numpy()
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return type(v)(_plain(x) for x in v)
    return v


def _plain_report(r: Report | None) -> Report:
    """A copy with tensors made numpy; every other field carried as it is (a field added to
    Report or Curve later needs no line here)."""
    if r is None:
        return Report()
    return dataclasses.replace(
        r, values=_plain(r.values), data=_plain(r.data), markers=list(r.markers),
        curves=[dataclasses.replace(c, x=_plain(c.x), y=_plain(c.y)) for c in r.curves],
        headline=list(r.headline), totals=list(r.totals))
