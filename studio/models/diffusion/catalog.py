"""Where diffusion models are found: the bundled ones in resources/models, then the user's
(trained with `studio train` or the app's "Train on folder…", installed under the data dir).
A model is named by its stem ("oneshots"), or given as a path to its .json/.safetensors or
to a training run directory."""
from __future__ import annotations

import shutil
from pathlib import Path

from studio.errors import StudioError
from studio.models.diffusion.config import model_files
from studio.paths import data_dir, resources_dir

DEFAULT = "oneshots"


def bundled_dir() -> Path:
    return resources_dir() / "models"


def user_dir() -> Path:
    return data_dir() / "models"


def list_models() -> list[tuple[str, Path]]:
    """(name, config path) of every complete model, bundled first; a user model with a
    bundled model's name is listed after it and found only by path."""
    found = []
    for folder in (bundled_dir(), user_dir()):
        if folder.is_dir():
            for js in sorted(folder.glob("*.json")):
                st, _ = model_files(js)
                if st.exists():
                    found.append((js.stem, js))
    return found


def find_model(name: str = "") -> Path:
    """The config path of a model given by name or path ('' means the default)."""
    name = (name or DEFAULT).strip()
    path = Path(name).expanduser()
    if path.is_dir():
        path = path / "model.json"
    if path.suffix in (".json", ".safetensors") or path.exists():
        st, js = model_files(path)
        if st.exists() and js.exists():
            return js
        raise StudioError(f"no diffusion model at {path} (needs {st.name} and {js.name})")
    for stem, js in list_models():
        if stem == name:
            return js
    known = ", ".join(stem for stem, _ in list_models()) or "none installed"
    raise StudioError(f"unknown diffusion model {name!r} (known: {known})")


def install(run_dir: str | Path, name: str) -> Path:
    """Copy a training run's model into the user's models as `name`; the config path."""
    st, js = model_files(Path(run_dir) / "model.json")
    if not st.exists() or not js.exists():
        raise StudioError(f"{run_dir} has no trained model yet (model.safetensors/json)")
    if not name or any(c in name for c in "/\\") or name.startswith("."):
        raise StudioError(f"{name!r} is not a usable model name")
    dest = user_dir()
    dest.mkdir(parents=True, exist_ok=True)
    from studio.io.atomic import atomic_path
    for src, suffix in ((st, ".safetensors"), (js, ".json")):
        with atomic_path(dest / f"{name}{suffix}", action="install the model as") as tmp:
            shutil.copyfile(src, tmp)
    return dest / f"{name}.json"


def choices(name: str, what: str, class_name: str = "") -> list[str]:
    """What the model `name` offers a form, read from its JSON config alone (no torch):
    "classes" (its class names) or "notes" (for a pitch-conditioned model, the notes its
    training clips had, low to high: those of `class_name` when it is one of its classes);
    [] for an unknown model or an unreadable config."""
    from studio.io import jsonfile
    try:
        cfg = jsonfile.read(find_model(name), "model config", max_bytes=1 << 20)
    except (StudioError, OSError, ValueError):
        return []
    if what == "classes":
        return [str(c) for c in cfg.get("audio", {}).get("classes", [])]
    if what == "notes":
        from studio.models.diffusion.notes import midi_name
        if not cfg.get("network", {}).get("cond_dim"):
            return []
        table = cfg.get("training", {}).get("pitch") or {}
        rows = [table[class_name]] if class_name in table else list(table.values())
        midis = {int(m) for row in rows for m in row.get("notes", {})}
        return [midi_name(m) for m in sorted(midis)]
    return []


def load(name: str = "", device="cpu", cache: dict | None = None):
    """A `DiffusionModel` for `name` on `device`, kept in `cache` (the engine's model cache)
    so the next job does not load it again."""
    import torch

    from studio.models.diffusion.checkpoint import load_model
    js = find_model(name)
    key = ("diffusion", str(js.resolve()), js.stat().st_mtime_ns, str(torch.device(device)))
    if cache is not None and key in cache:
        return cache[key]
    model = wrap(load_model(js, device))
    if cache is not None:
        cache[key] = model
    return model


def wrap(denoiser):
    """The model interface for a loaded `Denoiser`: a controls model (generator v2) when its
    config has a control frame rate, the waveform model otherwise."""
    if denoiser.cfg.controls.frame_rate:
        from studio.models.controls.model import ControlModel
        return ControlModel(denoiser)
    from studio.models.diffusion.pipeline import DiffusionModel
    return DiffusionModel(denoiser)
