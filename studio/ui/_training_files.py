"""What the training dialog reads from disk without torch: the classes of a data folder (as
`studio.models.diffusion.data` will see them: the first sub-folder name, hidden paths
skipped), a run folder's saved state (train_state.json is plain JSON), its demo clips, and the
running mean of the loss curve.

The rules of `data.audio_files` are restated here because that module holds torch, which the
UI never imports; the counts are a preview, the trainer reports what it really used.
"""
from __future__ import annotations

import json
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from studio.io.formats import EXTENSIONS

SCAN_LIMIT = 200_000      # directory entries looked at before the count says "at least"
DEMO_DIR = re.compile(r"step_(\d+)$")


@dataclass
class FolderScan:
    folder: str
    per_class: dict[str, int] = field(default_factory=dict)  # "" for files with no class
    truncated: bool = False

    @property
    def files(self) -> int:
        return sum(self.per_class.values())

    @property
    def classes(self) -> list[str]:
        return sorted(c for c in self.per_class if c)

    def problems(self, few: int = 8) -> list[str]:
        """What would make this folder train badly, in the user's words ([] when fine)."""
        if not self.files:
            return ["no audio files: put clips in sub-folders named after their class"]
        out = []
        if not self.classes:
            out.append("no sub-folders: the model learns without classes (Generate cannot "
                       "ask for one)")
        thin = [c for c in self.classes if self.per_class[c] < few]
        if thin:
            out.append(f"few clips in {', '.join(thin[:6])}{' …' if len(thin) > 6 else ''} "
                       f"(under {few}: that class will sound like its few examples)")
        return out

    def text(self, max_classes: int = 16) -> str:
        if not self.files:
            return ("no audio files among the first entries looked at" if self.truncated
                    else "no audio files in this folder")
        more = "at least " if self.truncated else ""
        parts = [f"{c} ({self.per_class[c]})" for c in self.classes[:max_classes]]
        if len(self.classes) > max_classes:
            parts.append(f"… {len(self.classes) - max_classes} more")
        loose = self.per_class.get("", 0)
        if loose:
            parts.append(f"no class ({loose})")
        n = len(self.classes)
        return (f"{more}{self.files} files in {n} class{'es' if n != 1 else ''}: "
                + ", ".join(parts))


def scan_data_folder(folder: str, cancelled: Callable[[], bool] = lambda: False,
                     limit: int = SCAN_LIMIT) -> FolderScan:
    """Count the audio files under `folder` per class, looking at most `limit` entries."""
    root = Path(folder)
    counts: Counter = Counter()
    seen = 0
    truncated = False
    for dirpath, dirnames, filenames in os.walk(root):
        if cancelled():
            break
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        rel = Path(dirpath).relative_to(root).parts
        cls = rel[0] if rel else ""
        for name in filenames:
            if not name.startswith(".") and os.path.splitext(name)[1].lower() in EXTENSIONS:
                counts[cls] += 1
        seen += len(filenames) + len(dirnames)
        if seen >= limit:
            truncated = True
            break
    return FolderScan(str(folder), dict(counts), truncated)


@dataclass
class RunInfo:
    step: int
    steps: int
    size: str
    sample_rate: int
    seconds: float
    classes: list[str]
    has_model: bool
    batch: int = 16
    demo_every: int = 0
    pitch: bool = False    # conditioned on each clip's pitch
    fine_tuned_from: str = ""  # the model a fine-tune started from (its name)


def inspect_run(run_dir: str) -> RunInfo | None:
    """The saved state of the training run in `run_dir`, or None when there is none."""
    path = Path(run_dir) / "train_state.json"
    try:
        meta = json.loads(path.read_text())
        audio, train = meta["model"]["audio"], meta["train"]
        # a controls model's length is in control frames, not samples
        per_second = controls_frame_rate(meta["model"]) or int(audio["sample_rate"])
        return RunInfo(step=int(meta["step"]), steps=int(train["steps"]),
                       batch=int(train.get("batch", 16)),
                       demo_every=int(train.get("demo_every", 0)),
                       size=str(meta["model"].get("size", "")),
                       sample_rate=int(audio["sample_rate"]),
                       seconds=round(int(audio["length"]) / per_second, 3),
                       classes=list(audio.get("classes", [])),
                       has_model=has_model(run_dir),
                       pitch=bool(meta["model"].get("network", {}).get("cond_dim", 0)),
                       fine_tuned_from=Path(str(meta["model"].get("training", {}).get(
                           "fine_tuned_from", "") or "")).stem)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def controls_frame_rate(model_json: dict) -> int:
    """A model config's control frame rate; 0 for a waveform model."""
    controls = model_json.get("controls") or {}
    return int(controls.get("frame_rate", 0) or 0) if isinstance(controls, dict) else 0


@dataclass
class BaseModel:
    """A controls model that a run can fine-tune, as the dialog shows it."""
    name: str
    size: str
    sample_rate: int
    seconds: float
    classes: list[str]


def controls_models() -> list[BaseModel]:
    """The installed and bundled controls models (the ones `studio train --init-from` takes),
    read from their JSON configs (bounded, untrusted); an unreadable config is left out."""
    from studio.errors import StudioError
    from studio.io import jsonfile
    from studio.models.diffusion.catalog import list_models  # paths only, no torch
    found = []
    for name, js in list_models():
        try:
            meta = jsonfile.read(js, f"model config {name}")
            rate = controls_frame_rate(meta)
            if not rate:
                continue
            audio = meta["audio"]
            found.append(BaseModel(name, str(meta.get("size", "")), int(audio["sample_rate"]),
                                   round(int(audio["length"]) / rate, 3),
                                   [str(c) for c in audio.get("classes", [])]))
        except (StudioError, ValueError, KeyError, TypeError, AttributeError):
            continue
    return found


def run_losses(run_dir: str) -> np.ndarray:
    """The loss of every step a saved run took (train_state.safetensors keeps them for exact
    resumes), read alone from the file without torch; empty when there is none."""
    path = Path(run_dir) / "train_state.safetensors"
    if not path.is_file():
        return np.zeros(0)
    try:
        from safetensors import safe_open
        with safe_open(str(path), framework="numpy") as f:
            if "losses" not in f.keys():
                return np.zeros(0)
            return np.asarray(f.get_tensor("losses"), np.float64).ravel()
    except Exception:  # noqa: BLE001 - a partly written or foreign file: no history to show
        return np.zeros(0)


def has_model(run_dir: str) -> bool:
    d = Path(run_dir)
    return (d / "model.json").is_file() and (d / "model.safetensors").is_file()


def list_demos(run_dir: str, limit: int = 200) -> list[tuple[int, list[Path]]]:
    """(step, clips) of the run's demo folders, oldest first (the newest `limit` of them)."""
    base = Path(run_dir) / "demos"
    if not base.is_dir():
        return []
    steps = []
    for d in base.iterdir():
        m = DEMO_DIR.match(d.name)
        if m and d.is_dir():
            steps.append((int(m.group(1)), d))
    steps.sort()
    return [(s, sorted(d.glob("*.wav"))) for s, d in steps[-limit:]]


def running_mean(values: np.ndarray, window: int = 50) -> np.ndarray:
    """Mean of the last `window` values at each point (fewer at the start)."""
    v = np.asarray(values, np.float64)
    if v.size == 0:
        return v
    c = np.concatenate([[0.0], np.cumsum(v)])
    i = np.arange(1, v.size + 1)
    lo = np.maximum(0, i - window)
    return (c[i] - c[lo]) / (i - lo)
