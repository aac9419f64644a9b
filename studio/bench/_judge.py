"""The generation benchmark's referee: a small CNN on log-mel spectrograms that tells the twelve
one-shot classes apart, trained on held-out fluidsynth renders (never the generator's training
clips), plus the log-mel statistics behind the Fréchet distance.

Every clip is prepared as the generator's training data is (studio.models.diffusion.data:
onset at 0, peak-normalised, 1.536 s at 16 kHz), so the judge sees real and generated clips
the same way and cannot use level or start time as a cue. The trained weights are cached as
safetensors under the cache dir, keyed by everything that shapes them.
"""
from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from studio.bench import _oneshots
from studio.models.diffusion.data import PEAK, prepare_clip
from studio.paths import cache_dir

RATE = 16000
LENGTH = 24576          # the bundled model's clip (1.536 s)
N_MELS = 64
VERSION = 1             # bump when the network, features or training change


def material_dir() -> Path:
    return cache_dir() / "oneshots"


def load_split(split: str, per_class: int, log: Callable[[str], None] = print
               ) -> tuple[torch.Tensor, torch.Tensor]:
    """(clips (n, LENGTH), labels (n,)) of a held-out split, rendered on first use."""
    folder = _oneshots.render_split(material_dir() / split, split, per_class, RATE, log=log)
    return prepare_files([(path, k) for k, name in enumerate(_oneshots.CLASSES)
                          for path in sorted((folder / name).glob(f"{split}_*.flac"))],
                         RATE, LENGTH)


def prepare_files(files: list[tuple[Path, int]], rate: int, length: int
                  ) -> tuple[torch.Tensor, torch.Tensor]:
    """(file, label) pairs -> (clips (n, length) at `rate` as the generator's training data
    is prepared: onset at 0, peak-normalised; labels (n,)); silent files are left out."""
    import soundfile as sf
    clips, labels = [], []
    for path, k in files:
        audio, r = sf.read(str(path), dtype="float32", always_2d=True)
        clip = prepare_clip(audio.T, r, rate, length)
        if clip is not None:
            clips.append(clip)
            labels.append(k)
    return torch.from_numpy(np.stack(clips)), torch.tensor(labels)


def normalise(clips: torch.Tensor) -> torch.Tensor:
    """Peak-normalise each clip (n, frames) to PEAK, as the training data is."""
    peak = clips.abs().amax(dim=1, keepdim=True).clamp_min(1e-6)
    return clips * (PEAK / peak)


class LogMel(nn.Module):
    def __init__(self):
        super().__init__()
        import torchaudio
        self.mel = torchaudio.transforms.MelSpectrogram(RATE, n_fft=1024, win_length=400,
                                                        hop_length=160, n_mels=N_MELS,
                                                        f_min=20.0, f_max=RATE / 2)

    def forward(self, clips: torch.Tensor) -> torch.Tensor:
        """(n, frames) -> (n, N_MELS, time) natural-log mel energies."""
        return torch.log(self.mel(normalise(clips)) + 1e-6)


def mel_stats(clips: torch.Tensor, batch: int = 64, top_db: float = 80.0) -> np.ndarray:
    """Per clip, the mean and the std over time of each log-mel band: (n, 2 * N_MELS).
    Energies more than `top_db` under the clip's loudest mel bin are raised to that floor
    (as librosa's power_to_db does), so an inaudible noise floor and digital silence count
    the same; audible hiss still shows."""
    mel = LogMel()
    floor = top_db * np.log(10) / 10
    out = []
    with torch.no_grad():
        for i in range(0, clips.shape[0], batch):
            m = mel(clips[i:i + batch].float())
            m = torch.maximum(m, m.amax(dim=(1, 2), keepdim=True) - floor)
            out.append(torch.cat([m.mean(dim=2), m.std(dim=2)], dim=1))
    return torch.cat(out).double().numpy()


def frechet(a: np.ndarray, b: np.ndarray) -> float:
    """Fréchet distance between Gaussians fitted to the rows of a and b:
    |mu_a - mu_b|^2 + tr(S_a + S_b - 2 (S_a S_b)^(1/2))."""
    from scipy import linalg
    mu_a, mu_b = a.mean(axis=0), b.mean(axis=0)
    s_a, s_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    root = linalg.sqrtm(s_a @ s_b)
    if not np.isfinite(root).all():  # a near-singular product: nudge both (as pytorch-fid)
        eye = np.eye(s_a.shape[0]) * 1e-6
        root = linalg.sqrtm((s_a + eye) @ (s_b + eye))
    return float(np.sum((mu_a - mu_b) ** 2) + np.trace(s_a + s_b - 2 * root.real))


class JudgeNet(nn.Module):
    """Four conv blocks on the log-mel image (halving time and frequency after each), then
    the mean and the max over what is left: small enough to train in a minute on one core."""

    def __init__(self, classes: int, width: int = 16):
        super().__init__()
        chans = [1, width, 2 * width, 4 * width, 8 * width]
        self.blocks = nn.ModuleList(
            nn.Sequential(nn.Conv2d(a, b, 3, padding=1), nn.BatchNorm2d(b), nn.ReLU())
            for a, b in zip(chans[:-1], chans[1:]))
        self.head = nn.Linear(2 * chans[-1], classes)
        self.register_buffer("centre", torch.zeros(()))
        self.register_buffer("scale", torch.ones(()))

    def forward(self, logmel: torch.Tensor) -> torch.Tensor:
        h = ((logmel - self.centre) / self.scale)[:, None]
        for block in self.blocks:
            h = F.max_pool2d(block(h), 2)
        h = torch.cat([h.mean(dim=(2, 3)), h.amax(dim=(2, 3))], dim=1)
        return self.head(F.dropout(h, 0.2, self.training))


class Judge:
    """The trained referee: `predict(clips)` -> class indices into `classes`."""

    def __init__(self, net: JudgeNet, classes: tuple[str, ...]):
        self.net, self.classes, self.mel = net.eval(), classes, LogMel()

    @torch.no_grad()
    def probabilities(self, clips: torch.Tensor, batch: int = 64) -> torch.Tensor:
        out = [F.softmax(self.net(self.mel(clips[i:i + batch].float().cpu())), dim=1)
               for i in range(0, clips.shape[0], batch)]
        return torch.cat(out)

    def predict(self, clips: torch.Tensor) -> torch.Tensor:
        return self.probabilities(clips).argmax(dim=1)


def _augment(clips: torch.Tensor, g: torch.Generator, rate: int = RATE) -> torch.Tensor:
    """A delay of up to 20 ms and a noise floor 30-60 dB under the peak: a referee that does
    not hinge on an exact onset or on digital silence (a generator's hiss is not the class)."""
    n, length = clips.shape
    shift = torch.randint(0, int(0.02 * rate), (n,), generator=g)
    idx = torch.arange(length)[None] - shift[:, None]
    out = torch.where(idx >= 0, clips.gather(1, idx.clamp_min(0)), clips.new_zeros(()))
    floor = 10 ** (-(30 + 30 * torch.rand(n, 1, generator=g)) / 20) * PEAK
    return out + floor * torch.randn(out.shape, generator=g)


def fit_classifier(net: nn.Module, inputs: Callable[[torch.Tensor], torch.Tensor],
                   clips: torch.Tensor, labels: torch.Tensor, epochs: int,
                   g: torch.Generator, rate: int, grad_clip: float | None = None,
                   name: str = "judge", log: Callable[[str], None] = print) -> None:
    """Train a referee: AdamW with a one-cycle schedule, batches of 32 clips augmented by
    `_augment`, cross-entropy with label smoothing 0.05; `inputs` turns a batch of augmented
    clips into the network's input."""
    opt = torch.optim.AdamW(net.parameters(), lr=2e-3, weight_decay=1e-3)
    steps_per_epoch = -(-clips.shape[0] // 32)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, 2e-3, total_steps=epochs * steps_per_epoch)
    t0 = time.perf_counter()
    for epoch in range(epochs):
        net.train()
        order = torch.randperm(clips.shape[0], generator=g)
        total = 0.0
        for i in range(0, len(order), 32):
            idx = order[i:i + 32]
            x = inputs(_augment(clips[idx], g, rate))
            loss = F.cross_entropy(net(x), labels[idx], label_smoothing=0.05)
            opt.zero_grad()
            loss.backward()
            if grad_clip:
                nn.utils.clip_grad_norm_(net.parameters(), grad_clip)
            opt.step()
            sched.step()
            total += float(loss.detach()) * len(idx)
        log(f"{name} epoch {epoch + 1}/{epochs}: loss {total / len(order):.3f} "
            f"({time.perf_counter() - t0:.0f} s)")


def train_judge(clips: torch.Tensor, labels: torch.Tensor, classes: tuple[str, ...],
                epochs: int = 14, seed: int = 0, log: Callable[[str], None] = print) -> Judge:
    g = torch.Generator().manual_seed(seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        net = JudgeNet(len(classes))
    mel = LogMel()
    with torch.no_grad():
        sample = mel(clips[:256])
        net.centre.fill_(float(sample.mean()))
        net.scale.fill_(float(sample.std()))

    def inputs(x):
        with torch.no_grad():
            return mel(x)

    fit_classifier(net, inputs, clips, labels, epochs, g, RATE, log=log)
    return Judge(net, classes)


def cached_judge(per_class: int, epochs: int = 14, log: Callable[[str], None] = print) -> Judge:
    """The judge trained on the "judge-train" split, from the cache when it is there."""
    from studio.models.diffusion.checkpoint import load_tensors, save_tensors
    classes = tuple(_oneshots.CLASSES)
    key = json.dumps({"v": VERSION, "per_class": per_class, "epochs": epochs,
                      "classes": classes, "rate": RATE, "length": LENGTH})
    path = cache_dir() / "bench" / "generate" / \
        f"judge-{hashlib.sha1(key.encode()).hexdigest()[:12]}.safetensors"
    net = JudgeNet(len(classes))
    if path.exists():
        net.load_state_dict(load_tensors(path))
        log(f"judge from the cache ({path})")
        return Judge(net, classes)
    clips, labels = load_split("judge-train", per_class, log)
    log(f"training the judge on {clips.shape[0]} held-out clips")
    judge = train_judge(clips, labels, classes, epochs, log=log)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_tensors(path, judge.net.state_dict())
    return judge
