"""Learn a timbre preset from an example recording of one instrument."""
from __future__ import annotations

import time
from pathlib import Path

from studio.dsp.voice import timbre_model as tm
from studio.engine.operation import Extra, Report, Result, operation
from studio.engine.params import File, Int
from studio.errors import StudioError
from studio.ops.convert import _timbre_presets as presets

MIN_SECONDS = 3.0


@operation(
    id="convert.learn_timbre", title="Learn timbre", returns_audio=False,
    # the op refuses less than MIN_SECONDS; a quick fit keeps the runnable example short
    min_seconds=MIN_SECONDS, example={"steps": 50},
    extras=(Extra("example", required=False, source="selection",
                  help="10 s or more of one instrument playing notes (default: the selection)"),),
    params=[
        File("output", default="", must_exist=False, filter="Timbre preset (*.json)",
             help="Where to write the preset (.json + .safetensors); empty: your presets "
                  "folder, named after the time"),
        Int("steps", default=600, lo=50, hi=10000, help="Training steps (more fits closer)"),
    ])
def run(inputs, p, ctx) -> Result:
    """Measure how loud each harmonic and noise band is at each pitch and loudness, and fit
    a small network to it (seconds on a CPU). Use the preset with 'Change instrument'."""
    if "example" in inputs.extras:
        audio, sr = inputs.extras["example"]
    else:
        audio, sr = inputs.audio, inputs.sample_rate
    x = audio.float().mean(0).cpu()  # one instrument: channels are pooled
    seconds = x.shape[-1] / sr
    if seconds < MIN_SECONDS:
        raise StudioError(f"the example is {seconds:.1f} s long; give {MIN_SECONDS:g} s at "
                          "least (10 s or more is best) of one instrument")
    out = Path(p.output) if p.output else \
        presets.user_dir() / time.strftime("learned-%Y%m%d-%H%M%S.json")
    name = out.with_suffix("").name
    model = tm.learn(x, sr, name=name, steps=p.steps, seed=ctx.seed,
                     progress=lambda f: ctx.progress(f, "learning timbre"))
    try:
        st, js = model.save(out)
    except OSError as e:
        raise StudioError(f"cannot write the timbre preset to {out}: {e.strerror or e}") from None
    c = model.config
    text = "" if seconds >= 10 else "the example is shorter than 10 s: the model may be rough"
    return Result(report=Report(
        values={"preset": str(js), "name": name, "frames": c["frames"],
                "pitch_range_midi": f"{c['pitch_range'][0]:.0f}-{c['pitch_range'][1]:.0f}",
                "fit_rms_db": c["fit_rms_db"], "train_seconds": c["train_seconds"],
                "size_kb": round((st.stat().st_size + js.stat().st_size) / 1024, 1)},
        text=text))
