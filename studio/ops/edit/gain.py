"""Gain: change the level by a number of decibels (a factor of exactly 10^(dB/20))."""
from studio.engine.operation import Chunking, Result, operation
from studio.engine.params import Float


@operation(id="edit.gain", title="Gain",
           params=[Float("db", default=0.0, lo=-96.0, hi=48.0, unit="dB", step=0.1, label="Gain",
                         help="Level change: negative is quieter")],
           chunk=Chunking(seconds=60.0, overlap=0.0))  # per sample: chunks need no overlap
def run(inputs, p, ctx) -> Result:
    """Multiply every sample by 10^(dB/20)."""
    return Result(audio=inputs.audio * (10.0 ** (p.db / 20.0)))
