"""Where a save or export dialog first points: beside the document's own file, so the result
lands where the user keeps that recording; in the user's Music folder (or home) when the
document has no file, or when its file is one the app ships (the demo): writing into the
app's resources or package would put the user's work where an update or reinstall deletes
it, or where they may not write at all."""
from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QStandardPaths

import studio
from studio.paths import resources_dir


def _inside(path: str, folder: Path) -> bool:
    try:
        Path(path).resolve().relative_to(folder.resolve())
        return True
    except (ValueError, OSError):
        return False


def app_owned(path: str) -> bool:
    """Whether `path` lies in the app's bundled resources or its package folder."""
    package = Path(studio.__file__).parent
    return _inside(path, resources_dir()) or _inside(path, package)


def user_folder() -> str:
    """The user's Music folder when there is one, else their home folder."""
    music = QStandardPaths.writableLocation(QStandardPaths.MusicLocation)
    return music if music and os.path.isdir(music) else os.path.expanduser("~")


def suggested_path(doc_path: str | None, tail: str) -> str:
    """`<document name><tail>` (tail: "-export.wav", ".adsession") in the folder to offer."""
    stem = os.path.splitext(os.path.basename(doc_path or ""))[0] or "untitled"
    folder = os.path.dirname(os.path.abspath(doc_path)) \
        if doc_path and not app_owned(doc_path) else user_folder()
    return os.path.join(folder, stem + tail)
