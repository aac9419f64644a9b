"""A folder of clips as training data: every audio file under the folder, its class from the
first sub-folder name (files directly in the folder have no class), mixed to mono, resampled,
trimmed of leading silence, peak-normalised, and cropped or padded to the clip length.

Everything is held in memory as one tensor: a user's sample folder is minutes of audio, and
a fixed tensor makes batches, augmentation and resume exactly reproducible from a seed.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from studio.errors import StudioError
from studio.io.audiofile import read
from studio.io.formats import EXTENSIONS
from studio.io.resample import resample

PEAK = 0.8           # clips are scaled to this peak before training
ONSET_DB = -50.0     # leading samples below this (re the peak) are trimmed


@dataclass
class ClipSet:
    audio: torch.Tensor          # (n, length) float32
    labels: torch.Tensor         # (n,) long; len(classes) for "no class"
    classes: tuple[str, ...]
    sample_rate: int
    skipped: list[str] = field(default_factory=list)  # "file: why" for unreadable files
    pitch_hz: torch.Tensor | None = None  # (n,) each clip's fundamental, 0 = unpitched

    def estimate_pitch(self, progress: Callable[[float, str], None] | None = None) -> None:
        """Fill `pitch_hz` (pYIN on every clip's head), for a model conditioned on pitch."""
        from studio.models.diffusion import pitch
        report = None if progress is None else (lambda f: progress(f, "estimating pitch"))
        self.pitch_hz = pitch.clip_pitches(self.audio, self.sample_rate, report)

    def summary(self) -> dict:
        counts = Counter(int(i) for i in self.labels)
        names = list(self.classes) + ["(none)"]
        return {"clips": int(self.audio.shape[0]),
                "seconds": round(float(self.audio.numel()) / self.sample_rate, 1),
                "sample_rate": self.sample_rate,
                "per_class": {names[i]: counts[i] for i in sorted(counts)},
                "skipped": len(self.skipped),
                **({} if self.pitch_hz is None else {"pitched": int((self.pitch_hz > 0).sum())})}

    def std(self) -> float:
        return float(self.audio.std())


def audio_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*")
                  if p.is_file() and p.suffix.lower() in EXTENSIONS
                  and not any(part.startswith(".") for part in p.relative_to(folder).parts))


def prepare_clip(audio: np.ndarray, rate: int, target_rate: int, length: int) -> np.ndarray | None:
    """(channels, frames) -> (length,) mono at target_rate, onset at 0, peak PEAK; None when
    the file is silent."""
    mono = audio.mean(axis=0) if audio.ndim == 2 else audio
    if rate != target_rate:
        mono = resample(mono, rate, target_rate)
    peak = float(np.abs(mono).max()) if mono.size else 0.0
    if peak <= 1e-6:
        return None
    onset = int(np.argmax(np.abs(mono) > peak * 10 ** (ONSET_DB / 20)))
    clip = np.zeros(length, np.float32)
    part = mono[onset:onset + length]
    clip[:len(part)] = part * (PEAK / peak)
    return clip


def load_folder(folder: str | Path, sample_rate: int, length: int,
                classes: tuple[str, ...] | None = None,
                progress: Callable[[float, str], None] | None = None) -> ClipSet:
    """Every clip under `folder`. `classes` fixes the class order (a resumed run, or a model
    being fine-tuned); by default it is the sorted sub-folder names."""
    folder = Path(folder)
    if not folder.is_dir():
        raise StudioError(f"training data folder {folder} does not exist")
    files = audio_files(folder)
    if not files:
        raise StudioError(f"no audio files under {folder} "
                          f"(looked for {', '.join(sorted(EXTENSIONS))})")
    def class_of(p: Path) -> str:
        rel = p.relative_to(folder).parts
        return rel[0] if len(rel) > 1 else ""
    found = sorted({class_of(p) for p in files} - {""})
    classes = tuple(found) if classes is None else tuple(classes)
    clips, labels, skipped = [], [], []
    for i, path in enumerate(files):
        name = class_of(path)
        if name and name not in classes:
            skipped.append(f"{path}: class {name!r} is not one of the model's")
            continue
        try:
            audio, rate = read(path)
        except StudioError as e:
            skipped.append(f"{path}: {e}")
            continue
        clip = prepare_clip(audio, rate, sample_rate, length)
        if clip is None:
            skipped.append(f"{path}: silent")
            continue
        clips.append(clip)
        labels.append(classes.index(name) if name else len(classes))
        if progress is not None and i % 16 == 0:
            progress(i / len(files), f"reading {path.name}")
    if not clips:
        raise StudioError(f"none of the {len(files)} files under {folder} could be used "
                          f"(first problem: {skipped[0] if skipped else 'none'})")
    return ClipSet(torch.from_numpy(np.stack(clips)), torch.tensor(labels, dtype=torch.long),
                   classes, sample_rate, skipped)


def augment(batch: torch.Tensor, generator: torch.Generator, max_shift: int,
            gain_db: float = 3.0) -> torch.Tensor:
    """Random gain (+-gain_db) and a small random delay (0..max_shift samples) per clip."""
    n, length = batch.shape
    gains = 10 ** ((torch.rand(n, generator=generator) * 2 - 1) * gain_db / 20)
    shifts = torch.randint(0, max_shift + 1, (n,), generator=generator)
    idx = torch.arange(length)[None, :] - shifts[:, None]
    shifted = torch.where(idx >= 0, batch.gather(1, idx.clamp_min(0)), batch.new_zeros(()))
    return shifted * gains[:, None]
