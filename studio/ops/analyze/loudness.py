"""Loudness measurement (ITU-R BS.1770-4, EBU R 128): integrated loudness, momentary and
short-term maxima, loudness range, sample peak and true peak, and the short-term curve."""
import math

import numpy as np

from studio.engine.operation import Curve, Report, Result, operation
from studio.ops.analyze import _bs1770 as bs


def _finite(v: float) -> float | None:
    return round(v, 2) if math.isfinite(v) else None  # JSON has no -inf; None = silence


@operation(id="analyze.loudness", title="Loudness", returns_audio=False, params=[],
           min_seconds=bs.BLOCK_SECONDS)
def run(inputs, p, ctx) -> Result:
    """Integrated loudness (LUFS), loudness range, peak and true peak of the selection."""
    x, sr = inputs.audio, inputs.sample_rate
    seg, step = bs.segment_energy(x, sr)
    ctx.progress(0.3, "K-weighting")
    integrated = bs.integrated(seg)
    momentary = bs.window_loudness(seg, 4)
    short = bs.window_loudness(seg, 30)
    lra = bs.loudness_range(short) if short.numel() else 0.0
    peak = float(x.abs().max())
    true_peak = bs.true_peak(x, sr, progress=lambda f: ctx.progress(0.4 + 0.6 * f, "true peak"))
    report = Report(values={
        "integrated_lufs": _finite(integrated),
        "momentary_max_lufs": _finite(float(momentary.max())) if momentary.numel() else None,
        "short_term_max_lufs": _finite(float(short.max())) if short.numel() else None,
        "loudness_range_lu": round(lra, 2),
        "sample_peak_dbfs": _finite(bs.db(peak)),
        "true_peak_dbtp": _finite(bs.db(true_peak)),
    }, headline=["integrated_lufs", "loudness_range_lu", "true_peak_dbtp"])
    if short.numel():
        # window k covers segments [k, k + 30): stamp it at its end, as a meter shows it
        t = (np.arange(short.numel()) + 30) * step / sr
        y = np.maximum(short.cpu().numpy(), bs.ABS_GATE)
        report.curves.append(Curve(x=t, y=y, x_label="time (s)", y_label="LUFS",
                                   name="short-term loudness"))
    return Result(report=report)
