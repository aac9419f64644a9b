"""Issue 18: Interpolate asked for its second clip only through a file dialog on Preview,
never showed which clip it used, and its Apply take pasted N clips over the selection
(0.8 s -> 3 s, the take still saying "[0.20–1.00 s]"). Now clip B is a side input given the
way the user has it (a Clips bin clip: selected, or "Use as B"; a take; a file), shown above
the form, and the morph's clips land in the Clips bin like every generated clip; the
document keeps its length."""
import numpy as np
import soundfile as sf
import torch
from PySide6.QtWidgets import QFileDialog

from studio.core.document import Document
from studio.core.selection import Selection
from studio.engine import registry
from studio.engine.protocol import JobRequest
from studio.engine.runner import run_job

RATE = 8000


def _tiny(path):
    from studio.models.diffusion.checkpoint import save_model
    from studio.models.diffusion.config import config_for
    from studio.models.diffusion.edm import Denoiser
    cfg = config_for("tiny", RATE, 0.25, ("kick", "snare"))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        save_model(path, Denoiser(cfg).state_dict(), cfg)
    return str(path) + ".json"


def test_clip_b_from_the_bin_is_shown_and_the_morph_lands_in_the_bin(window, qtbot, tmp_path,
                                                                    monkeypatch):
    w = window
    model = _tiny(tmp_path / "tiny")
    asked = []
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: asked.append(a) or ("", "")))
    t = np.arange(int(1.5 * RATE)) / RATE
    x = (0.5 * np.sin(2 * np.pi * 220 * t) * np.exp(-4 * t)).astype(np.float32)
    w.set_document(Document.from_array(np.stack([x, x]), RATE))
    a, b = int(0.2 * RATE), RATE  # A: 0.20–1.00 s
    w.model.set_selection(Selection(a, b))
    # a clip to morph towards, generated into the bin
    sample = registry.get("generate.sample")
    before = len(w.clip_bin.entries())
    w.actions_.generate(sample, dict(sample.schema.validate(
        {"model": model, "class": "snare", "steps": 2, "sampler": "dpmpp_2m", "seed": 3,
         "duration": 0.5})))
    qtbot.waitUntil(lambda: len(w.clip_bin.entries()) == before + 1, timeout=60000)
    clip_b = w.clip_bin.entries()[-1]
    assert clip_b.name == "sample snare seed 3"
    # the Generate menu opens Interpolate; its panel says which clip it morphs towards
    w.actions_.all["generate.interpolate"].trigger()
    assert w.operations.operation.id == "generate.interpolate"
    panel = w.other_clip_panel
    assert panel.isVisibleTo(w.operations)
    assert panel.text.text() == ("Morph towards: sample snare seed 3 · 0.50 s "
                                 "(selected in the Clips bin)")
    w.clip_bin.use_b_btn.click()  # an explicit choice: stays when the bin selection moves
    w.clip_bin.list.clearSelection()
    assert panel.text.text() == "Morph towards: sample snare seed 3 · 0.50 s"
    # only Generate: the morph is new clips, not a replacement of the selection
    ops = w.operations
    assert ops.generate_btn.isVisibleTo(ops) and not ops.apply_btn.isVisibleTo(ops)
    ops.form.set_values({"model": model, "steps": 2, "count": 3})
    params = dict(registry.get("generate.interpolate").schema.validate(ops.values()))
    n_before, takes_before = w.model.n_frames, len(w.model.document.takes)
    before = len(w.clip_bin.entries())
    ops.generate_btn.click()
    qtbot.waitUntil(lambda: len(w.clip_bin.entries()) == before + 3, timeout=120000)
    assert asked == []  # no file was asked for
    clips = w.clip_bin.entries()[before:]
    assert [c.name for c in clips] == ["interpolate 1 of 3 (t=0.00)",
                                       "interpolate 2 of 3 (t=0.50)",
                                       "interpolate 3 of 3 (t=1.00)"]
    assert w.model.n_frames == n_before and len(w.model.document.takes) == takes_before
    # they are what the engine makes from A and that clip B (run here without the window)
    ref = run_job(JobRequest(op_id="generate.interpolate", params=params,
                             inputs=w.model.state.read(a, b, channels=[0, 1]),
                             sample_rate=RATE, device=w.jobs.device,
                             extras={"other": (clip_b.audio, clip_b.rate)}))
    longer = max(b - a, round(clip_b.audio.shape[1] * RATE / clip_b.rate))
    for k, c in enumerate(clips):
        assert c.rate == RATE and c.audio.shape == (2, longer)
        np.testing.assert_allclose(c.audio, np.asarray(ref.audio)[:, k * longer:
                                                                  (k + 1) * longer],
                                   atol=1e-4)
    # Process › Apply on Interpolate also sends its clips to the bin; the length stays
    before = len(w.clip_bin.entries())
    w.actions_.apply(registry.get("generate.interpolate"), dict(params, count=1))
    qtbot.waitUntil(lambda: len(w.clip_bin.entries()) == before + 1, timeout=120000)
    assert w.clip_bin.entries()[-1].name == "interpolate"
    assert w.model.n_frames == n_before


def test_clip_b_from_a_file_or_a_take_through_choose(window, qtbot, tmp_path, monkeypatch):
    w = window
    other = tmp_path / "other.wav"
    t = np.arange(int(0.75 * RATE)) / RATE
    sf.write(other, (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), RATE)
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(other), "")))
    x = (0.3 * np.sin(2 * np.pi * 110 * np.arange(RATE) / RATE)).astype(np.float32)
    w.set_document(Document.from_array(np.stack([x, x]), RATE))
    w.operations.select("generate.interpolate")
    panel = w.other_clip_panel
    panel._fill_menu()
    next(a for a in panel.menu.actions() if a.text() == "File…").trigger()
    assert panel.text.text() == "Morph towards: other.wav · 0.75 s"
    got = w.other_clip.provide(ask=False)
    np.testing.assert_allclose(got[0][0], 0.5 * np.sin(2 * np.pi * 440 * t), atol=1e-4)
    # a take of the document
    gain = registry.get("edit.gain")
    w.model.set_selection(Selection(0, RATE // 2))
    w.actions_.preview(gain, {gain.schema.params[0].name: -6.0})
    qtbot.waitUntil(lambda: len(w.model.document.takes) == 1, timeout=30000)
    take = w.model.document.takes.list()[0] if hasattr(w.model.document.takes, "list") \
        else list(w.model.document.takes)[0]
    panel._fill_menu()
    next(a for a in panel.menu.actions() if a.text() == take.name).trigger()
    assert panel.text.text() == f"Morph towards: take {take.name} · 0.50 s"
    np.testing.assert_allclose(w.other_clip.provide(ask=False)[0], take.audio)
    w.other_clip.clear()
