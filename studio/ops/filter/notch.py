"""Notch filter: removes a narrow band (mains hum at 50/60 Hz, a whistle)."""
from studio.engine.operation import Result, operation
from studio.ops.filter._common import CHUNK, freq, run_biquad, shape_params


@operation(id="filter.notch", title="Notch filter", chunk=CHUNK,
           params=[freq("center", 50.0, "Frequency to remove (mains hum: 50 or 60 Hz)"),
                   *shape_params(q_default=10.0)])
def run(inputs, p, ctx) -> Result:
    """Remove a narrow band around the centre frequency; higher Q is narrower."""
    return run_biquad("notch", p.center, inputs, p)
