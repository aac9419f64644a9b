"""Instrument timbre conversion, DDSP-style: the pitch and loudness of a monophonic source
play a harmonic-plus-noise synthesiser voiced by a learned timbre model."""
from __future__ import annotations

import torch

from studio.dsp.voice import timbre_model as tm
from studio.engine.operation import Chunking, Curve, Report, Result, operation
from studio.engine.params import Bool, Float, Model
from studio.ops.convert import _timbre_presets as presets
from studio.ops.convert._common import IF_POLYPHONIC, monophony_gate


@operation(
    id="convert.timbre", title="Change instrument", chunk=Chunking(seconds=30.0, overlap=0.5),
    params=[
        Model("model", default="violin", family="timbre",
              help="Timbre preset: violin, cello, flute, clarinet, trumpet, saxophone, ... "
                   "or one learned with 'Learn timbre' (name or file)"),
        Float("transpose", default=0.0, lo=-24.0, hi=24.0, unit="semitones",
              help="Shift the played pitch"),
        Bool("note_shape", default=True,
             help="Play each note with the model instrument's loudness contour (attack, "
                  "sustain) instead of the source's"),
        Float("noise", default=0.0, lo=-30.0, hi=12.0, unit="dB",
              help="Raise or lower the model's noise (bow, breath) against its harmonics"),
        IF_POLYPHONIC,
    ])
def run(inputs, p, ctx) -> Result:
    """Re-play a monophonic recording (voice, whistle, piano line) on another instrument."""
    model = presets.load(p.model)
    x, sr = inputs.audio.float(), inputs.sample_rate
    ctx.progress(0.0, "analysing")
    track, loud = tm.analyze_source(x, sr, progress=lambda f: ctx.progress(0.25 * f,
                                                                           "analysing"))
    ctx.progress(0.27, "checking for one voice")
    mono, note = monophony_gate("Change instrument", x, sr, track, p.if_polyphonic)
    ctx.progress(0.3, "shaping")
    f0 = track.filled() * 2 ** (p.transpose / 12)
    hop_s = track.hop / sr
    if p.note_shape and model.config.get("note_shape_db"):
        loud = torch.stack([tm.apply_note_shape(loud[c], track.f0[c], track.voiced[c], hop_s,
                                                model.config["note_shape_db"])
                            for c in range(loud.shape[0])])
    out = tm.render(model, f0, track.voiced, loud, track.hop, x.shape[-1], sr, ctx.generator,
                    noise_gain_db=p.noise,
                    progress=lambda f: ctx.progress(0.35 + 0.65 * f, "synthesising"))
    times = track.times.cpu().numpy()
    shown = torch.where(track.voiced[0], f0[0], torch.full_like(f0[0], float("nan")))
    return Result(audio=out, report=Report(
        values={"model": model.config.get("name", p.model),
                "voiced_fraction": round(float(track.voiced.float().mean()), 3),
                "monophonic": mono.ok},
        curves=[Curve(x=times, y=shown.cpu().numpy(), x_label="time (s)", y_label="f0 (Hz)",
                      name="played f0")],
        text=note))
