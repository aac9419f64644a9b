"""Variations of a clip (SDEdit): noise the selection part of the way, then denoise it back."""
from __future__ import annotations

from studio.engine.operation import Report, Result, operation
from studio.engine.params import Float
from studio.models.diffusion import pitch as P
from studio.ops.generate import _common as g


@operation(
    id="generate.variation", title="Variation", min_seconds=0.02,
    params=[
        g.model_param(),
        Float("strength", default=0.3, lo=0.0, hi=1.0, step=0.05,
              help="How far to noise the clip before denoising it (0 = unchanged, 1 = a "
                   "new clip); Dance Diffusion's default is 0.3"),
        g.class_param(default=g.AUTO,
                      help="Class to pull the variation towards: auto = the class the model "
                           "hears in the selection; empty = none (the clip alone decides)"),
        g.sampler_param(),
        g.steps_param(),
        g.guidance_param(),
        g.seed_param(),
        g.count_param(),
    ],
    example={"steps": 2, "seed": 1, "sampler": "dpmpp_2m"})
def run(inputs, p, ctx) -> Result:
    """A new take that keeps the selection's character: the clip, mixed to mono at the model's
    rate, is noised to the level `strength` sets and denoised by the model. The result comes
    back at the selection's rate, length and channel count (every channel the same), so it can
    replace the selection; content above the model's band (8 kHz for the bundled model) is
    lost."""
    x, rate = inputs.audio, inputs.sample_rate
    channels, frames = x.shape
    seed = g.base_seed(p.seed)
    values = {"seed": seed, "strength": p.strength}
    if p.strength == 0:  # nothing to vary: the input itself, bit for bit
        return Result(audio=x, report=Report(values=values, text="strength 0: unchanged"))
    ctx.progress(0.0, "loading the model")
    model = g.load_model(p, ctx)
    ctx.progress(0.02, "listening to the selection")
    clip, gain = g.to_model(x, rate, model, "the selection")
    n = clip.shape[0]
    padded = g.fit(clip, model.frames(n / model.sample_rate))
    hz = g.own_pitch(model, clip)  # a pitch model keeps the selection's note
    if hz is not None:
        values["pitch"] = P.note_name(hz) or "(none)"
    style = model.style_for(n / model.sample_rate)
    label = g.heard_label(model, p["class"], clip, hz, progress=lambda f: ctx.progress(
        0.05 + 0.05 * f, "hearing its class"), style=style)
    work = ctx.subspan(0.1, 1.0)  # the denoising, take by take
    values["class"] = g.class_value(model, p["class"], label)
    outs = []
    for k in range(p.count):
        y = model.variation(padded, p.strength, 1, label, sampler=p.sampler, steps=p.steps,
                            guidance=p.guidance, generator=g.generator(ctx.device, seed + k),
                            progress=g.span(work, k, p.count, f"take {k + 1} of {p.count}"),
                            pitch=hz, style=style)
        outs.append(g.from_model(y[0, :n], model, rate, frames, channels, gain))
    takes = [(f"take {k + 1} seed {seed + k}", o) for k, o in enumerate(outs)] \
        if p.count > 1 else []
    values["model_rate_hz"] = model.sample_rate  # the key names its unit: "16 000 Hz"
    return Result(audio=outs[0], takes=takes, report=Report(values=values))
