import numpy as np
import pytest

from studio.paths import resource

DEMO = str(resource("demo", "demo.flac"))


@pytest.fixture(autouse=True)
def recovery_dir(tmp_path, monkeypatch):
    """Autosaves of the windows under test go to a private folder, never the user's."""
    d = tmp_path / "recovery"
    monkeypatch.setenv("STUDIO_RECOVERY_DIR", str(d))
    return d


@pytest.fixture
def settings(tmp_path):
    from PySide6.QtCore import QSettings
    from studio.ui.settings import Settings
    return Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat))


def _make_window(settings):
    from studio.ui import theme
    from studio.ui.main_window import MainWindow
    theme.apply("dark")
    w = MainWindow(settings)
    w.quiet = True  # message boxes open non-modally; close never asks
    w.resize(1400, 850)
    w.show()
    return w


@pytest.fixture(scope="session")
def _shared_window(qapp, tmp_path_factory):
    """One window for the tests that leave it reusable: building one (docks, plots, the
    engine thread loading torch) costs seconds on a loaded machine."""
    from PySide6.QtCore import QSettings
    from studio.ui.settings import Settings
    path = tmp_path_factory.mktemp("shared") / "settings.ini"
    w = _make_window(Settings(QSettings(str(path), QSettings.IniFormat)))
    yield w
    w.shutdown()
    assert w.tasks.threads_alive() == 0
    w.close()
    w.deleteLater()


@pytest.fixture
def window(_shared_window, qtbot):
    """The shared window, emptied: no document, default spectrogram, quiet, layout reset."""
    w = _shared_window
    w.quiet = True
    w.player.stop()
    w.set_document(None)
    w.jobs_dock.raise_()
    yield w
    w.quiet = True
    w.player.stop()
    w.jobs.host.cancel_all() if hasattr(w.jobs.host, "cancel_all") else None
    qtbot.waitUntil(lambda: not w.files.busy(), timeout=20000)
    w.set_document(None)  # stops this test's autosave cleanly
    assert not w._shut_down, "use fresh_window for tests that shut the window down"


@pytest.fixture
def fresh_window(qtbot, settings):
    """A window of its own, shut down at the end (recovery and shutdown tests)."""
    w = _make_window(settings)
    qtbot.addWidget(w)
    yield w
    w.quiet = True
    w.shutdown()  # autosave, task lanes and the engine thread: no thread outlives a test
    assert w.tasks.threads_alive() == 0


@pytest.fixture
def demo_window(window, qtbot):
    assert window.actions_.open_path(DEMO, wait=True)
    qtbot.waitUntil(lambda: window.waveform.paint_count > 0, timeout=5000)
    return window


def tone(rate=8000, seconds=2.0, hz=440.0, channels=2):
    t = np.arange(int(rate * seconds)) / rate
    x = 0.5 * np.sin(2 * np.pi * hz * t).astype(np.float32)
    return np.stack([x * (1.0 - 0.3 * c) for c in range(channels)])
