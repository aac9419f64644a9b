"""Band-pass filter: keeps a band around the centre frequency (biquad, 0 dB peak gain)."""
from studio.engine.operation import Result, operation
from studio.ops.filter._common import CHUNK, freq, run_biquad, shape_params


@operation(id="filter.bandpass", title="Band-pass filter", chunk=CHUNK,
           params=[freq("center", 1000.0, "Centre frequency"), *shape_params()])
def run(inputs, p, ctx) -> Result:
    """Keep a band around the centre frequency; Q sets its width (centre / bandwidth)."""
    return run_biquad("bandpass", p.center, inputs, p)
