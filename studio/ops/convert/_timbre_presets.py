"""Finding timbre presets: a path, a bundled name (resources/presets/timbre/) or a name the
user learned (<data dir>/presets/timbre/)."""
from __future__ import annotations

from pathlib import Path

from studio.dsp.voice.timbre_model import TimbreModel
from studio.errors import StudioError
from studio.models.timbre.catalog import bundled_dir, list_models, user_dir

__all__ = ["available", "bundled_dir", "load", "resolve", "user_dir"]


def available() -> list[str]:
    return sorted({name for name, _ in list_models()})


def resolve(name_or_path: str) -> Path:
    value = (name_or_path or "").strip()
    if not value:
        raise StudioError("choose a timbre model (a preset name or a preset file)")
    p = Path(value).expanduser()
    if p.suffix in (".json", ".safetensors") or p.parent != Path("."):
        if p.with_suffix(".json").exists():
            return p.with_suffix(".json")
        raise StudioError(f"timbre preset file '{value}' does not exist")
    for d in (user_dir(), bundled_dir()):  # the user's own hides a bundled one
        if (d / f"{value}.json").exists():
            return d / f"{value}.json"
    raise StudioError(f"no timbre preset named '{value}' (available: "
                      f"{', '.join(available()) or 'none'})")


def load(name_or_path: str) -> TimbreModel:
    return TimbreModel.load(resolve(name_or_path))
