"""A generate op's report says what its numbers are: the model's rate reads "16 000 Hz" in the
Reports dock (the key names its unit), not a bare "16 000" (issue 18)."""
import numpy as np

from studio.engine.protocol import JobRequest
from studio.engine.runner import run_job
from studio.ui.reports.formatting import format_value

RATE = 16000  # the conftest models' rate


def _job(op, inputs, extras=None, **params):
    return run_job(JobRequest(op_id=op, params=params, inputs=inputs, sample_rate=RATE,
                              device="cpu", extras=extras or {}))


def _tone(seconds):
    t = np.arange(int(seconds * RATE)) / RATE
    return (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)[None]


def test_variation_and_interpolation_report_the_model_rate_in_hz(analytic_model):
    x = _tone(0.3)
    var = _job("generate.variation", x, model=analytic_model, strength=0.3, steps=2, seed=1)
    inter = _job("generate.interpolate", x, extras={"other": (_tone(0.2), RATE)},
                 model=analytic_model, count=2, steps=2)
    for report in (var.report, inter.report):
        shown = dict(format_value(k, v) for k, v in report.values.items())
        assert shown["Model rate"] == "16 000 Hz", report.values
