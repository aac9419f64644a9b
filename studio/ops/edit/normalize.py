"""Normalize: scale the selection so its peak (dBFS) or its integrated loudness (LUFS, ITU-R
BS.1770) reaches a target. One gain for all channels, so the stereo image is kept."""
import math

from studio.engine.operation import Report, Result, operation
from studio.engine.params import Choice, Float
from studio.ops.analyze import _bs1770 as bs


@operation(id="edit.normalize", title="Normalize", params=[
    Choice("mode", default="peak", options=("peak", "loudness"),
           help="Match the sample peak or the integrated loudness"),
    Float("peak_dbfs", default=-1.0, lo=-60.0, hi=0.0, unit="dBFS", help="Target peak"),
    Float("lufs", default=-23.0, lo=-70.0, hi=0.0, unit="LUFS",
          help="Target loudness (EBU R 128: -23, streaming: -14, podcasts: -16)"),
])
def run(inputs, p, ctx) -> Result:
    """Scale to a target peak or loudness (the whole selection: not chunked)."""
    x = inputs.audio
    if p.mode == "peak":
        measured, target, unit = bs.db(float(x.abs().max())), p.peak_dbfs, "dBFS"
    else:
        seg, _ = bs.segment_energy(x, inputs.sample_rate)
        measured, target, unit = bs.integrated(seg), p.lufs, "LUFS"
    if not math.isfinite(measured):
        ctx.log("the selection is silent: left unchanged")
        return Result(audio=x, report=Report(values={"gain_db": 0.0}))
    gain_db = target - measured
    ctx.log(f"measured {measured:.2f} {unit}, gain {gain_db:+.2f} dB")
    return Result(audio=x * (10.0 ** (gain_db / 20.0)),
                  report=Report(values={f"measured_{unit.lower()}": round(measured, 2),
                                        "gain_db": round(gain_db, 2)}))
