"""Every menu action runs on the demo session without an error (dialogs auto-answered), and
the recovery prompt at start."""
import pytest
import shiboken6
from PySide6.QtWidgets import QDialog, QFileDialog, QInputDialog, QMessageBox

from studio.core.selection import Selection

from studio.paths import resource

DEMO = str(resource("demo", "demo.flac"))
SKIP = {"quit", "close", "open", "open_session"}  # covered elsewhere / would end the session


@pytest.fixture
def answered(monkeypatch, tmp_path):
    """Every dialog answers at once: numbers with their default, files in tmp_path."""
    monkeypatch.setattr(QInputDialog, "getDouble", staticmethod(lambda *a, **k: (a[3], True)))
    monkeypatch.setattr(QInputDialog, "getInt", staticmethod(lambda *a, **k: (22050, True)))
    monkeypatch.setattr(QInputDialog, "getItem", staticmethod(lambda *a, **k: (a[3][0], True)))
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: ("mine", True)))
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(tmp_path / "s.studio"), "")))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: ("", "")))
    monkeypatch.setattr(QMessageBox, "exec", lambda self: QMessageBox.Discard)
    monkeypatch.setattr(QDialog, "exec", lambda self: QDialog.Accepted)
    return tmp_path


def _menu_actions(window):
    out = []

    def walk(menu):
        for a in menu.actions():
            if a.menu():
                walk(a.menu())
            elif not a.isSeparator():
                out.append(a)
    for top in window.menuBar().actions():
        walk(top.menu())
    return out


def test_every_menu_action_runs(demo_window, answered, qtbot):
    w = demo_window
    keys = {id(a): k for k, a in w.actions_.all.items()}
    errors = []
    w.statusBar().messageChanged.connect(lambda m: m and "internal" in m and errors.append(m))
    actions = _menu_actions(w)
    assert len(actions) > 40
    ran = 0
    for a in actions:
        if not shiboken6.isValid(a):  # "Open recent" rebuilds its entries when files open
            continue
        if keys.get(id(a)) in SKIP or not a.isEnabled():
            continue
        if w.model.document is None or w.model.n_frames < 44100:
            w.actions_.open_path(str(w.model.document.path) if w.model.document else
                                 DEMO)
        w.model.set_selection(Selection(44100, 66150))
        a.trigger()
        if w.player.playing:
            w.player.stop()
        qtbot.wait(1)
        ran += 1
    assert ran > 40 and not errors
    # the session saved by "Save session…" opens again
    saved = answered / "s.studio"
    assert saved.exists()
    assert w.actions_.open_path(str(saved))
    assert w.model.n_channels == 2


def test_recovery_prompt_offers_and_recovers(window, monkeypatch):
    import numpy as np
    from studio import app
    from studio.core.document import Document
    import studio.ui.dialogs.recovery as recovery

    doc = Document.from_array(np.zeros((1, 800), np.float32), 8000)
    fake = type("Autosave", (), {"find_recoverable": staticmethod(lambda: ["crash-1"]),
                                 "recover": staticmethod(lambda item: doc),
                                 "discard": staticmethod(lambda item: None)})
    import studio.engine as engine_pkg
    monkeypatch.setattr(engine_pkg, "autosave", fake, raising=False)
    monkeypatch.setitem(__import__("sys").modules, "studio.engine.autosave", fake)
    asked = []
    monkeypatch.setattr(recovery, "ask_recover", lambda parent, items: asked.append(items) or True)
    assert app.offer_recovery(window)
    assert asked == [["crash-1"]] and window.model.document is doc
    # declining leaves the window empty
    window.set_document(None)
    monkeypatch.setattr(recovery, "ask_recover", lambda parent, items: False)
    assert not app.offer_recovery(window) and window.model.document is None
