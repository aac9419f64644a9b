"""Opening, saving and exporting, with progress and cancel, kept out of the window class.

Loading: core's `load_state(path, progress, cancelled)` reads the file block by block and calls
`progress`; the engine host runs registry operations only, and only the engine owns threads,
so the load runs here with a modal progress dialog that pumps the event loop from the progress
callback (the window repaints, Cancel works). Blocks are built as the file streams in, so even
a one-hour file never needs a second full copy.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QProgressDialog

from studio.errors import Cancelled

AUDIO_FILTER = ("Audio files (*.wav *.flac *.ogg *.oga *.aiff *.aif *.mp3 *.w64 *.rf64 *.caf);;"
                "Sessions (*.studio);;All files (*)")
SESSION_EXT = ".studio"


class _Progress:
    def __init__(self, parent, title: str):
        self.dialog = QProgressDialog(title, "Cancel", 0, 1000, parent)
        self.dialog.setWindowModality(Qt.WindowModal)
        self.dialog.setMinimumDuration(400)
        self.dialog.setAutoClose(False)
        self.dialog.setValue(0)

    def __call__(self, fraction: float, message: str = "") -> None:
        self.dialog.setValue(int(max(0.0, min(1.0, fraction)) * 1000))
        if message:
            self.dialog.setLabelText(message)
        QApplication.processEvents()

    def cancelled(self) -> bool:
        return self.dialog.wasCanceled()

    def close(self) -> None:
        self.dialog.reset()
        self.dialog.close()


def load_document(path: str, parent=None):
    """Open an audio file or a session as a core Document (raises StudioError / Cancelled)."""
    prog = _Progress(parent, f"Opening {path}…")
    try:
        if str(path).endswith(SESSION_EXT):
            from studio.core import session
            return session.load_session(path, progress=prog, cancelled=prog.cancelled)
        from studio.core.loading import load_document as load
        doc = load(path, progress=prog, cancelled=prog.cancelled)
        if prog.cancelled():
            raise Cancelled()
        return doc
    finally:
        prog.close()


def save_session(doc, path: str, parent=None) -> None:
    from studio.core import session
    session.save_session(doc, path)
    doc.mark_saved()


def export_audio(state, path: str, a: int, b: int, fmt: str, subtype: str,
                 rate: int | None, parent=None):
    from studio.io import export
    prog = _Progress(parent, f"Exporting {path}…")
    try:
        chunks = (state.read(i, min(b, i + (1 << 18))) for i in range(a, b, 1 << 18))
        return export.write(path, chunks, state.sample_rate, format=fmt, subtype=subtype,
                            target_rate=rate, progress=prog, cancelled=prog.cancelled,
                            frames=b - a)
    finally:
        prog.close()
