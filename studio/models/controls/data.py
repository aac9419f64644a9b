"""Training data of a controls model: clips analysed into controls once, held in memory as
one float16 tensor with each clip's class, note, velocity and hold.

The recipe's clips are fluidsynth renders whose note, velocity and hold are known from the
MIDI that made them (they are in the file names, see studio.bench._oneshots), so the analysis
is told the note instead of guessing it; drums are analysed as unpitched.
"""
from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from studio.models.controls.spec import ControlSpec


@dataclass
class ControlSet:
    audio: torch.Tensor          # (n, features, frames) float16: the controls (Trainer's name)
    labels: torch.Tensor         # (n,) long
    classes: tuple[str, ...]
    sample_rate: int             # the rate the clips were analysed at
    pitch_hz: torch.Tensor       # (n,) the note in Hz, 0 for a drum
    velocity: torch.Tensor       # (n,) 1..127
    hold: torch.Tensor           # (n,) seconds

    def summary(self) -> dict:
        """As ClipSet.summary: what the trainer records and the training dialog shows."""
        counts = torch.bincount(self.labels, minlength=len(self.classes) + 1).tolist()
        names = list(self.classes) + ["(none)"]
        return {"clips": int(self.audio.shape[0]),
                "seconds": round(float(self.audio.shape[0] * self.audio.shape[2]) / 100, 1),
                "sample_rate": self.sample_rate, "controls": int(self.audio.shape[1]),
                "per_class": {n: c for n, c in zip(names, counts) if c},
                "skipped": 0, "pitched": int((self.pitch_hz > 0).sum())}


def _analyse_file(job):
    path, rate, note, spec, frames = job
    import soundfile as sf
    torch.set_num_threads(1)
    from studio.models.controls.analysis import analyse
    audio, sr = sf.read(str(path), dtype="float32", always_2d=True)
    if sr != rate:
        raise ValueError(f"{path} is at {sr} Hz, not {rate}")
    return analyse(torch.from_numpy(audio.mean(axis=1)), rate, note, spec, frames).half()


def analyse_renders(folder: Path, classes: dict, spec: ControlSpec, frames: int, rate: int,
                    workers: int = 2, log: Callable[[str], None] = print) -> ControlSet:
    """Every <class>/<split>_<bank>_<program>_<k>_<pitch>_<velocity>_<hold ms>.flac under
    `folder` (studio.bench._oneshots.render_split with holds) analysed into controls;
    `classes` is _oneshots.CLASSES (which classes are melodic)."""
    jobs, meta = [], []
    for k, (name, (kind, _, _)) in enumerate(classes.items()):
        for path in sorted((Path(folder) / name).glob("*.flac")):
            parts = path.stem.split("_")
            midi, vel, hold = int(parts[4]), int(parts[5]), int(parts[6]) / 1000
            note = float(midi) if kind == "melodic" else None
            jobs.append((path, rate, note, spec, frames))
            meta.append((k, 440.0 * 2 ** ((midi - 69) / 12) if note is not None else 0.0,
                         vel, hold))
    out = []
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for i, feats in enumerate(pool.map(_analyse_file, jobs, chunksize=8)):
            out.append(feats)
            if (i + 1) % 200 == 0:
                log(f"analysed {i + 1}/{len(jobs)} clips")
    m = np.array(meta, dtype=np.float64)
    return ControlSet(audio=torch.stack(out), labels=torch.from_numpy(m[:, 0]).long(),
                      classes=tuple(classes), sample_rate=rate,
                      pitch_hz=torch.from_numpy(m[:, 1]).float(),
                      velocity=torch.from_numpy(m[:, 2]).float(),
                      hold=torch.from_numpy(m[:, 3]).float())


def save(data: ControlSet, path: Path) -> None:
    from studio.models.diffusion.checkpoint import save_tensors
    save_tensors(path, {"controls": data.audio, "labels": data.labels, "pitch_hz": data.pitch_hz,
                        "velocity": data.velocity, "hold": data.hold,
                        "rate": torch.tensor(data.sample_rate)})


def load(path: Path, classes: tuple[str, ...]) -> ControlSet:
    from studio.models.diffusion.checkpoint import load_tensors
    t = load_tensors(path)
    return ControlSet(audio=t["controls"], labels=t["labels"], classes=classes,
                      sample_rate=int(t["rate"]), pitch_hz=t["pitch_hz"],
                      velocity=t["velocity"], hold=t["hold"])
