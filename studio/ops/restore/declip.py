"""restore.declip: batched S-SPADE / A-SPADE on every clipped frame of a chunk at once."""
from __future__ import annotations

import math

import numpy as np
import torch

from studio.dsp.spade import declip, detect_clipping, project_consistent
from studio.engine.operation import Chunking, Inputs, Report, Result, operation
from studio.engine.params import Choice, Float, Int

# Sparsity schedules: (r, growth): k grows by one every r iterations until `growth` * k
# exceeds one, then by that share every r iterations (geometrically), which reaches the
# sparsity of dense music (k of 1000-3000 per frame) in hundreds of iterations instead of
# thousands; "survey" is the published schedule (k += 1 every 2 iterations). Measured on the
# survey's ten recordings at an input SDR of 1 / 10 dB (mean dSDR, SPADE frame-iterations per
# second of audio, tests/bench/declip_schedules.py): (2, 5 %) +9.4 / +16.1; (3, 3 %) +11.2 /
# +17.0, 10k; (3, 2 %) +11.52 / +17.33, 13.5k; (3, 1.5 %) +11.67 / +17.28, 16.3k; (2, 1 %)
# +11.4, 14k; (4, 2 %) +11.6, 17k. Time at small k is what matters: one iteration per k
# instead of two loses 1.1 dB, starting at k = 50 instead of 1 loses 3 dB.
EFFORT = {"fast": (2, 0.05), "balanced": (3, 0.03), "high": (3, 0.02), "best": (3, 0.015),
          "survey": (2, 0.0)}
# SPADE stops at an absolute error (eps = 0.1), so its result depends on the level: each
# channel is scaled to the mean RMS of the survey's recordings (0.085) while it is declipped
SURVEY_RMS = 0.085
FIT_PEAKS = ("none", "scale to -0.1 dBFS")
FIT_TARGET_DBFS = -0.1


def fit_peaks(audio, mode: str, report: Report):
    """The whole result's peak in the report and, when asked, one make-up gain so it fits
    (`finish` step: a gain per chunk would change the level at every seam)."""
    peak = float(np.abs(audio).max()) if audio.size else 0.0
    report.values["restored peak (dBFS)"] = _dbfs(peak)
    target = 10 ** (FIT_TARGET_DBFS / 20)
    if mode == FIT_PEAKS[1] and peak > target:
        gain = target / peak
        audio = audio * np.float32(gain)
        report.values["make-up gain (dB)"] = round(20 * math.log10(gain), 2)
        report.values["peak after make-up (dBFS)"] = _dbfs(float(np.abs(audio).max()))
    # the status line when the job ends: what was restored and where the peaks went
    restored = report.values.get("clipped samples")  # summed over the chunks
    if restored is not None and audio.size:
        report.values["clipped (%)"] = round(100 * restored / audio.size, 3)
    report.summary = (f"{restored} samples restored, " if restored is not None else "") + \
        f"peak {_dbfs(peak):+.1f} dBFS" + (
            f", {report.values['make-up gain (dB)']:+.1f} dB make-up"
            if "make-up gain (dB)" in report.values else "")
    return audio


def _dbfs(peak: float) -> float:
    return round(20 * math.log10(max(peak, 1e-10)), 2)  # silence: -200


@operation(
    id="restore.declip", title="De-clip", category="restore",
    params=[
        Float("threshold_high", default=0.0, lo=0.0, hi=1.0, unit="FS", special=(0.0, "detect"),
              help="positive clip level; 0 = detect (the level where the samples pile up, "
                   "also under hum or hiss added after the clipping)"),
        Float("threshold_low", default=0.0, lo=-1.0, hi=0.0, unit="FS", special=(0.0, "detect"),
              help="negative clip level; 0 = detect"),
        Float("margin", default=0.0, lo=0.0, hi=0.2,
              help="soft clipping: samples within this fraction of the level count as clipped"),
        Choice("algorithm", default="S-SPADE", options=("S-SPADE", "A-SPADE"),
               help="S-SPADE (consistent synthesis variant, Záviška 2019) or A-SPADE "
                    "(analysis, Kitić 2015): equal quality in the survey, S-SPADE converges "
                    "faster"),
        Choice("window", default="8192", options=("1024", "2048", "4096", "8192"),
               help="frame length in samples at 44.1 kHz, scaled to the rate (8192 = 186 ms, "
                    "as in the declipping survey; shorter frames are faster and worse)"),
        Choice("effort", default="high", options=tuple(EFFORT),
               help="sparsity schedule: 'high' (the declipping survey's A-SPADE quality, "
                    "real time on two cores), 'best' (0.15 dB more on heavy clipping, 1.2x "
                    "the time), 'balanced' (0.75x the time of high, 0.3 dB less), 'fast' "
                    "(about 0.5x, 2 dB less), 'survey' (the published schedule, about 6x)"),
        Int("iterations", default=1000, lo=10, hi=20000, help="most iterations per frame"),
        Choice("fit_peaks", default="none", options=FIT_PEAKS,
               help="restored peaks rise above the clip level, often over 0 dBFS: 'scale to "
                    "-0.1 dBFS' lowers the whole result by one gain so they fit (an integer "
                    "file would clip them again); 'none' keeps the level"),
    ],
    chunk=Chunking(seconds=10.0, overlap=0.25),
    finish=lambda audio, p, report: fit_peaks(audio, p.fit_peaks, report),
)
def run(inputs: Inputs, p, ctx) -> Result:
    """Restore the peaks of clipped audio (SPADE, Kitić et al. 2015; Záviška et al. 2019)."""
    x = inputs.audio
    # the frame keeps its duration at any rate (a power of two for the FFT)
    frame = 1 << max(8, round(math.log2(int(p.window) * inputs.sample_rate / 44100)))
    r, growth = EFFORT[p.effort]
    algorithm = "sspade" if p.algorithm == "S-SPADE" else "aspade"
    out = x.clone()
    clipped = 0
    values: dict = {}
    for c in range(x.shape[0]):
        y = x[c]
        if p.threshold_high > 0 or p.threshold_low < 0:
            hi_t = p.threshold_high if p.threshold_high > 0 else None
            lo_t = p.threshold_low if p.threshold_low < 0 else None
            # a given level: samples at or beyond it (less the margin) are clipped
            high = y >= hi_t * (1 - p.margin) if hi_t else torch.zeros_like(y, dtype=torch.bool)
            low = y <= lo_t * (1 - p.margin) if lo_t else torch.zeros_like(y, dtype=torch.bool)
        else:
            high, low, hi_t, lo_t = detect_clipping(y, p.margin)
        n_clip = int(high.sum() + low.sum())
        s, e = inputs.own or (0, y.shape[-1])  # a chunk counts its own part only
        clipped += int(high[s:e].sum() + low[s:e].sum())
        values[f"ch{c + 1} levels"] = (f"{'-' if hi_t is None else round(hi_t, 4)} / "
                                       f"{'-' if lo_t is None else round(lo_t, 4)}")
        base = c / x.shape[0]

        def tick(done, total, base=base, c=c):
            ctx.progress(base + done / max(total, 1) / x.shape[0],
                         f"channel {c + 1}: {total - int(done)} of {total} clipped frames left")
        if n_clip:
            gain = SURVEY_RMS / max(float(y.pow(2).mean().sqrt()), 1e-9)
            # the stopping test once per sparsity step (every r iterations) instead of every
            # iteration: a tenth less time, the same quality (declip_schedules.py)
            res, _ = declip(y * gain, high, low, frame=frame, hop=frame // 4,
                            max_iter=p.iterations, r=r, growth=growth, redundancy=2,
                            algorithm=algorithm, check_every=r, on_progress=tick)
            res /= gain
            # back at the input's level, the reliable samples are the input's, bit for bit
            out[c] = project_consistent(res, y, high, low)
    ctx.progress(1.0, "done")
    values = {"clipped samples": clipped,
              "clipped (%)": round(100 * clipped / max(1, x.numel()), 3), **values}
    return Result(audio=out, report=Report(values=values, totals=["clipped samples"]))
