"""Named parameter presets per operation.

Bundled presets are `resources/presets/<op_id>/<name>.json`; the user's own live in
`<config dir>/presets/<op_id>/<name>.json` and hide a bundled one of the same name. A preset
file is `{"op": op_id, "name": name, "params": {...}}`; it is validated against the op's schema
when saved and when loaded, so a preset written for an older version fails with one clear line
instead of running with nonsense.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from studio import paths
from studio.engine import registry
from studio.errors import StudioError
from studio.io import jsonfile
from studio.io.atomic import write_text

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.+()\-]{0,63}$")


@dataclass(frozen=True)
class PresetInfo:
    op_id: str
    name: str
    path: Path
    bundled: bool


def user_dir(op_id: str) -> Path:
    return paths.config_dir() / "presets" / op_id


def bundled_dir(op_id: str) -> Path:
    return paths.resource("presets", op_id)


def _check_name(name: str) -> str:
    name = str(name).strip()
    if not _NAME.match(name) or name.endswith("."):
        raise StudioError(f"preset name '{name}' is not allowed (letters, digits, spaces and "
                          f"_ . + ( ) -, up to 64 characters)")
    return name


def list_presets(op_id: str) -> list[PresetInfo]:
    """Every preset of an operation, user ones hiding bundled ones of the same name."""
    registry.get(op_id)
    found: dict[str, PresetInfo] = {}
    for folder, bundled in ((bundled_dir(op_id), True), (user_dir(op_id), False)):
        if folder.is_dir():
            for f in sorted(folder.glob("*.json")):
                found[f.stem] = PresetInfo(op_id, f.stem, f, bundled)
    return sorted(found.values(), key=lambda p: p.name.lower())


def _find(op_id: str, name: str) -> PresetInfo:
    for p in list_presets(op_id):
        if p.name == name:
            return p
    names = ", ".join(p.name for p in list_presets(op_id)) or "none"
    raise StudioError(f"no preset '{name}' for {op_id} (presets: {names})")


def load_preset(op_id: str, name: str) -> dict[str, Any]:
    """The preset's parameter values, validated against the op's current schema."""
    info = _find(op_id, name)
    data = jsonfile.read(info.path, f"preset '{name}' for {op_id}", max_bytes=1 << 20)
    values = data.get("params") if isinstance(data, dict) else None
    if not isinstance(values, dict):
        raise StudioError(f"preset '{name}' for {op_id} has no 'params' object")
    if data.get("op", op_id) != op_id:
        raise StudioError(f"preset '{name}' is for {data.get('op')}, not {op_id}")
    try:
        registry.get(op_id).schema.validate(values)
    except StudioError as e:
        raise StudioError(f"preset '{name}' for {op_id}: {e}") from None
    return dict(values)


def _jsonable(v: Any) -> Any:
    return list(v) if isinstance(v, tuple) else v


def save_preset(op_id: str, name: str, values: Mapping[str, Any]) -> Path:
    """Validate and save (atomically) a user preset; returns its path."""
    name = _check_name(name)
    params = registry.get(op_id).schema.validate(values)
    folder = user_dir(op_id)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise StudioError(f"cannot save preset '{name}': {e.strerror or e}") from None
    path = folder / f"{name}.json"
    text = json.dumps({"op": op_id, "name": name,
                       "params": {k: _jsonable(v) for k, v in params.items()}}, indent=2)
    write_text(path, text + "\n", action=f"save preset '{name}' to")
    return path


def delete_preset(op_id: str, name: str) -> None:
    info = _find(op_id, name)
    if info.bundled:
        raise StudioError(f"preset '{name}' is bundled with the app and cannot be deleted")
    try:
        info.path.unlink()
    except OSError as e:
        raise StudioError(f"cannot delete preset '{name}': {e.strerror or e}") from None
