"""restore.declip with its default settings (levels detected) on clipping that hum and hiss
were added to afterwards: the demo's passage, read through libsndfile, and a synthetic one
with its unclipped source."""
import json
from pathlib import Path

import numpy as np
import soundfile as sf
import torch

from studio.dsp.metrics import sdr
from studio.engine import registry
from studio.engine.context import Context
from studio.engine.operation import Inputs
from tests.dsp.test_clip_plateau import SR, noisy_plateaus

DEMO = Path(__file__).resolve().parents[3] / "resources" / "demo"


def _run(x, rate, params=None):
    op = registry.get("restore.declip")
    res = op.run(Inputs(torch.as_tensor(x, dtype=torch.float32), rate),
                 op.schema.validate(params or {}), Context())
    return res.audio.numpy(), res.report


def test_defaults_restore_the_demo_passage():
    faults = json.loads((DEMO / "faults.json").read_text())
    a, b = (int(s * faults["rate"]) for s in faults["clip_span_s"])
    y = sf.read(DEMO / "demo.flac", dtype="float32", always_2d=True)[0][a:b].T.copy()
    out, rep = _run(y, faults["rate"])
    assert rep.values["clipped samples"] > 2000  # it said 0 before
    tops = np.abs(y) > 0.62  # on the plateaus
    assert np.mean(np.abs(out[tops]) > np.abs(y[tops]) + 0.01) > 0.8  # they grow back...
    # ...towards the recipe's 3.5 x 0.5 peaks, far over the flat tops at 0.62 + hum
    assert (np.abs(out).max(axis=1) > 1.2).all()


def test_defaults_restore_a_synthetic_noisy_plateau_towards_its_source():
    clean, y, _ = noisy_plateaus(seed=3)
    out, rep = _run(y[None], SR, {"window": "1024"})
    assert rep.values["clipped samples"] > 1000
    assert sdr(clean, out[0]) > sdr(clean, y) + 10
