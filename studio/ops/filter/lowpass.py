"""Low-pass filter: attenuates frequencies above the cutoff (biquad, 12 dB/octave per stage)."""
from studio.engine.operation import Result, operation
from studio.ops.filter._common import CHUNK, freq, run_biquad, shape_params


@operation(id="filter.lowpass", title="Low-pass filter", chunk=CHUNK,
           params=[freq("cutoff", 8000.0, "Cutoff frequency (-3 dB at Q 0.707)"),
                   *shape_params()])
def run(inputs, p, ctx) -> Result:
    """Attenuate frequencies above the cutoff."""
    return run_biquad("lowpass", p.cutoff, inputs, p)
