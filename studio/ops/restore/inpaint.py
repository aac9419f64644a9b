"""restore.inpaint: fill a short gap (dropout) from the audio on both sides.

Input design: the op takes the selection plus context. The gap is given as `gap_start` /
`gap_end` in seconds relative to the input; when the engine passes a selection with
context (see the report to the engine owner: `Operation.context_seconds` and
`Inputs.context = (frames before, frames after)`), the gap is the input minus that context.
Gaps up to 128 samples use LSAR with a model fitted on the context (Audacity's Repair);
longer ones Janssen's iterative AR method, up to 100 ms; longer gaps need the diffusion
inpainter.
"""
from __future__ import annotations

import torch

from studio.dsp.ar import janssen, lsar_interpolate
from studio.engine.operation import Inputs, Report, Result, operation
from studio.engine.params import Float, Int
from studio.errors import StudioError

MAX_GAP_SECONDS = 0.1


def gap_bounds(inputs: Inputs, p) -> tuple[int, int]:
    n = inputs.audio.shape[-1]
    sr = inputs.sample_rate
    context = getattr(inputs, "context", None)
    if p.gap_start >= 0 and p.gap_end > p.gap_start:
        s, e = int(round(p.gap_start * sr)), int(round(p.gap_end * sr))
    elif context:
        s, e = int(context[0]), n - int(context[1])
    else:
        raise StudioError("inpaint needs the gap: set gap_start and gap_end (seconds)")
    if not (0 < s < e < n):
        raise StudioError("the gap needs audio on both sides of it")
    return s, e


def fill_gap(x: torch.Tensor, s: int, e: int, iterations: int = 20, on_iteration=None
             ) -> torch.Tensor:
    """x (channels, frames) with [s, e) filled, channel by channel."""
    m = e - s
    order = min(3 * m + 2, 400)
    ctx = max(3 * order, 2 * m)
    out = x.clone()
    for c in range(x.shape[0]):
        lo, hi = max(0, s - ctx), min(x.shape[-1], e + ctx)
        seg = x[c, lo:hi].double()
        miss = torch.zeros_like(seg, dtype=torch.bool)
        miss[s - lo:e - lo] = True
        if m <= 128:
            res = lsar_interpolate(seg, miss, min(order, 100), context=ctx)
        else:
            res = janssen(seg, miss, order, iterations, on_iteration)
        out[c, lo:hi] = res.to(x.dtype)
    return out


@operation(
    id="restore.inpaint", title="Fill gap", category="restore",
    params=[
        Float("gap_start", default=-1.0, unit="s", help="gap start from the input's start"),
        Float("gap_end", default=-1.0, unit="s", help="gap end from the input's start"),
        Int("iterations", default=20, lo=1, hi=200, help="Janssen iterations (long gaps)"),
    ],
    example={"gap_start": 0.2, "gap_end": 0.21},
    min_seconds=0.3,
)
def run(inputs: Inputs, p, ctx) -> Result:
    """Fill a dropout of up to 100 ms by autoregressive interpolation."""
    s, e = gap_bounds(inputs, p)
    sr = inputs.sample_rate
    if (e - s) / sr > MAX_GAP_SECONDS + 1e-9:
        raise StudioError(f"gaps longer than {MAX_GAP_SECONDS * 1000:.0f} ms need the "
                          "diffusion inpainter (a later release); select a shorter gap")
    out = fill_gap(inputs.audio, s, e, p.iterations,
                   lambda i, n: ctx.progress(i / n, f"iteration {i} of {n}"))
    ctx.progress(1.0, "done")
    return Result(audio=out, report=Report(values={"gap (ms)": round(1000 * (e - s) / sr, 2)}))
