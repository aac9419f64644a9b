"""Morph between two clips: invert both to their noise latents with the probability-flow ODE,
interpolate the latents spherically and decode each point back to a clip."""
from __future__ import annotations

import torch

from studio.engine.operation import Extra, Report, Result, operation
from studio.models.diffusion import pitch as P
from studio.ops.generate import _common as g


@operation(
    id="generate.interpolate", title="Interpolate clips", changes_length=True,
    min_seconds=0.02,
    extras=(Extra("other", help="The clip to morph towards (the selection is the start)",
                  source="clip"),),
    params=[
        g.model_param(),
        g.count_param(default=5, hi=32, help="Clips from the selection to the other clip, "
                                             "both ends included (1 = the midpoint only)"),
        g.class_param("class_a", default=g.AUTO,
                      help="Class of the selection for the model: auto = the class the model "
                           "hears in it; empty = none"),
        g.class_param("class_b", default=g.AUTO,
                      help="Class of the other clip for the model: auto = the class the model "
                           "hears in it; empty = none"),
        # the inversion must be accurate for the ends to come back: on the bundled model the
        # bench's snare -> bass pair gives the bass back at 1.6 dB after 100 steps, 11.3 at
        # 200, 25.0 at 300 and 34.9 at 400 (40 s a pair at 300 on two cores)
        g.steps_param(300),
    ],
    example={"steps": 3, "count": 3})
def run(inputs, p, ctx) -> Result:
    """Clips that move from the selection to the other clip: both are inverted to noise
    latents by the ODE (deterministic, so the ends reproduce the inputs), the latents are
    interpolated spherically and decoded. The output is every clip end to end, at the
    selection's rate, each as long as the longer input; with count > 1 each clip is also
    returned on its own (the window lists each in its Clips bin)."""
    ctx.progress(0.0, "loading the model")
    model = g.load_model(p, ctx)
    ctx.progress(0.02, "listening to both ends")
    rate = inputs.sample_rate
    b_audio, b_rate = inputs.extras["other"]
    a, gain_a = g.to_model(inputs.audio, rate, model, "the selection")
    b, gain_b = g.to_model(b_audio, b_rate, model, "the other clip")
    n = max(a.shape[0], b.shape[0])
    frames = model.frames(n / model.sample_rate)
    out_frames = max(inputs.audio.shape[1], round(b_audio.shape[1] * rate / b_rate))
    # a pitch model is told each end's note, and the clips between glide from one to the other
    pa, pb = g.own_pitch(model, a), g.own_pitch(model, b)
    la = g.heard_label(model, p.class_a, a, pa, progress=lambda f: ctx.progress(
        0.03 + 0.03 * f, "hearing their classes"))
    lb = g.heard_label(model, p.class_b, b, pb, progress=lambda f: ctx.progress(
        0.06 + 0.03 * f, "hearing their classes"))
    work = ctx.subspan(0.1, 1.0)
    clips = model.interpolate(g.fit(a, frames), g.fit(b, frames), p.count, la, lb, p.steps,
                              progress=lambda f: work.progress(f, "inverting" if f < 0.4
                                                               else "decoding"),
                              pitch_a=pa, pitch_b=pb)
    ts = [k / (p.count - 1) for k in range(p.count)] if p.count > 1 else [0.5]
    channels = inputs.audio.shape[0]
    outs = []
    for clip, t in zip(clips, ts):
        gain = gain_a ** (1 - t) * gain_b ** t  # the level moves geometrically, like the sound
        outs.append(g.from_model(clip[:n], model, rate, out_frames, channels, gain))
    takes = [(f"{k + 1} of {p.count} (t={t:.2f})", o) for k, (o, t) in
             enumerate(zip(outs, ts))] if p.count > 1 else []
    return Result(audio=torch.cat(outs, dim=1), takes=takes,
                  report=Report(values={"clips": p.count, "clip_seconds":
                                        round(out_frames / rate, 3),
                                        "model_rate_hz": model.sample_rate,
                                        "class_a": g.class_value(model, p.class_a, la),
                                        "class_b": g.class_value(model, p.class_b, lb),
                                        **({"pitch_a": P.note_name(pa) or "(none)",
                                            "pitch_b": P.note_name(pb) or "(none)"}
                                           if model.pitched else {})}))
