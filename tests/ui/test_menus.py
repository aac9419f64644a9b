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
                        staticmethod(lambda *a, **k: (str(tmp_path / "s.adsession"), "")))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: ("", "")))
    monkeypatch.setattr(QMessageBox, "exec", lambda self: QMessageBox.Discard)
    monkeypatch.setattr(QDialog, "exec", lambda self: QDialog.Accepted)
    # the export dialog proposes a path beside the source (resources/): send it to tmp_path
    from studio.ui.dialogs.export import ExportDialog
    options = ExportDialog.options
    monkeypatch.setattr(ExportDialog, "options", lambda self: {
        **options(self), "path": str(tmp_path / "export.wav")})
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
            w.actions_.open_path(DEMO, wait=True)
        w.model.set_selection(Selection(44100, 66150))
        a.trigger()
        while w.files.busy():  # saves and exports run in the background
            qtbot.wait(5)
        if w.player.playing:
            w.player.stop()
        qtbot.wait(1)
        ran += 1
    assert ran > 40 and not errors
    # the session saved by "Save session…" opens again
    saved = answered / "s.adsession"
    assert saved.exists()
    assert (answered / "export.wav").exists()  # "Export…" wrote where the dialog said
    assert w.actions_.open_path(str(saved), wait=True)
    assert w.model.n_channels == 2


def _crashed_autosave(recovery_dir, data, rate=8000):
    """An autosave left behind by a process that is gone (the real Autosaver, then its lock
    pointed at a pid that has exited)."""
    import json
    import subprocess
    import sys
    from studio.core import commands
    from studio.core.document import Document
    from studio.engine.autosave import LOCK_NAME, Autosaver
    doc = Document.from_array(data, rate)
    saver = Autosaver(doc, interval=3600, directory=recovery_dir, title="crashed.wav").start()
    doc.execute(commands.gain(doc, -6.0, sel=Selection(0, data.shape[1])))
    assert saver.save_now()
    saver.stop(clean=False)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    lock = json.loads((saver.folder / LOCK_NAME).read_text())
    lock["pid"] = int(dead)
    (saver.folder / LOCK_NAME).write_text(json.dumps(lock))
    return doc.state.read(), saver.folder


def test_recovery_prompt_offers_and_recovers(fresh_window, recovery_dir, monkeypatch):
    window = fresh_window
    import numpy as np
    from studio import app
    import studio.ui.dialogs.recovery as recovery
    from studio.engine import autosave

    data = np.random.default_rng(3).uniform(-0.5, 0.5, (2, 3000)).astype(np.float32)
    expected, folder = _crashed_autosave(recovery_dir, data)
    asked = []
    monkeypatch.setattr(recovery, "ask_recover", lambda parent, items: asked.append(items) or True)
    assert app.offer_recovery(window, wait=True)
    assert len(asked) == 1 and "crashed.wav" in asked[0][0]
    np.testing.assert_array_equal(window.model.state.read(), expected)
    assert window.model.document.is_modified  # not saved anywhere real yet
    # the window now autosaves the recovered work itself; closing cleanly removes every trace
    assert window._autosaver is not None and window._autosaver.folder.exists()
    window.shutdown()
    assert not folder.exists() and autosave.find_recoverable() == []
    assert not any(recovery_dir.iterdir())


def test_declining_recovery_discards_it(window, recovery_dir, monkeypatch):
    import numpy as np
    from studio import app
    import studio.ui.dialogs.recovery as recovery
    _, folder = _crashed_autosave(recovery_dir, np.zeros((1, 800), np.float32) + 0.25)
    monkeypatch.setattr(recovery, "ask_recover", lambda parent, items: False)
    assert not app.offer_recovery(window) and window.model.document is None
    assert not folder.exists()
    assert not app.offer_recovery(window)  # nothing left to offer
