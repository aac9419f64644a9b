"""Where timbre presets are found: the bundled instruments (resources/presets/timbre/), then
the ones the user learned with 'Learn timbre' (<data dir>/presets/timbre/). The form's model
field lists them (studio.ui.forms.model_names reads `list_models` of a family's catalog), so
Change instrument offers its instruments in an editable combo instead of a bare text box."""
from __future__ import annotations

from pathlib import Path

from studio import paths


def bundled_dir() -> Path:
    return paths.resource("presets", "timbre")


def user_dir() -> Path:
    return paths.data_dir() / "presets" / "timbre"


def list_models() -> list[tuple[str, Path]]:
    """(name, preset file) of every preset, bundled first, then the user's learned ones."""
    found = []
    for folder in (bundled_dir(), user_dir()):
        if folder.is_dir():
            found.extend((js.stem, js) for js in sorted(folder.glob("*.json")))
    return found
