"""Training the restorer: random crops of a folder of clean recordings, each given one kind of
damage at random (a gap of 20-500 ms, the band above a 2-8 kHz cutoff, or a spectrogram
rectangle), EDM's loss over the missing part, Adam with an EMA of the weights; checkpoints
as safetensors + JSON (nothing unpickled), so an interrupted run resumes exactly."""
from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import soundfile as sf
import torch

from studio.models.diffusion.checkpoint import (flatten_optimizer, load_tensors, save_tensors,
                                                unflatten_optimizer, write_json)
from studio.models.restoration.config import RestorerConfig
from studio.models.restoration.damage import Damage
from studio.models.restoration.model import Restorer, restoration_loss

# how often each kind of damage is drawn
KIND_SHARES = {"gap": 0.45, "band": 0.3, "region": 0.25}


def load_folder(folder: Path, rate: int) -> list[np.ndarray]:
    clips = []
    for f in sorted(folder.glob("*.wav")):
        a, sr = sf.read(str(f), dtype="float32", always_2d=True)
        if sr == rate and len(a) > rate // 2:
            clips.append(np.ascontiguousarray(a.mean(axis=1)))
    return clips


def _log_uniform(rng: np.random.Generator, lo: float, hi: float) -> float:
    return float(math.exp(rng.uniform(math.log(lo), math.log(hi))))


def random_damage(rng: np.random.Generator, b: int, t: int, rate: int) -> Damage:
    """One kind of damage per clip, drawn by KIND_SHARES."""
    d = Damage.none(b, t)
    kinds = list(KIND_SHARES)
    for i in range(b):
        kind = rng.choice(kinds, p=list(KIND_SHARES.values()))
        if kind == "gap":
            # (at most half the crop: a shorter crop than the recipe's keeps context)
            m = min(int(_log_uniform(rng, 0.02, 0.5) * rate), t // 2)
            s = int(rng.integers(t // 8, t - m - t // 8))
            d.gap[i, s:s + m] = True
        elif kind == "band":
            d.cutoff[i] = _log_uniform(rng, 2000.0, 8000.0)
        else:
            m = min(int(rng.uniform(0.1, 0.6) * rate), t // 2)
            s = int(rng.integers(t // 8, t - m - t // 8))
            d.region[i, s:s + m] = True
            lo = _log_uniform(rng, 100.0, 10000.0)
            d.band[i, 0] = lo
            d.band[i, 1] = lo + _log_uniform(rng, 200.0, 3000.0)
    return d


def crops(rng: np.random.Generator, clips: list[np.ndarray], b: int, t: int) -> torch.Tensor:
    """`b` crops of `t` samples, none nearly silent (a silent crop teaches nothing and its
    scale is undefined), each scaled to rms 0.5 after a random gain of +-6 dB."""
    out = []
    while len(out) < b:
        c = clips[int(rng.integers(len(clips)))]
        if len(c) < t:
            continue
        s = int(rng.integers(0, len(c) - t + 1))
        x = c[s:s + t]
        if float(np.sqrt(np.mean(x ** 2))) < 1e-3:
            continue
        out.append(x * (0.5 / np.sqrt(np.mean(x ** 2))) * 10 ** rng.uniform(-0.3, 0.3))
    return torch.from_numpy(np.stack(out).astype(np.float32))


@dataclass
class TrainState:
    step: int = 0
    seconds: float = 0.0
    losses: list[float] | None = None


class RestorerTrainer:
    def __init__(self, run_dir: Path, data_folder: Path, cfg: RestorerConfig | None = None,
                 batch: int = 4, lr: float = 2e-4, ema: float = 0.999, seed: int = 0):
        self.run_dir = Path(run_dir)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.cfg = cfg or RestorerConfig()
        self.clips = load_folder(Path(data_folder), self.cfg.sample_rate)
        if not self.clips:
            raise ValueError(f"no {self.cfg.sample_rate} Hz WAV files in {data_folder}")
        torch.manual_seed(seed)
        self.model = Restorer(self.cfg)
        self.ema = {k: v.detach().clone() for k, v in self.model.state_dict().items()}
        self.opt = torch.optim.Adam(self.model.parameters(), lr=lr)
        self.batch, self.ema_decay = batch, ema
        self.rng = np.random.default_rng(seed)
        self.gen = torch.Generator().manual_seed(seed)
        self.state = TrainState(losses=[])
        self.resume()

    def train_step(self) -> float:
        self.model.train()
        x0 = crops(self.rng, self.clips, self.batch, self.cfg.segment)
        d = random_damage(self.rng, self.batch, self.cfg.segment, self.cfg.sample_rate)
        loss = restoration_loss(self.model, x0, d, self.gen)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
        self.opt.step()
        with torch.no_grad():
            # warm-up of the EMA: early on the average would be mostly the random start
            decay = min(self.ema_decay, (1 + self.state.step) / (10 + self.state.step))
            for k, v in self.model.state_dict().items():
                if v.is_floating_point():
                    self.ema[k].mul_(decay).add_(v.detach(), alpha=1 - decay)
        self.state.step += 1
        value = float(loss.detach())
        self.state.losses.append(value)
        return value

    def save(self) -> None:
        tensors = {f"model.{k}": v for k, v in self.model.state_dict().items()}
        tensors.update({f"ema.{k}": v for k, v in self.ema.items()})
        opt_tensors, opt_meta = flatten_optimizer(self.opt)
        tensors.update(opt_tensors)
        save_tensors(self.run_dir / "train_state.safetensors", tensors)
        write_json(self.run_dir / "train_state.json", {"optimizer": opt_meta,
            "step": self.state.step, "seconds": self.state.seconds,
            "losses": self.state.losses[-20000:], "config": self.cfg.to_json(),
            "rng": json.loads(json.dumps(self.rng.bit_generator.state)),
            "gen": self.gen.get_state().tolist()})

    def resume(self) -> bool:
        meta_path = self.run_dir / "train_state.json"
        if not meta_path.exists():
            return False
        from studio.io import jsonfile
        meta = jsonfile.read(meta_path, "training state", max_bytes=64 << 20)
        self.cfg = RestorerConfig.from_json(meta["config"])
        t = load_tensors(self.run_dir / "train_state.safetensors")
        self.model.load_state_dict({k[6:]: v for k, v in t.items() if k.startswith("model.")})
        self.ema = {k[4:]: v for k, v in t.items() if k.startswith("ema.")}
        # runs saved before "optimizer" was written kept every moment as a tensor
        unflatten_optimizer(self.opt, t, meta.get("optimizer") or
                            {"param_groups": self.opt.state_dict()["param_groups"]})
        self.state = TrainState(meta["step"], meta["seconds"], list(meta["losses"]))
        self.rng.bit_generator.state = meta["rng"]
        self.gen.set_state(torch.tensor(meta["gen"], dtype=torch.uint8))
        return True

    def run(self, steps: int, minutes: float = 0.0, save_every: int = 200,
            on_step: Callable[[int, float], None] | None = None) -> None:
        t0, start = time.perf_counter(), self.state.seconds
        while self.state.step < steps:
            loss = self.train_step()
            self.state.seconds = start + time.perf_counter() - t0
            if on_step:
                on_step(self.state.step, loss)
            if self.state.step % save_every == 0:
                self.save()
            if minutes and self.state.seconds > minutes * 60:
                break
        self.save()

    def ema_weights(self) -> dict[str, torch.Tensor]:
        return dict(self.ema)
