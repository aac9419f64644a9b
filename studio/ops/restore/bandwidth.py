"""restore.bandwidth: give a low-passed recording (a telephone line, an old MP3, a tape) its
upper band back, drawn by the diffusion restorer from what lies below the cutoff. The band
below the cutoff is kept to the last bit; the cutoff is found in the recording's long-term
spectrum unless given."""
from __future__ import annotations

from studio.dsp.bandwidth import detect_cutoff
from studio.engine.operation import Chunking, Report, Result, operation
from studio.engine.params import Float
from studio.errors import StudioError
from studio.models.restoration.api import extend_bandwidth
from studio.ops.restore import _diffusion as D


@operation(
    id="restore.bandwidth", title="Restore bandwidth", category="restore",
    params=[
        Float("cutoff", default=0.0, lo=0.0, hi=96000.0, unit="Hz", special=(0.0, "find"),
              help="Where the recording's band ends; find = from its spectrum"),
        D.steps_param(),
        D.seed_param(),
    ],
    example={"cutoff": 4000.0, "steps": 2},
    min_seconds=0.1,
    # the cutoff is found per chunk: 30 s hold enough of any recording to show its band
    chunk=Chunking(seconds=30.0, overlap=0.5),
)
def run(inputs, p, ctx) -> Result:
    """Draw the band above the cutoff (found, or given) from the band below it."""
    x, rate = inputs.audio, inputs.sample_rate
    cutoff = p.cutoff or detect_cutoff(x, rate)
    if cutoff is None:
        raise StudioError("no band edge found: this recording already reaches "
                          f"{rate / 2000:.1f} kHz, or falls off gently; give the cutoff in Hz")
    if cutoff >= 0.95 * rate / 2:
        raise StudioError(f"a cutoff of {cutoff:.0f} Hz leaves nothing to restore below "
                          f"{rate / 2:.0f} Hz (half the sample rate)")
    ctx.progress(0.0, "loading the restorer")
    model = D.restorer(ctx)
    out = extend_bandwidth(x.to(ctx.device), rate, float(cutoff), steps=p.steps, seed=p.seed,
                           progress=ctx.progress, model=model)
    ctx.progress(1.0, "done")
    values = {"cutoff (Hz)": round(float(cutoff)), "found": "yes" if not p.cutoff else "no",
              "restored up to (Hz)": round(rate / 2)}
    return Result(audio=out, report=Report(values=values))
