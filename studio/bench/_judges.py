"""Two referees for generated notes that share no architecture, features or training clips,
and the held-note material they are trained and tested on.

- Judge A: `_judge.JudgeNet`, a 2-D CNN on 64-band log-mel images of 1.536 s at 16 kHz,
  trained on the split "held-judge-a".
- Judge B: `MfccGru` below, a bidirectional GRU over 30 MFCCs and their deltas of 2 s at
  22.05 kHz, trained on the split "held-judge-b".
Both are tested on "held-judge-test"; the generator's recipe trains on "ctl-train". Each split
is a different draw of notes (class, program or kit, pitch, velocity, and a hold of 0.25-4 s)
rendered by fluidsynth at 44.1 kHz (`_oneshots.render_split` with holds), so the judges hear
notes as long as those a user asks for. Neither judge is ever used to choose a generator
setting: B exists to check what A says (the generator's own judge said 73 % where an
independent one said 53 %).
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from studio.bench import _judge as A
from studio.bench import _oneshots
from studio.paths import cache_dir

HELD_RATE = 44100
HELD_SECONDS = 5.12
HOLDS = (0.25, 4.0)
SPLIT_A, SPLIT_B, SPLIT_TEST = "held-judge-a", "held-judge-b", "held-judge-test"
B_RATE, B_LENGTH = 22050, 44100   # judge B hears 2 s at 22.05 kHz
# a GRU over MFCCs overfits 100 notes a class (82 % on held-out notes); 250 reach >= 90 %
B_PER_CLASS, B_EPOCHS = 250, 40
VERSION = 1


def material_dir() -> Path:
    return cache_dir() / "held-notes"


def held_files(split: str, per_class: int, log: Callable[[str], None] = print
               ) -> list[tuple[Path, int, float, float]]:
    """(file, class index, note Hz (0 for drums), hold s) of a rendered held-note split."""
    folder = _oneshots.render_split(material_dir() / split, split, per_class, HELD_RATE,
                                    seconds=HELD_SECONDS, log=log, holds=HOLDS)
    out = []
    for k, (name, (kind, _, _)) in enumerate(_oneshots.CLASSES.items()):
        for path in sorted((folder / name).glob(f"{split}_*.flac")):
            parts = path.stem.split("_")
            midi = int(parts[4])
            hz = 440.0 * 2 ** ((midi - 69) / 12) if kind == "melodic" else 0.0
            out.append((path, k, hz, int(parts[6]) / 1000))
    return out


def load_prepared(split: str, per_class: int, rate: int, length: int,
                  log: Callable[[str], None] = print) -> tuple[torch.Tensor, torch.Tensor]:
    """(clips (n, length) at `rate`, onset at 0, peak-normalised; labels (n,))."""
    return A.prepare_files([(path, k) for path, k, _, _ in held_files(split, per_class, log)],
                           rate, length)


def load_raw(split: str, per_class: int, log: Callable[[str], None] = print):
    """The split's clips as rendered (44.1 kHz, each its own length) with (class, Hz, hold)."""
    import soundfile as sf
    rows = []
    for path, k, hz, hold in held_files(split, per_class, log):
        audio, _ = sf.read(str(path), dtype="float32", always_2d=True)
        rows.append((audio.mean(axis=1), k, hz, hold))
    return rows


class MfccGru(nn.Module):
    """30 MFCCs (96 mel bands, 46 ms windows, 11.6 ms hop) and their deltas, normalised per
    coefficient, through a 2-layer bidirectional GRU; the mean and max of its outputs over
    time feed a linear classifier."""

    def __init__(self, classes: int, hidden: int = 64):
        super().__init__()
        import torchaudio
        self.mfcc = torchaudio.transforms.MFCC(B_RATE, n_mfcc=30, log_mels=True, melkwargs={
            "n_fft": 1024, "hop_length": 256, "n_mels": 96, "f_min": 20.0, "f_max": B_RATE / 2})
        self.delta = torchaudio.transforms.ComputeDeltas()
        self.register_buffer("centre", torch.zeros(60, 1))
        self.register_buffer("scale", torch.ones(60, 1))
        self.gru = nn.GRU(60, hidden, num_layers=2, batch_first=True, bidirectional=True,
                          dropout=0.1)
        self.head = nn.Linear(4 * hidden, classes)

    def features(self, clips: torch.Tensor) -> torch.Tensor:
        m = self.mfcc(clips)
        return torch.cat([m, self.delta(m)], dim=1)          # (n, 60, frames)

    def forward(self, clips: torch.Tensor) -> torch.Tensor:
        f = (self.features(clips) - self.centre) / self.scale
        h, _ = self.gru(f.transpose(1, 2))
        h = torch.cat([h.mean(dim=1), h.amax(dim=1)], dim=1)
        return self.head(F.dropout(h, 0.2, self.training))


def train_b(clips, labels, classes, epochs: int = B_EPOCHS, seed: int = 1, log=print) -> MfccGru:
    g = torch.Generator().manual_seed(seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        net = MfccGru(len(classes))
    with torch.no_grad():
        f = net.features(clips[:256])
        net.centre.copy_(f.mean(dim=(0, 2))[:, None])
        net.scale.copy_(f.std(dim=(0, 2))[:, None].clamp_min(1e-3))
    A.fit_classifier(net, lambda x: x, clips, labels, epochs, g, B_RATE, grad_clip=1.0,
                     name="judge B", log=log)
    return net.eval()


def _cached(name: str, key: dict, build: Callable[[], nn.Module], make: Callable[[], nn.Module],
            log) -> nn.Module:
    from studio.models.diffusion.checkpoint import load_tensors, save_tensors
    digest = hashlib.sha1(json.dumps(key, sort_keys=True).encode()).hexdigest()[:12]
    path = cache_dir() / "bench" / "generate" / f"{name}-{digest}.safetensors"
    if path.exists():
        net = make()
        net.load_state_dict(load_tensors(path))
        log(f"{name} from the cache ({path})")
        return net.eval()
    net = build()
    path.parent.mkdir(parents=True, exist_ok=True)
    save_tensors(path, {k: v.contiguous() for k, v in net.state_dict().items()})
    return net.eval()


class Judges:
    """Both referees: `predict(clips, rate)` -> {"A": classes, "B": classes}, each judge
    hearing the clips (n, samples) at its own rate and length, peak-normalised."""

    names = ("A", "B")

    def __init__(self, a: A.Judge, b: MfccGru, classes: tuple[str, ...]):
        self.a, self.b, self.classes = a, b, classes

    @torch.no_grad()
    def predict(self, clips: torch.Tensor, rate: int) -> dict[str, torch.Tensor]:
        return {"A": self.a.predict(fit(clips, rate, A.RATE, A.LENGTH)),
                "B": torch.cat([self.b(x).argmax(dim=1) for x in
                                fit(clips, rate, B_RATE, B_LENGTH).split(64)])}


def fit(clips: torch.Tensor, rate: int, to_rate: int, length: int) -> torch.Tensor:
    """Clips (n, samples) resampled, cropped or padded to `length`, peak-normalised."""
    from torchaudio import functional as AF
    x = clips.float()
    if rate != to_rate:
        x = AF.resample(x, rate, to_rate)
    x = F.pad(x, (0, max(0, length - x.shape[1])))[:, :length]
    return A.normalise(x)


def judges(per_class: int = 100, log: Callable[[str], None] = print) -> Judges:
    """Both judges, trained on first use and cached under the cache dir."""
    classes = tuple(_oneshots.CLASSES)
    key = {"v": VERSION, "per_class": per_class, "classes": classes, "holds": HOLDS}
    key_b = {**key, "per_class": max(per_class, B_PER_CLASS), "epochs": B_EPOCHS}

    def build_a():
        clips, labels = load_prepared(SPLIT_A, per_class, A.RATE, A.LENGTH, log)
        log(f"training judge A on {clips.shape[0]} clips")
        return A.train_judge(clips, labels, classes, log=log).net

    def build_b():
        clips, labels = load_prepared(SPLIT_B, key_b["per_class"], B_RATE, B_LENGTH, log)
        log(f"training judge B on {clips.shape[0]} clips")
        return train_b(clips, labels, classes, log=log)

    net_a = _cached("judge-a", {**key, "judge": "A"}, build_a,
                    lambda: A.JudgeNet(len(classes)), log)
    net_b = _cached("judge-b", {**key_b, "judge": "B"}, build_b,
                    lambda: MfccGru(len(classes)), log)
    return Judges(A.Judge(net_a, classes), net_b, classes)
