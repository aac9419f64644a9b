"""Generate new clips from a diffusion model: one-shots of a class, from noise."""
from __future__ import annotations

from studio.engine.operation import InputKind, Report, Result, operation
from studio.engine.params import Float, Int
from studio.models.diffusion import pitch as P
from studio.ops.generate import _common as g


@operation(
    id="generate.sample", title="Generate clip", inputs=InputKind.NONE, changes_length=True,
    params=[
        g.model_param(),
        g.class_param(),
        g.pitch_param(),
        Float("duration", default=0.0, lo=0.0, hi=g.MAX_SECONDS, unit="s",
              special=(0.0, "model's length"),
              help="Length of each clip; 0 = the model's clip length (bundled: 1.536 s)"),
        Int("velocity", default=100, lo=1, hi=127,
            help="How hard the note is played (controls models; the waveform model ignores "
                 "it): brighter and louder as it rises (the clip peaks at 0.8 x velocity/127)"),
        g.sampler_param(),
        g.steps_param(),
        g.guidance_param(),
        Float("churn", default=0.0, lo=0.0, hi=100.0,
              help="heun only: noise added back along the way (EDM's S_churn); 0 = the "
                   "deterministic ODE"),
        g.seed_param(),
        g.count_param(),
    ],
    example={"steps": 2, "duration": 0.2, "seed": 1, "sampler": "dpmpp_2m"})
def run(inputs, p, ctx) -> Result:
    """Generate clips from noise with the reverse diffusion process, optionally of one class;
    several takes with consecutive seeds."""
    model = g.load_model(p, ctx)
    label = g.label(model, p["class"])
    want = int(round(p.duration * model.sample_rate)) if p.duration else model.clip_frames
    frames = model.frames(want / model.sample_rate)
    seed = g.base_seed(p.seed)
    style = model.style_for(want / model.sample_rate, p.velocity)
    clips, notes = [], []
    for k in range(p.count):
        # one generator per take: take k is remade alone with seed + k
        hz = g.take_pitch(model, p.pitch, p["class"], seed + k)
        x = model.sample(1, label, frames, sampler=p.sampler, steps=p.steps,
                         guidance=p.guidance, churn=p.churn,
                         generator=g.generator(ctx.device, seed + k),
                         progress=g.span(ctx, k, p.count, f"take {k + 1} of {p.count}"),
                         pitch=hz, style=style)
        clips.append(model.at_playing_level(g.fit(x[0].float(), max(want, 1))[None],
                                            p.velocity))
        notes.append(P.note_name(hz) if hz else "")
    takes = [(" ".join(filter(None, [f"take {k + 1} seed {seed + k}", notes[k]])), c)
             for k, c in enumerate(clips)] if p.count > 1 else []
    peak = max(float(c.abs().max()) for c in clips)
    return Result(audio=clips[0], sample_rate=model.sample_rate, takes=takes,
                  report=Report(values={"seed": seed, "class": p["class"] or "(none)",
                                        **({"pitch": notes[0] or "(none)"}
                                           if model.pitched else {}),
                                        "sample_rate": model.sample_rate,
                                        "seconds": round(want / model.sample_rate, 3),
                                        "network_evaluations": _evaluations(p),
                                        "peak": round(peak, 4)}))


def _evaluations(p) -> int:
    from studio.models.diffusion.samplers import evaluations
    per_take = evaluations(p.sampler, p.steps) * (2 if p["class"] and p.guidance != 1 else 1)
    return per_take * p.count

