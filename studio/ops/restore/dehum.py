"""restore.dehum: remove mains hum (50/60 Hz with drift) and its harmonics."""
from __future__ import annotations

import numpy as np
import torch

from studio.dsp.hum import cancel_harmonics, detect_fundamental, looks_like_hum, notch, track_phase
from studio.engine.operation import Chunking, Curve, Inputs, Report, Result, operation
from studio.engine.params import Choice, Float, Int, Bool
from studio.errors import TooShort


@operation(
    id="restore.dehum", title="Hum removal", category="restore",
    params=[
        Choice("mains", default="auto", options=("auto", "50", "60"),
               help="the mains frequency; auto finds the stronger of the two"),
        Int("harmonics", default=8, lo=1, hi=40, help="how many harmonics to remove"),
        Choice("method", default="canceller", options=("canceller", "notch"),
               help="canceller: subtract a fitted hum (least damage); notch: filters"),
        Float("q", default=400.0, lo=2.0, hi=1000.0, log=True,
              help="notch Q; for the canceller, the fit length in hum periods"),
        Bool("hum_only", default=False, help="output the removed hum only"),
    ],
    chunk=Chunking(seconds=30.0, overlap=1.0),
)
def run(inputs: Inputs, p, ctx) -> Result:
    """Find the hum fundamental, then cancel it with its harmonics."""
    x = inputs.audio
    sr = inputs.sample_rate
    if x.shape[-1] < sr // 5:
        raise TooShort(frames=sr // 5)  # the runner names the op and the input's length
    ctx.progress(0.0, "finding the hum")
    nominal = None if p.mains == "auto" else float(p.mains)
    f0, strength, heights = detect_fundamental(x, sr, nominal, detail=True)
    if not looks_like_hum(heights, x.shape[-1] / sr):
        ctx.progress(1.0, "no hum found")
        # left as it is: see looks_like_hum
        return Result(audio=torch.zeros_like(x) if p.hum_only else x, report=Report(
            values={"fundamental (Hz)": "none", "hum prominence (dB)": round(strength, 1),
                    "hum found": "no"},
            text="No mains hum found (no peak at the fundamental nor at two or more harmonics "
                 "of any frequency near 50 or 60 Hz); the audio is left unchanged."))
    ctx.progress(0.3, f"hum at {f0:.2f} Hz")
    if p.method == "notch":
        hum = x - notch(x, sr, [h * f0 for h in range(1, p.harmonics + 1)
                                if h * f0 < sr / 2 - 20], p.q)
        track = np.array([f0])
        times = np.array([0.0])
    else:
        # fit length: q hum periods (q=400: 8 s at 50 Hz). Mains hum keeps its level over
        # seconds while music and speech near a harmonic come and go: the longer the fit,
        # the more of their quiet moments the weighted estimate can use
        phase = track_phase(x, sr, f0, p.harmonics, fit_seconds=p.q / f0)
        ctx.progress(0.6, "cancelling")
        hum = cancel_harmonics(x, phase, p.q / f0, p.harmonics, sr, f0)
        inst = torch.diff(phase) * sr / (2 * torch.pi)
        step = max(1, sr // 10)
        track = inst[: len(inst) // step * step].reshape(-1, step).mean(-1).cpu().numpy()
        times = (np.arange(len(track)) + 0.5) * step / sr
        f0 = float(inst.mean())
    out = hum if p.hum_only else x - hum
    ctx.progress(1.0, "done")
    hum_db = 10 * torch.log10((hum ** 2).mean() / (x ** 2).mean().clamp_min(1e-20))
    report = Report(values={"fundamental (Hz)": round(f0, 3), "hum level (dB)": float(hum_db),
                            "hum prominence (dB)": round(strength, 1), "hum found": "yes"},
                    curves=[Curve(times, track, "time (s)", "fundamental (Hz)", "hum")])
    return Result(audio=out, report=report)
