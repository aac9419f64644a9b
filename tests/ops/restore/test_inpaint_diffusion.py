"""restore.inpaint beyond the classical path: gaps over 100 ms go to the diffusion restorer
(the bundled model), started from the classical fill; nothing outside the gap moves, its
spectrum over the gap is closer to the truth's than the classical fill's (the log-spectral
distance, numpy), and the method is said in the report."""
import numpy as np
import pytest
import torch

from studio.engine import registry
from studio.engine.context import Context
from studio.engine.operation import Inputs
from studio.errors import StudioError


def _chord(n, rate, seed=1):
    rng = np.random.default_rng(seed)
    t = np.arange(n) / rate
    x = sum(0.1 / k * np.sin(2 * np.pi * k * f0 * t + rng.uniform(0, 6))
            for f0 in (220.0, 277.2, 329.6) for k in range(1, 12) if k * f0 < rate / 2.5)
    return (x + 0.003 * rng.standard_normal(n)).astype(np.float32)


def _run(x, rate, params):
    op = registry.get("restore.inpaint")
    return op.run(Inputs(torch.from_numpy(x)[None], rate), op.schema.validate(params), Context())


@pytest.mark.parametrize("rate", [22050, 44100])
def test_a_250_ms_gap_is_drawn_by_the_restorer_closer_to_the_truth_than_the_ar_fill(rate):
    from studio.dsp.metrics import lsd_frames
    truth = _chord(2 * rate, rate)
    s, e = rate, rate + rate // 4
    y = truth.copy()
    y[s:e] = 0
    r = _run(y, rate, {"gap_start": s / rate, "gap_end": e / rate, "steps": 4})
    out = r.audio[0].numpy()
    assert r.report.values["method"] == "diffusion"
    np.testing.assert_array_equal(out[:s], y[:s])
    np.testing.assert_array_equal(out[e:], y[e:])
    ar = _run(y, rate, {"gap_start": s / rate, "gap_end": (s + rate // 10) / rate})
    assert ar.report.values["method"] == "janssen"
    from studio.ops.restore.inpaint import classical_fill
    classical = classical_fill(torch.from_numpy(y)[None], s, e, rate)[0][0].numpy()
    n_fft = 2 * round(1024 * rate / 44100)
    ours, theirs = (lsd_frames(truth, o, n_fft, n_fft // 4, s, e) for o in (out, classical))
    print(f"LSD over the gap: restorer {ours:.2f}, classical {theirs:.2f}")
    assert ours < theirs


def test_method_classical_refuses_a_long_gap_in_one_line_and_auto_keeps_short_ones_classical():
    rate = 16000
    y = _chord(rate, rate)
    with pytest.raises(StudioError, match="classical fill takes gaps up to 100 ms"):
        _run(y, rate, {"gap_start": 0.3, "gap_end": 0.5, "method": "classical"})
    r = _run(y, rate, {"gap_start": 0.3, "gap_end": 0.33})
    assert r.report.values["method"] == "janssen"
    with pytest.raises(StudioError, match="up to 600 ms"):
        _run(_chord(3 * rate, rate), rate, {"gap_start": 0.5, "gap_end": 1.5})


@pytest.mark.parametrize("ms", [200, 500])
def test_a_long_fill_joins_its_neighbours_without_a_click_and_is_no_hole(ms):
    """The restorer from noise does not always meet the samples beside the gap; the fill
    starts and ends on the AR fill, so the first and last steps are like the music's own,
    and its level is that of the sides (within the 3 dB dead zone and a little)."""
    rate = 44100
    truth = _chord(3 * rate, rate, seed=2)
    s = rate
    e = s + ms * rate // 1000
    y = truth.copy()
    y[s:e] = 0
    r = _run(y, rate, {"gap_start": s / rate, "gap_end": e / rate})
    out = r.audio[0].numpy()
    typical = np.percentile(np.abs(np.diff(truth[s - 4000:s])), 99)
    assert abs(out[s] - out[s - 1]) < typical and abs(out[e] - out[e - 1]) < typical
    assert abs(r.report.values["level vs sides (dB)"]) < 4.0, r.report.values
