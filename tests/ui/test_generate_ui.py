"""Generators in the window: an operation with no audio input runs with or without an open
document and its clips land in the Clips bin (named after the op, class and seed), in the
one window; the Model parameter offers the catalog's models."""
import math

import numpy as np
import pytest
import torch
from PySide6.QtWidgets import QComboBox, QLineEdit

from studio.engine import params as P
from studio.engine import registry
from studio.engine.operation import InputKind, Report, Result, operation

TONE_RATE = 8000


@pytest.fixture
def tone_generator():
    """A stand-in generator: `count` takes of a sine whose pitch follows the seed, at a rate
    of its own (as a model's)."""
    with registry.scoped():
        @operation(id="generate.test_tone", title="Test tone", inputs=InputKind.NONE,
                   changes_length=True,
                   params=[P.Text("class", default=""), P.Int("seed", default=-1, lo=-1, hi=999),
                           P.Int("count", default=1, lo=1, hi=8)])
        def run(inputs, p, ctx):
            seed = 7 if p.seed < 0 else p.seed  # as the real ops: -1 draws one and reports it
            t = torch.arange(800, dtype=torch.float32) / TONE_RATE
            clips = [0.1 * (k + 1) * torch.sin(2 * math.pi * (200 + seed) * t)[None]
                     for k in range(p.count)]
            takes = [(f"take {k + 1}", c) for k, c in enumerate(clips)] if p.count > 1 else []
            return Result(audio=clips[0], sample_rate=TONE_RATE, takes=takes,
                          report=Report(values={"seed": seed}))
        yield registry.get("generate.test_tone")


def _tone(seed, amp):
    t = np.arange(800) / TONE_RATE
    return amp * np.sin(2 * np.pi * (200 + seed) * t)


def test_generator_with_no_document_fills_the_clip_bin(window, qtbot, tone_generator):
    w = window
    assert w.model.document is None
    before = len(w.clip_bin.entries())  # the shared window's bin keeps earlier tests' clips
    w.actions_.preview(tone_generator, {"class": "kick", "seed": 3, "count": 3})
    qtbot.waitUntil(lambda: len(w.clip_bin.entries()) == before + 3, timeout=20000)
    clips = w.clip_bin.entries()[before:]
    assert w.model.document is None  # nothing opened: the clips are in the bin
    # the stand-in names its takes "take k" (the real ops: "take k seed S", tested below)
    assert [c.name for c in clips] == ["test_tone kick take 1", "test_tone kick take 2",
                                       "test_tone kick take 3"]
    for k, c in enumerate(clips):
        assert c.rate == TONE_RATE and c.audio.shape == (1, 800)
        np.testing.assert_allclose(c.audio[0], _tone(3, 0.1 * (k + 1)), atol=1e-5)
    texts = [w.clip_bin.list.item(before + i).text() for i in range(3)]
    assert texts[0].endswith(". test_tone kick take 1 · 0.10 s · 8 kHz")
    assert not w.clips_dock.visibleRegion().isEmpty()  # the bin came to the front
    assert "3 clips" in w.statusBar().currentMessage()
    # A/B: with two clips selected, B is the second
    w.clip_bin.list.clearSelection()
    for i in (0, 2):
        w.clip_bin.list.item(before + i).setSelected(True)
    assert w.clip_bin.ab.isEnabled() and w.clip_bin.current() is clips[0]
    w.clip_bin.ab.setChecked(True)
    assert w.clip_bin.current() is clips[2]
    w.clip_bin.ab.setChecked(False)


def test_random_seed_is_named_as_drawn_and_an_open_document_is_kept(window, qtbot,
                                                                   tone_generator):
    from studio.core.document import Document
    w = window
    mine = Document.from_array(np.zeros((2, 4000), np.float32), 16000)
    w.set_document(mine)
    before = len(w.clip_bin.entries())
    windows = len(getattr(w, "children_windows", []))  # other tests may have made some
    w.actions_.generate(tone_generator, {"class": "", "seed": -1, "count": 1})
    qtbot.waitUntil(lambda: len(w.clip_bin.entries()) > before, timeout=20000)
    assert len(getattr(w, "children_windows", [])) == windows  # no window opened
    assert w.model.document is mine and not mine.is_modified  # untouched
    clip = w.clip_bin.entries()[-1]
    assert clip.name == "test_tone seed 7"
    np.testing.assert_allclose(clip.audio[0], _tone(7, 0.1), atol=1e-5)


def test_other_ops_still_need_a_document(window, qtbot):
    w = window
    notes = []
    w.jobs.notice.connect(notes.append)
    assert w.jobs.submit("preview", registry.get("edit.gain"), {}) is None
    assert notes == ["Open a file first"]


def test_model_param_lists_the_catalogs_models(qtbot, tmp_path, monkeypatch):
    from studio.models.diffusion import catalog
    from studio.models.diffusion.checkpoint import save_model
    from studio.models.diffusion.config import config_for
    from studio.models.diffusion.edm import Denoiser
    from studio.ui.forms import ParamForm, model_names
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    cfg = config_for("tiny", 8000, 0.25, ("a", "b"))
    save_model(catalog.user_dir() / "mine", Denoiser(cfg).state_dict(), cfg)
    expected = [name for name, _ in catalog.list_models()]
    assert "mine" in expected and model_names("diffusion") == expected
    schema = P.Schema((P.Model("model", default="", family="diffusion"),
                       P.Model("voice", default="violin", family="timbre")))
    form = ParamForm(schema)
    qtbot.addWidget(form)
    combo = form.editors["model"].widget
    assert isinstance(combo, QComboBox) and combo.isEditable()
    assert [combo.itemText(i) for i in range(combo.count())] == expected
    # the timbre family lists its bundled instruments; a family without a catalog is free text
    voices = form.editors["voice"].widget
    assert isinstance(voices, QComboBox) and "violin" in \
        [voices.itemText(i) for i in range(voices.count())]
    free = ParamForm(P.Schema((P.Model("other", default="x", family="nosuchfamily"),)))
    qtbot.addWidget(free)
    assert isinstance(free.editors["other"].widget, QLineEdit)
    form.set_values({"model": "mine"})
    assert form.values()["model"] == "mine"
    combo.setEditText("/some/run")  # a path may be typed
    assert form.values()["model"] == "/some/run"
    # a model installed after the form was built is listed when the list opens again
    save_model(catalog.user_dir() / "later", Denoiser(cfg).state_dict(), cfg)
    combo.refresh()
    assert "later" in [combo.itemText(i) for i in range(combo.count())]
    assert combo.currentText() == "/some/run"


def test_generate_menu_and_sample_from_the_operations_dock(window, qtbot, tmp_path):
    """The real generate.sample op (when present) on a tiny untrained model, from the
    operations dock with no document open."""
    w = window
    tops = w.menuBar().actions()  # held: the menus' wrappers live as long as these
    menu = next(a for a in tops if a.text() == "&Generate").menu()
    texts = [a.text() for a in menu.actions()]
    assert "&Train on folder…" in texts
    if "generate.sample" not in [op.id for op in w.operations.ops]:
        pytest.skip("generate.sample is not there yet")
    from studio.models.diffusion.checkpoint import save_model
    from studio.models.diffusion.config import config_for
    from studio.models.diffusion.edm import Denoiser
    cfg = config_for("tiny", 16000, 0.25, ("kick", "snare"))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        save_model(tmp_path / "tiny", Denoiser(cfg).state_dict(), cfg)
    next(a for a in menu.actions() if a.text().startswith("Generate clip")).trigger()
    assert w.operations.operation.id == "generate.sample"
    form = w.operations.form
    assert isinstance(form.editors["model"].widget, QComboBox)
    form.set_values({"model": str(tmp_path / "tiny.json"), "class": "kick", "steps": 2,
                     "sampler": "dpmpp_2m", "duration": 0.2, "seed": 5, "count": 2})
    before = len(w.clip_bin.entries())
    assert w.operations.generate_btn.isVisible() and not w.operations.preview_btn.isVisible()
    w.operations.generate_btn.click()
    qtbot.waitUntil(lambda: len(w.clip_bin.entries()) == before + 2, timeout=60000)
    clips = w.clip_bin.entries()[before:]
    assert [c.name for c in clips] == ["sample kick seed 5", "sample kick seed 6"]
    assert all(c.rate == 16000 and c.audio.shape == (1, 3200) for c in clips)
    assert not np.array_equal(clips[0].audio, clips[1].audio)
    assert w.model.document is None


def test_variation_takes(window, qtbot, tmp_path):
    """Ops with a selection input that return several takes list each of them."""
    from studio.core.document import Document
    from studio.core.selection import Selection
    w = window
    if "generate.interpolate" not in [op.id for op in registry.all_operations()]:
        pytest.skip("generate.interpolate is not there yet")
    from studio.models.diffusion.checkpoint import save_model
    from studio.models.diffusion.config import config_for
    from studio.models.diffusion.edm import Denoiser
    cfg = config_for("tiny", 8000, 0.25, ("kick", "snare"))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        save_model(tmp_path / "tiny", Denoiser(cfg).state_dict(), cfg)
    model = str(tmp_path / "tiny.json")
    t = np.arange(2000) / 8000
    x = (0.5 * np.sin(2 * np.pi * 220 * t) * np.exp(-6 * t)).astype(np.float32)
    w.set_document(Document.from_array(np.stack([x, x]), 8000))
    w.model.set_selection(Selection(0, 2000))
    var = registry.get("generate.variation")
    w.actions_.preview(var, dict(var.schema.validate(
        {"model": model, "steps": 2, "sampler": "dpmpp_2m", "seed": 1, "count": 2})))
    qtbot.waitUntil(lambda: len(w.model.document.takes) == 2, timeout=60000)
    takes = list(w.model.document.takes)
    assert [tk.name.split(" · ")[-1] for tk in takes] == ["take 1 seed 1", "take 2 seed 2"]
    assert all(tk.audio.shape == (2, 2000) for tk in takes)
    assert not np.array_equal(takes[0].audio, takes[1].audio)
    # interpolate's clip B (a bin clip, a take or a file): tests/ui/generate/
    # test_interpolate_clip_b.py


def test_a_clip_dragged_onto_the_waveform_is_inserted_where_it_drops(window, qtbot,
                                                                    tone_generator):
    from PySide6.QtCore import QPointF, Qt
    from PySide6.QtGui import QDropEvent
    from studio.core.document import Document
    w = window
    rate = 8000
    base = (0.2 * np.sin(2 * np.pi * 100 * np.arange(2 * rate) / rate)).astype(np.float32)
    w.set_document(Document.from_array(np.stack([base, base]), rate))
    qtbot.waitUntil(lambda: w.waveform.paint_count > 0, timeout=5000)
    before = len(w.clip_bin.entries())
    w.actions_.generate(tone_generator, {"class": "", "seed": 11, "count": 1})
    qtbot.waitUntil(lambda: len(w.clip_bin.entries()) > before, timeout=20000)
    clip = w.clip_bin.entries()[-1]
    item = w.clip_bin.list.item(w.clip_bin.list.count() - 1)
    mime = w.clip_bin.list.mimeData([item])
    # drop over the waveform where its time axis says 0.5 s
    vb = w.waveform.master
    scene = vb.mapViewToScene(QPointF(0.5, 0.0))
    at_window = w.waveform.mapTo(w, w.waveform.mapFromScene(scene))
    ev = QDropEvent(QPointF(at_window), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    w.dropEvent(ev)
    doc = w.model.document
    assert doc.state.n_frames == 2 * rate + clip.audio.shape[1]  # same rate: 800 frames
    sel = w.model.selection
    px = (vb.viewRange()[0][1] - vb.viewRange()[0][0]) / vb.width()  # seconds per pixel
    assert abs(sel.start / rate - 0.5) <= 2 * px and sel.length == 800
    np.testing.assert_allclose(doc.state.read(sel.start, sel.end)[1], clip.audio[0], atol=1e-6)
    assert doc.undo_name == f"Insert {clip.name}"
    doc.undo()
    np.testing.assert_array_equal(doc.state.read()[0], base)


def test_a_clip_is_exported_as_a_file_and_opened_as_a_document(window, qtbot, tmp_path,
                                                               tone_generator):
    import soundfile as sf
    w = window
    before = len(w.clip_bin.entries())
    w.actions_.generate(tone_generator, {"class": "", "seed": 21, "count": 1})
    qtbot.waitUntil(lambda: len(w.clip_bin.entries()) > before, timeout=20000)
    clip = w.clip_bin.entries()[-1]
    w.clip_bin.list.clearSelection()
    w.clip_bin.list.item(w.clip_bin.list.count() - 1).setSelected(True)
    out = tmp_path / "tone21"  # no extension: written as WAV
    w.clip_bin._on_export_changed(str(out))
    qtbot.waitUntil(lambda: (tmp_path / "tone21.wav").exists() and not w.files.busy(),
                    timeout=20000)
    data, rate = sf.read(tmp_path / "tone21.wav", dtype="float32", always_2d=True)
    assert rate == TONE_RATE
    np.testing.assert_allclose(data[:, 0], _tone(21, 0.1), atol=1e-4)  # as written (16-bit)
    w.clip_bin.open_btn.click()
    doc = w.model.document
    assert doc is not None and doc.is_modified
    np.testing.assert_allclose(doc.state.read()[0], clip.audio[0], atol=1e-6)
    assert w.windowTitle().startswith("test_tone seed 21 *")


def test_closing_asks_before_clips_only_in_the_bin_are_lost(fresh_window, qtbot, tmp_path,
                                                            tone_generator, monkeypatch):
    from PySide6.QtWidgets import QMessageBox
    w = fresh_window
    w.actions_.generate(tone_generator, {"class": "", "seed": 5, "count": 2})
    qtbot.waitUntil(lambda: len(w.clip_bin.entries()) == 2, timeout=20000)
    asked = []
    monkeypatch.setattr(QMessageBox, "question", staticmethod(
        lambda *a, **k: asked.append(a[2]) or QMessageBox.Cancel))
    w.quiet = False
    assert not w.close() and w.isVisible()  # cancelled: the clips stay
    assert asked[-1].startswith("2 generated clips are only in the Clips bin")
    # one exported, one opened: nothing is left to lose, so nothing is asked
    w.clip_bin.list.clearSelection()
    w.clip_bin.list.item(0).setSelected(True)
    w.clip_bin._on_export_changed(str(tmp_path / "a.wav"))
    w.clip_bin.list.clearSelection()
    w.clip_bin.list.item(1).setSelected(True)
    w.clip_bin.open_btn.click()
    assert w.clip_bin.unkept() == []
    qtbot.waitUntil(lambda: not w.files.busy(), timeout=20000)
    w.quiet = True  # the opened clip is an unsaved document: quiet closes without asking
    n = len(asked)
    assert w.close() and len(asked) == n
