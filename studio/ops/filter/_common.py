"""What the four biquad filter operations share: their parameters and their run."""
from __future__ import annotations

from studio.engine.operation import Chunking, Inputs, Result
from studio.engine.params import Bool, Float, Int, Params
from studio.ops.filter import _biquad

# IIR transients must die out inside the chunk join's guard band (a quarter of the overlap);
# 1 s is ~20 time constants of a Q=10 resonance at 50 Hz.
CHUNK = Chunking(seconds=60.0, overlap=4.0)


def freq(name: str, default: float, help: str) -> Float:
    return Float(name, default=default, lo=1.0, hi=96000.0, unit="Hz", log=True, help=help)


def shape_params(q_default: float = 0.707) -> list:
    return [
        Float("q", default=q_default, lo=0.1, hi=50.0, log=True,
              help="Quality factor: 0.707 is maximally flat, higher is sharper"),
        Int("stages", default=1, lo=1, hi=8,
            help="Biquad sections in cascade (each adds 12 dB/octave of slope)"),
        Bool("zero_phase", default=False,
             help="Filter forwards then backwards: no phase shift, twice the attenuation"),
    ]


def run_biquad(kind: str, frequency: float, inputs: Inputs, p: Params) -> Result:
    section = _biquad.design(kind, inputs.sample_rate, frequency, p.q)
    return Result(audio=_biquad.apply(inputs.audio, [section] * p.stages, p.zero_phase))
