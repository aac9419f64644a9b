"""What the window remembers between runs (QSettings): layout, theme, recent files, the
spectrogram's and transport's options, and whether the demo was shown on first start."""
from __future__ import annotations

import os

from PySide6.QtCore import QByteArray, QSettings

MAX_RECENT = 10


class Settings:
    def __init__(self, qsettings: QSettings | None = None):
        self.q = qsettings or QSettings("AudioDiffusionStudio", "studio")

    def value(self, key: str, default=None, type_=None):
        v = self.q.value(key, default)
        if v is None or type_ is None:
            return v
        try:
            if type_ is bool:
                return v if isinstance(v, bool) else str(v).lower() in ("1", "true", "yes")
            return type_(v)
        except (TypeError, ValueError):
            return default

    def set(self, key: str, value) -> None:
        self.q.setValue(key, value)

    # recent files
    def recent_files(self) -> list[str]:
        v = self.q.value("recent_files", [])
        if isinstance(v, str):
            v = [v]
        return [p for p in (v or []) if isinstance(p, str)]

    def add_recent(self, path: str) -> list[str]:
        path = os.path.abspath(path)
        files = [path] + [p for p in self.recent_files() if p != path]
        self.q.setValue("recent_files", files[:MAX_RECENT])
        return files[:MAX_RECENT]

    def clear_recent(self) -> None:
        self.q.setValue("recent_files", [])

    # window layout
    def save_layout(self, geometry: QByteArray, state: QByteArray) -> None:
        self.q.setValue("window/geometry", geometry)
        self.q.setValue("window/state", state)

    def layout(self) -> tuple[QByteArray | None, QByteArray | None]:
        return self.q.value("window/geometry"), self.q.value("window/state")

    def sync(self) -> None:
        self.q.sync()
