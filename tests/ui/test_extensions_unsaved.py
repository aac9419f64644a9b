"""What the session keeps beside the audio (the noise profile, the array layout) is work too:
learning a profile or changing the layout marks the document unsaved (the title's '*', and
closing asks), while merely opening a file does not."""
import numpy as np
import soundfile as sf

from studio.core.selection import Selection


def _open(w, qtbot, tmp_path, channels=1):
    noise = 0.01 * np.random.default_rng(1).standard_normal((16000, channels))
    sf.write(tmp_path / "n.wav", noise.astype(np.float32), 16000)
    assert w.actions_.open_path(str(tmp_path / "n.wav"), wait=True)
    qtbot.wait(50)
    assert not w.model.document.is_modified and "*" not in w.windowTitle()


def test_learning_and_forgetting_a_profile_mark_the_document_unsaved(window, qtbot, tmp_path):
    w = window
    _open(w, qtbot, tmp_path)
    w.model.set_selection(Selection(0, 8000))
    w.actions_.all["learn_noise"].trigger()
    qtbot.waitUntil(lambda: w.repair.noise.profile() is not None, timeout=30000)
    assert w.model.document.is_modified and " *" in w.windowTitle()
    assert w.actions_.save_session(str(tmp_path / "n.adsession"), wait=True)
    assert not w.model.document.is_modified
    w.repair.noise.forget()
    assert w.model.document.is_modified


def test_changing_the_array_layout_marks_the_document_unsaved(window, qtbot, tmp_path):
    w = window
    _open(w, qtbot, tmp_path, channels=2)
    w.array_tools.show_dock()  # the editor is built when its dock is first shown
    qtbot.waitUntil(lambda: w.array_panel.editor is not None, timeout=10000)
    w.array_panel.layout_changed.emit()  # the same layout again: nothing changed
    assert not w.model.document.is_modified
    ed = w.array_panel.editor
    pos = ed.layout().positions()[0]
    ed.drag_item("mic", 0, (0, 1), float(pos[0]) + 0.05, float(pos[1]))
    ed.finish_drag("mic")
    qtbot.wait(20)
    assert w.model.document.is_modified and " *" in w.windowTitle()


def test_no_op_prompts_for_a_file_it_can_take_from_the_document(window, monkeypatch):
    """An optional side input that defaults to a part of the document (Learn timbre's example:
    the selection; Noise reduction's noise: the learned profile) never opens a file dialog."""
    from PySide6.QtWidgets import QFileDialog

    from studio.engine import registry

    def prompt(*a, **k):
        raise AssertionError(f"a file dialog opened: {a[1] if len(a) > 1 else k}")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(prompt))
    for op in registry.all_operations():
        if op.extras and all(not e.required and e.source != "file" for e in op.extras):
            assert window.actions_._extras(op, {}) == {}, op.id
    assert registry.get("convert.learn_timbre").extras[0].source == "selection"
