"""Start the window: `studio gui [FILE]` lands here. Also the screenshot mode used by the docs
and the Xvfb test: open, wait until the views and spectrogram tiles are on screen, save a PNG,
exit."""
from __future__ import annotations

import os
import sys
import tempfile
import time

from studio.paths import resource

DEMO = ("demo", "demo.flac")
SCREENSHOT_TIMEOUT_S = 30.0


def demo_path() -> str:
    return str(resource(*DEMO))


# Qt's notes about the platform, not about the user's work: a missing optional PipeWire
# library (Qt Multimedia falls back to another backend) and the offscreen platform's lack of
# window size hints. Left in, they bury the one line a failed command prints.
PLATFORM_NOISE = ("Couldn't load pipewire", "Couldn't resolve pipewire",
                  "does not support propagateSizeHints")


def _on_qt_message(mode, context, message) -> None:
    if not any(n in message for n in PLATFORM_NOISE):
        print(message, file=sys.stderr)


def make_app(argv=None):
    from PySide6.QtCore import Qt, qInstallMessageHandler
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication
    app = QApplication.instance()
    if app is None:
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
            Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
        qInstallMessageHandler(_on_qt_message)
        app = QApplication(list(argv or sys.argv[:1]))
        app.setApplicationName("Audio Diffusion Studio")
        app.setOrganizationName("AudioDiffusionStudio")
    return app


def describe(entry) -> str:
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(entry.saved_at)) if entry.saved_at \
        else "unknown time"
    src = f" ({entry.source_path})" if entry.source_path else ""
    return f"{entry.title}{src}, autosaved {when}"


def offer_recovery(window, wait: bool = False) -> bool:
    """At start: offer the newest autosave of a session that did not close cleanly. Accepting
    loads it in the background (True) and keeps older ones for the next start; declining
    deletes every autosave the prompt listed."""
    from studio.engine import autosave
    try:
        found = autosave.find_recoverable()
    except Exception:  # noqa: BLE001 - a broken recovery folder must not stop the start
        return False
    if not found:
        return False
    from studio.ui.dialogs.recovery import ask_recover
    chosen = autosave.settle_prompt(found, ask_recover(window, [describe(e) for e in found]))
    if chosen is None:
        return False
    tid = window.files.recover(chosen)
    return window.files.wait(tid) if wait else True


def arrange_view(window, view: str) -> None:
    from PySide6.QtCore import Qt
    if view == "spectrogram":
        window.splitter.setSizes([200, 800])
    elif view == "array":
        window.array_dock.show()
        window.array_dock.raise_()
        window.resizeDocks([window.array_dock], [int(window.height() * 0.72)], Qt.Vertical)
    else:
        window.splitter.setSizes([550, 450])


def run_gui(file: str | None = None, screenshot: str | None = None, view: str = "waveform",
            size: tuple[int, int] | None = None, theme_name: str | None = None) -> int:
    app = make_app()
    from PySide6.QtCore import QSettings
    from studio.ui import theme
    from studio.ui.main_window import MainWindow
    from studio.ui.settings import Settings
    if screenshot:  # a fresh, throwaway layout: screenshots never depend on a user's settings
        tmp = tempfile.mkdtemp(prefix="studio-shot-")
        settings = Settings(QSettings(os.path.join(tmp, "s.ini"), QSettings.IniFormat))
    else:
        settings = Settings()
    theme.apply(theme_name or settings.value("theme", "dark"))
    window = MainWindow(settings)
    window.quiet = bool(screenshot)
    if size:
        window.resize(*size)
    window.show()
    app.aboutToQuit.connect(window.shutdown)
    recovered = False if screenshot else offer_recovery(window)
    if not recovered:
        target = file or demo_path()
        failures: list[str] = []
        window.files.ended_without_result.connect(lambda kind, info, msg: failures.append(msg))
        if not window.actions_.open_path(target, wait=bool(screenshot)) and screenshot:
            reason = next((m for m in failures if m), "")
            line = reason if target in reason else f"cannot open {target}" + (
                f": {reason}" if reason else "")
            print(f"studio: {line}", file=sys.stderr)
            close_window(window)  # the engine and task threads end before Python lets go
            return 1
    if screenshot:
        window._default_dock_sizes()
    arrange_view(window, view)
    if screenshot:
        return _screenshot(app, window, screenshot, size)
    return app.exec()


def close_window(window) -> None:
    """Close without questions; stops autosave, the task lanes and the engine thread, which
    app.exec() would otherwise do on quit: a QThread still running when Python destroys it
    aborts the process (rc 134)."""
    window.quiet = True
    window.close()
    window.shutdown()  # a no-op when close already did it


def _screenshot(app, window, path: str, size=None) -> int:
    deadline = time.monotonic() + SCREENSHOT_TIMEOUT_S
    settled = 0
    while time.monotonic() < deadline:
        app.processEvents()
        if window.is_rendered():
            settled += 1
            if settled > 5:  # a few more turns of the loop so every view has painted
                break
        else:
            settled = 0
        time.sleep(0.02)
    if size and (window.width(), window.height()) != tuple(size):
        window.resize(*size)  # a status-bar progress strip may have grown it by a few pixels
        for _ in range(5):
            app.processEvents()
    app.processEvents()
    ok = window.grab().save(path, "PNG")
    close_window(window)
    if not ok:
        print(f"studio: cannot write the screenshot to {path}", file=sys.stderr)
        return 1
    print(path)
    return 0
