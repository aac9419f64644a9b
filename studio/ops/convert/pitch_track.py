"""Pitch track (f0 with voicing) of the selection, drawn over the spectrogram."""
from __future__ import annotations

import torch

from studio.dsp.voice.f0 import F0_MAX, F0_MIN, frame_length, track_f0
from studio.engine.operation import Curve, Report, Result, operation
from studio.engine.params import Float


@operation(id="analyze.pitch", title="Pitch track", category="analyze", returns_audio=False,
           params=[
               Float("fmin", default=F0_MIN, lo=20.0, hi=2000.0, unit="Hz", log=True,
                     help="Lowest pitch to look for"),
               Float("fmax", default=F0_MAX, lo=40.0, hi=4000.0, unit="Hz", log=True,
                     help="Highest pitch to look for"),
           ])
def run(inputs, p, ctx) -> Result:
    """Probabilistic YIN (pYIN) with Viterbi smoothing: f0 in Hz where the sound is voiced."""
    from studio.errors import StudioError, TooShort
    if p.fmin >= p.fmax:
        raise StudioError(f"fmin ({p.fmin:g} Hz) must be below fmax ({p.fmax:g} Hz)")
    if inputs.audio.shape[-1] < frame_length(inputs.sample_rate, p.fmin):
        raise TooShort(frames=frame_length(inputs.sample_rate, p.fmin))  # not one period pair
    ctx.progress(0.0, "tracking pitch")
    track = track_f0(inputs.audio.float(), inputs.sample_rate, p.fmin, p.fmax,
                     progress=lambda f: ctx.progress(f, "tracking pitch"))
    ctx.progress(1.0, "done")
    times = (track.times + inputs.offset / inputs.sample_rate).cpu().numpy()
    curves, medians = [], []
    for c in range(track.f0.shape[0]):
        f0 = track.f0[c]
        shown = torch.where(track.voiced[c], f0, torch.full_like(f0, float("nan")))
        curves.append(Curve(x=times, y=shown.cpu().numpy(), x_label="time (s)",
                            y_label="f0 (Hz)", name=f"f0 channel {c + 1}",
                            overlay="spectrogram"))
        v = f0[track.voiced[c]]
        medians.append(float(v.median()) if v.numel() else 0.0)
    return Result(report=Report(
        values={"median_f0_hz": round(medians[0], 2),
                "voiced_fraction": round(float(track.voiced.float().mean()), 3)},
        curves=curves,
        data={"times": times, "f0": track.f0.cpu().numpy(), "voiced": track.voiced.cpu().numpy(),
              "voiced_prob": track.voiced_prob.cpu().numpy()}))
