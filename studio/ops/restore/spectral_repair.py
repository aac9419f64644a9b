"""restore.spectral_repair: redraw a rectangle of the spectrogram (a tone burst, a cough over
a chord, a phone ringing) from its surroundings, as RX's Spectral Repair does. In the window
the rectangle is the selection with its band (drag in the spectrogram); the op reads audio
around it (`context_seconds`). On the command line t_start/t_end and f_lo/f_hi name it."""
from __future__ import annotations

from studio.engine.operation import Report, Result, operation
from studio.engine.params import Choice, Float
from studio.errors import StudioError
from studio.models.restoration.api import repair_region
from studio.models.restoration.levels import level_vs_sides
from studio.ops.restore import _diffusion as D

MAX_SECONDS = 2.0


@operation(
    id="restore.spectral_repair", title="Spectral repair", category="restore",
    params=[
        Float("t_start", default=-1.0, unit="s", in_form=False,
              help="region start from the input's start (command line; the window uses the "
                   "selection)"),
        Float("t_end", default=-1.0, unit="s", in_form=False, help="region end (command line)"),
        Float("f_lo", default=-1.0, unit="Hz", in_form=False,
              help="region's lowest frequency (command line; the window uses the selection's "
                   "band)"),
        Float("f_hi", default=-1.0, unit="Hz", in_form=False,
              help="region's highest frequency (command line)"),
        D.steps_param(),
        D.seed_param(),
        D.level_param(),
        Choice("redraw", default="what stands out", options=("what stands out", "everything"),
               help="what stands out: only what rises above the level around it (a whistle, "
                    "a cough) is redrawn, the rest of the rectangle is kept; everything: the "
                    "whole rectangle is redrawn"),
    ],
    example={"t_start": 0.1, "t_end": 0.3, "f_lo": 1000.0, "f_hi": 2000.0, "steps": 2},
    min_seconds=0.4,
    context_seconds=0.4,
)
def run(inputs, p, ctx) -> Result:
    """Redraw the selected time-frequency region from the audio around it."""
    x, rate = inputs.audio, inputs.sample_rate
    n = x.shape[-1]
    if inputs.context:
        s, e = int(inputs.context[0]), n - int(inputs.context[1])
    elif p.t_end > p.t_start >= 0:
        s, e = int(round(p.t_start * rate)), int(round(p.t_end * rate))
    else:
        raise StudioError("Spectral repair needs a region: drag one in the spectrogram, or set "
                          "t_start, t_end, f_lo and f_hi")
    band = inputs.freq_range or ((p.f_lo, p.f_hi) if p.f_hi > p.f_lo >= 0 else None)
    if band is None:
        raise StudioError("Spectral repair needs the region's band: select it in the "
                          "spectrogram (drag up or down too), or set f_lo and f_hi")
    if not (0 <= s < e <= n):
        raise StudioError("the region lies outside the audio")
    if (e - s) / rate > MAX_SECONDS:
        raise StudioError(f"select at most {MAX_SECONDS:.0f} s: the model redraws a region "
                          "from the audio around it")
    ctx.progress(0.0, "loading the restorer")
    model = D.restorer(ctx)
    out = repair_region(x.to(ctx.device), rate, s, e, (float(band[0]), float(band[1])),
                        steps=p.steps, seed=p.seed, progress=ctx.progress, model=model,
                        match_level=p.match_level,
                        only_what_stands_out=p.redraw == "what stands out")
    ctx.progress(1.0, "done")
    lo, hi = float(band[0]), float(band[1])
    # the band's level against the same band on both sides: a burst or a cough stands out
    # above 0 dB before; after, near 0 dB, the region blends with what surrounds it
    before = round(level_vs_sides(x, rate, s, e, (lo, hi)), 1)
    after = round(level_vs_sides(out, rate, s, e, (lo, hi)), 1)
    return Result(audio=out, report=Report(values={
        "band (Hz)": f"{lo:.0f}-{hi:.0f}",
        "band vs sides, before (dB)": before,
        "band vs sides, after (dB)": after,
        "region (s)": round((e - s) / rate, 3)},
        # the status bar's line: the headline's three labelled values did not fit in it
        summary=f"{lo:.0f}-{hi:.0f} Hz, {before:+.1f} dB over its sides before, "
                f"{after:+.1f} dB after"))
