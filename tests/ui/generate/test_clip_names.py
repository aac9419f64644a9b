"""Bug 8 of issue 18: the clips of a count > 1 run of a pitched model with no class were
named "sample seed 1392034777 C3 seed 1392034777 C3": the first take's seed and note were
repeated in every clip's name. Each clip is named by its own seed and note."""
import re

import torch

from studio.engine import registry


def _pitched_tiny(path):
    from studio.models.diffusion.checkpoint import save_model
    from studio.models.diffusion.config import config_for
    from studio.models.diffusion.edm import Denoiser
    cfg = config_for("tiny", 8000, 0.25, ("kick", "snare"), cond_dim=2)  # 2: pitch
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        save_model(path, Denoiser(cfg).state_dict(), cfg)
    return str(path) + ".json"


def test_each_clip_of_a_pitched_run_without_class_names_its_own_seed_and_note(
        window, qtbot, tmp_path):
    w = window
    op = registry.get("generate.sample")
    params = dict(op.schema.validate({"model": _pitched_tiny(tmp_path / "tiny"), "class": "",
                                      "pitch": "", "steps": 1, "sampler": "dpmpp_2m",
                                      "duration": 0.1, "seed": 40, "count": 3}))
    params["pitch"] = "C3"  # one note asked for every take: each clip still says it once
    before = len(w.clip_bin.entries())
    w.actions_.generate(op, params)
    qtbot.waitUntil(lambda: len(w.clip_bin.entries()) == before + 3, timeout=60000)
    names = [c.name for c in w.clip_bin.entries()[before:]]
    assert names == ["sample seed 40 C3", "sample seed 41 C3", "sample seed 42 C3"]
    shown = [w.clip_bin.list.item(before + k).text() for k in range(3)]
    assert all(re.fullmatch(rf"\d+\. {re.escape(n)} · 0\.10 s · 8 kHz", t)
               for n, t in zip(names, shown)), shown
    assert w.statusBar().currentMessage().startswith("Generated 3 clips (sample): ")
