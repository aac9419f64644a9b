"""Change instrument by the diffusion prior: a monophonic line re-played note by note by a
class of a controls model (studio.models.controls.convert)."""
from __future__ import annotations

from torchaudio import functional as AF

from studio.engine.operation import Marker, Report, Result, operation
from studio.engine.params import Model
from studio.errors import StudioError
from studio.models.diffusion import pitch as P
from studio.ops.generate import _common as g


@operation(
    id="convert.instrument", title="Change instrument (diffusion)", min_seconds=0.1,
    params=[
        Model("model", default="controls", family="diffusion",
              help="A controls model (generator v2): the bundled 'controls', or one trained "
                   "or fine-tuned on your own sounds"),
        g.class_param(default="strings",
                      help="The instrument to play the line: one of the model's classes"),
        g.sampler_param(),
        g.steps_param(),
        g.guidance_param(),
        g.seed_param(),
    ],
    example={"steps": 2, "seed": 1, "sampler": "dpmpp_2m", "class": "strings"})
def run(inputs, p, ctx) -> Result:
    """Re-play a monophonic line (a melody on one instrument, a sung or whistled tune) on
    another instrument the model knows: the line's notes, timing and dynamics, the
    instrument's own attack, vibrato, partials and noise. The result comes back at the
    selection's rate, length and channel count."""
    from studio.models.controls.convert import convert_line
    x, rate = inputs.audio, inputs.sample_rate
    channels, frames = x.shape
    ctx.progress(0.0, "loading the model")
    model = g.load_model(p, ctx)
    if not getattr(model, "render", None) or not model.cfg.controls.frame_rate:
        raise StudioError("Change instrument (diffusion) needs a controls model (such as "
                          "'controls'); this one generates waveforms")
    label = g.label(model, p["class"])
    if label is None:
        raise StudioError("choose the instrument (class) to play the line")
    mono = x.float().mean(dim=0).cpu()
    # pYIN at the input's rate, up to 48 kHz (the rendering is at the input's rate too)
    work = mono if rate <= 48000 else AF.resample(mono, rate, 48000)
    work_rate = min(rate, 48000)
    ctx.progress(0.05, "finding the notes")
    seed = g.base_seed(p.seed)
    y, notes = convert_line(model, work, work_rate, label, p.steps, p.guidance, p.sampler,
                            g.generator(ctx.device, seed),
                            lambda f: ctx.progress(0.1 + 0.9 * f, "playing the notes"))
    if not notes:
        raise StudioError("no notes found: the selection holds no pitched line")
    if work_rate != rate:
        y = AF.resample(y, work_rate, rate)
    out = g.fit(y, frames)[None].expand(channels, -1).contiguous().to(x.dtype)
    markers = [Marker(nt.start, P.note_name(P.midi_to_hz(nt.midi)), nt.end - nt.start)
               for nt in notes]
    return Result(audio=out, report=Report(
        values={"class": p["class"], "notes": len(notes), "seed": seed},
        markers=markers,
        summary=f"played {len(notes)} notes as {p['class']} (seed {seed})"))
