"""restore.declick: find clicks on the AR residual and fill them by LSAR interpolation."""
from __future__ import annotations

import torch

from studio.dsp.clicks import declick
from studio.engine.operation import Chunking, Inputs, Marker, Report, Result, operation
from studio.engine.params import Bool, Float, Int


@operation(
    id="restore.declick", title="Click removal", category="restore",
    params=[
        Float("threshold", default=6.0, lo=2.0, hi=30.0, unit="sigma",
              help="detection threshold on the AR residual: lower finds more clicks"),
        Float("max_width", default=2.0, lo=0.02, hi=5.0, unit="ms",
              help="longer bursts are left alone (they belong to the music)"),
        Int("order", default=32, lo=4, hi=200,
            help="AR model order of the detector (the fill uses three times as many, up to 256)"),
        Bool("clicks_only", default=False, help="output only what was removed"),
    ],
    chunk=Chunking(seconds=20.0, overlap=0.2),
)
def run(inputs: Inputs, p, ctx) -> Result:
    """Remove clicks and crackle (vinyl, digital errors) of up to a few milliseconds."""
    x = inputs.audio
    sr = inputs.sample_rate
    max_width = max(1, int(round(p.max_width * 1e-3 * sr)))
    out = x.clone()
    markers = []
    n_ch = x.shape[0]
    total = 0
    # a chunk reports the clicks that start in its own part (the overlaps are seen twice)
    own_a, own_b = inputs.own or (0, x.shape[-1])
    for c in range(n_ch):
        ctx.progress(c / n_ch, f"channel {c + 1}: detecting")
        out[c], spans = declick(x[c], p.threshold, max_width, p.order, sr=sr, progress=lambda f,
                                c=c: ctx.progress((c + f) / n_ch, f"channel {c + 1}"))
        spans = [(s, e) for s, e in spans if own_a <= s < own_b]
        total += len(spans)
        markers += [Marker(s / sr, f"click ch{c + 1}", (e - s) / sr) for s, e in spans]
    markers.sort(key=lambda m: m.time)
    ctx.progress(1.0, "done")
    result = x - out if p.clicks_only else out
    changed = int((out != x)[:, own_a:own_b].sum())
    return Result(audio=result, report=Report(
        values={"clicks": total, "samples repaired": changed}, markers=markers,
        totals=["clicks", "samples repaired"]))
