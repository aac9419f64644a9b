"""Issue 18: the Generate menu listed Interpolate before Generate clip, had no shortcut, and
Variation/Interpolate made takes where Generate clip makes clips. Now: Generate clip
(Ctrl+G), Variation, Interpolate; every one has Generate, whose clips go to the Clips bin;
Variation keeps Preview, whose takes A/B against the selection."""
import numpy as np
import torch
from PySide6.QtGui import QKeySequence

from studio.core.document import Document
from studio.core.selection import Selection
from studio.engine import registry


def test_generate_menu_order_and_shortcut(window):
    w = window
    tops = w.menuBar().actions()  # held: the menus' wrappers live as long as these
    menu = next(a for a in tops if a.text() == "&Generate").menu()
    texts = [a.text() for a in menu.actions() if not a.isSeparator()]
    assert texts[:3] == ["Generate clip…", "Variation…", "Interpolate clips…"]
    gen = w.actions_.all["generate.sample"]
    assert gen.shortcut() == QKeySequence("Ctrl+G")
    w.operations.select("edit.gain")
    gen.trigger()
    assert w.operations.operation.id == "generate.sample"
    assert w.operations.generate_btn.isVisibleTo(w.operations)
    assert not w.other_clip_panel.isVisibleTo(w.operations)  # Interpolate's clip B only


def test_variation_generate_fills_the_bin_and_preview_still_makes_takes(window, qtbot,
                                                                        tmp_path):
    from studio.models.diffusion.checkpoint import save_model
    from studio.models.diffusion.config import config_for
    from studio.models.diffusion.edm import Denoiser
    w = window
    cfg = config_for("tiny", 8000, 0.25, ("kick", "snare"))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        save_model(tmp_path / "tiny", Denoiser(cfg).state_dict(), cfg)
    t = np.arange(2000) / 8000
    x = (0.5 * np.sin(2 * np.pi * 220 * t) * np.exp(-6 * t)).astype(np.float32)
    w.set_document(Document.from_array(np.stack([x, x]), 8000))
    w.model.set_selection(Selection(0, 1600))
    w.actions_.all["generate.variation"].trigger()
    ops = w.operations
    assert ops.generate_btn.isVisibleTo(ops) and ops.preview_btn.isVisibleTo(ops)
    ops.form.set_values({"model": str(tmp_path / "tiny.json"), "class": "kick", "steps": 2,
                         "sampler": "dpmpp_2m", "seed": 4, "count": 2})
    before = len(w.clip_bin.entries())
    ops.generate_btn.click()
    qtbot.waitUntil(lambda: len(w.clip_bin.entries()) == before + 2, timeout=60000)
    clips = w.clip_bin.entries()[before:]
    assert [c.name for c in clips] == ["variation kick seed 4", "variation kick seed 5"]
    assert all(c.audio.shape == (2, 1600) and c.rate == 8000 for c in clips)
    assert len(w.model.document.takes) == 0 and w.model.n_frames == 2000
    ops.preview_btn.click()  # the same run as takes, to A/B against the selection
    qtbot.waitUntil(lambda: len(w.model.document.takes) == 2, timeout=60000)
    takes = list(w.model.document.takes)
    for c, tk in zip(clips, takes):
        np.testing.assert_allclose(tk.audio, c.audio, atol=1e-5)
    assert w.takes.current_take() is takes[-1]
