"""Finding timbre presets: a path, a bundled name (resources/presets/timbre/) or a name the
user learned (<data dir>/presets/timbre/)."""
from __future__ import annotations

from pathlib import Path

from studio import paths
from studio.dsp.voice.timbre_model import TimbreModel
from studio.errors import StudioError


def bundled_dir() -> Path:
    return paths.resource("presets", "timbre")


def user_dir() -> Path:
    return paths.data_dir() / "presets" / "timbre"


def available() -> list[str]:
    names = set()
    for d in (bundled_dir(), user_dir()):
        if d.is_dir():
            names.update(p.stem for p in d.glob("*.json"))
    return sorted(names)


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
