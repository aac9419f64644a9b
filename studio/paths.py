"""Where things live: bundled resources, user config and data (XDG), caches.

Resources sit beside the package in a source checkout or an editable install, and under
sys._MEIPASS in a PyInstaller bundle (build_spec/studio.spec puts them there).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

APP_DIR_NAME = "audio-diffusion-studio"


def resources_dir() -> Path:
    override = os.environ.get("STUDIO_RESOURCES")
    if override:
        return Path(override)
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def resource(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)


def _xdg(var: str, default: str) -> Path:
    base = os.environ.get(var) or os.path.join(os.path.expanduser("~"), default)
    return Path(base) / APP_DIR_NAME


def config_dir() -> Path:
    return _xdg("XDG_CONFIG_HOME", ".config")


def data_dir() -> Path:
    return _xdg("XDG_DATA_HOME", ".local/share")


def cache_dir() -> Path:
    return _xdg("XDG_CACHE_HOME", ".cache")
