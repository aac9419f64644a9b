"""restore.declip: batched A-SPADE on every clipped frame of a chunk at once."""
from __future__ import annotations

import math

import torch

from studio.dsp.spade import declip, detect_clipping
from studio.engine.operation import Chunking, Inputs, Report, Result, operation
from studio.engine.params import Choice, Float, Int


@operation(
    id="restore.declip", title="De-clip", category="restore",
    params=[
        Float("threshold_high", default=0.0, lo=0.0, hi=1.0, unit="FS",
              help="positive clip level; 0 = detect"),
        Float("threshold_low", default=0.0, lo=-1.0, hi=0.0, unit="FS",
              help="negative clip level; 0 = detect"),
        Float("margin", default=0.0, lo=0.0, hi=0.2,
              help="soft clipping: samples within this fraction of the level count as clipped"),
        Choice("window", default="8192", options=("1024", "2048", "4096", "8192"),
               help="frame length in samples at 44.1 kHz, scaled to the rate (longer: better "
                    "on tonal music; 8192 = 186 ms as in the published evaluation)"),
        Int("iterations", default=1000, lo=10, hi=5000, help="most iterations per frame"),
    ],
    chunk=Chunking(seconds=10.0, overlap=0.25),
)
def run(inputs: Inputs, p, ctx) -> Result:
    """Restore the peaks of clipped audio (A-SPADE, Kitić et al. 2015)."""
    x = inputs.audio
    # the frame keeps its duration at any rate (a power of two for the FFT)
    frame = 1 << max(8, round(math.log2(int(p.window) * inputs.sample_rate / 44100)))
    out = x.clone()
    clipped = 0
    levels = []
    for c in range(x.shape[0]):
        y = x[c]
        if p.threshold_high > 0 or p.threshold_low < 0:
            hi_t = p.threshold_high if p.threshold_high > 0 else float("inf")
            lo_t = p.threshold_low if p.threshold_low < 0 else float("-inf")
            high = y >= hi_t * (1 - p.margin)
            low = y <= lo_t * (1 - p.margin)
            levels.append((hi_t, lo_t))
        else:
            high, low, hi_t, lo_t = detect_clipping(y, p.margin)
            levels.append((hi_t, lo_t))
        clipped += int(high.sum() + low.sum())
        base = c / x.shape[0]

        def tick(i, active, base=base):
            if i % 20 == 0:
                ctx.progress(base + min(i / p.iterations, 1) / x.shape[0],
                             f"channel {c + 1}: {active} frames left")
        out[c] = declip(y, high, low, frame=frame, hop=frame // 4, max_iter=p.iterations,
                        growth=0.05, redundancy=4, on_iteration=tick)
    ctx.progress(1.0, "done")
    values = {"clipped samples": clipped,
              "clipped (%)": round(100 * clipped / max(1, x.numel()), 3)}
    for c, (h, l) in enumerate(levels):
        values[f"ch{c + 1} levels"] = f"{h if h is None else round(h, 4)} / " \
                                      f"{l if l is None else round(l, 4)}"
    return Result(audio=out, report=Report(values=values))
