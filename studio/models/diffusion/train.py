"""Training a diffusion model on a `ClipSet`: AdamW, an EMA of the weights, gradient clipping,
bf16 autocast on a GPU, checkpoints, demo clips and exact resume.

Exact resume: every random draw (batch indices, augmentation, noise levels, noise) comes from
two generators whose states are saved with the weights, the EMA and the optimiser moments, so
a run stopped at step k and resumed produces the same losses as one that never stopped (on the
same device). Under `torchrun`, every process makes the same draws for the global batch
(`batch` clips per process times the number of processes, from generators seeded alike) and
trains on its own slice of it, with DistributedDataParallel averaging the gradients: N
processes with batch B follow one process with batch N*B (the same clips, noise and losses, up
to the order of float sums), and the saved generator states serve any number of processes on
resume. Only rank 0 writes.
"""
from __future__ import annotations

import copy
import json
import math
import os
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from studio.errors import StudioError
from studio.models.diffusion import checkpoint as ckpt
from studio.models.diffusion import pitch
from studio.models.diffusion.config import ModelConfig, growth
from studio.models.diffusion.data import ClipSet, augment
from studio.models.diffusion.edm import Denoiser, edm_loss

STATE = "train_state"
MODEL = "model"


@dataclass(frozen=True)
class TrainConfig:
    steps: int = 10_000
    batch: int = 16
    lr: float = 3e-4
    warmup: int = 200
    weight_decay: float = 0.01
    ema: float = 0.999
    grad_clip: float = 1.0
    max_shift_ms: float = 10.0
    checkpoint_every: int = 500
    demo_every: int = 1000
    demo_steps: int = 20
    seed: int = 0
    # (class, weight) pairs: a clip of that class is drawn `weight` times as often as one of
    # an unnamed class (1), to spend limited training on the classes a model renders worst
    class_weights: tuple[tuple[str, float], ...] = ()


@dataclass
class StepInfo:
    step: int
    loss: float
    steps_per_s: float
    lr: float


class Trainer:
    def __init__(self, run_dir: str | Path, data: ClipSet, cfg: ModelConfig,
                 tcfg: TrainConfig, device: torch.device | str = "cpu"):
        self.run_dir = Path(run_dir)
        self.data, self.cfg, self.tcfg = data, cfg, tcfg
        self.device = torch.device(device)
        self.rank, self.world = _distributed(self.device)
        with torch.random.fork_rng(devices=[]):  # the initial weights follow the run's seed
            torch.manual_seed(tcfg.seed)
            self.model = Denoiser(cfg).to(self.device)
        self.ema = copy.deepcopy(self.model).eval().requires_grad_(False)
        self.net = self.model
        if self.world > 1:
            from torch.nn.parallel import DistributedDataParallel
            self.net = DistributedDataParallel(
                self.model, device_ids=[self.device.index] if self.device.type == "cuda" else None)
        self.opt = torch.optim.AdamW(self.model.parameters(), lr=tcfg.lr,
                                     weight_decay=tcfg.weight_decay, betas=(0.9, 0.99))
        seed = tcfg.seed * 1000  # the same on every rank: each takes its slice of one draw
        self.g_data = torch.Generator().manual_seed(seed)
        self.g_noise = torch.Generator(device=self.device).manual_seed(seed + 1)
        self.step = 0
        self.losses: list[float] = []
        self._clips = data.audio  # kept on the CPU; each batch moves to the device
        self._draw_weights = clip_weights(data, tcfg.class_weights)

    # ---- one step ---------------------------------------------------------------------------
    def lr_at(self, step: int) -> float:
        return self.tcfg.lr * min(1.0, (step + 1) / max(self.tcfg.warmup, 1))

    def draw_clips(self) -> torch.Tensor:
        """The indices of the global batch's clips: uniform, or by the class weights."""
        n = self.tcfg.batch * self.world
        if self._draw_weights is None:
            return torch.randint(0, self._clips.shape[0], (n,), generator=self.g_data)
        return torch.multinomial(self._draw_weights, n, replacement=True, generator=self.g_data)

    def train_step(self) -> float:
        t = self.tcfg
        idx = self.draw_clips()
        x0 = self._batch(idx)
        labels = self.data.labels[idx].to(self.device)
        cond = self._cond(idx)
        for group in self.opt.param_groups:
            group["lr"] = self.lr_at(self.step)
        self.model.train()
        part = None if self.world == 1 else \
            slice(self.rank * t.batch, (self.rank + 1) * t.batch)  # this process's clips
        with torch.autocast(self.device.type, dtype=torch.bfloat16,
                            enabled=self.device.type == "cuda"):
            loss = edm_loss(self.model, x0, labels, self.g_noise, cond, forward=self.net,
                            part=part)
        global_loss = _mean_over_ranks(loss.detach(), self.world)  # every rank: the same value
        if not torch.isfinite(global_loss):
            raise StudioError(f"training diverged at step {self.step} (loss "
                              f"{global_loss.item()}); lower the learning rate or check the data")
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), t.grad_clip)
        self.opt.step()
        self._update_ema()
        self.step += 1
        value = float(global_loss)
        self.losses.append(value)
        return value

    def _batch(self, idx: torch.Tensor) -> torch.Tensor:
        """The clips `idx` as the network's input (n, 1, length), randomly delayed."""
        max_shift = int(self.tcfg.max_shift_ms * self.cfg.audio.sample_rate / 1000)
        return augment(self._clips[idx], self.g_data, max_shift).to(self.device)[:, None]

    def _cond(self, idx: torch.Tensor) -> torch.Tensor | None:
        """The batch's conditioning values: its clips' pitch, for a pitch-conditioned model."""
        if not self.cfg.network.cond_dim:
            return None
        if self.data.pitch_hz is None:
            raise StudioError("this model is conditioned on pitch but the data has none "
                              "estimated (ClipSet.estimate_pitch)")
        return pitch.encode(self.data.pitch_hz[idx]).to(self.device)

    @torch.no_grad()
    def _update_ema(self) -> None:
        # a short EMA early on (the weights move fast), the configured one later
        decay = min(self.tcfg.ema, (1 + self.step) / (10 + self.step))
        for e, p in zip(self.ema.parameters(), self.model.parameters()):
            e.lerp_(p.detach(), 1 - decay)
        for e, b in zip(self.ema.buffers(), self.model.buffers()):
            e.copy_(b)

    # ---- checkpoints ------------------------------------------------------------------------
    def model_config(self) -> ModelConfig:
        cfg = self.cfg.with_training(steps=self.step, batch=self.tcfg.batch * self.world,
                                     data=self.data.summary(),
                                     final_loss=_mean_tail(self.losses))
        if self.cfg.network.cond_dim and self.data.pitch_hz is not None:
            # what "auto" pitch draws from when generating
            cfg = cfg.with_training(pitch=pitch.summary(self.data.pitch_hz, self.data.labels,
                                                        self.data.classes))
        return cfg

    def save(self) -> None:
        """The EMA model (what sampling uses) and the full training state, both atomic."""
        if self.rank != 0:
            return
        self.run_dir.mkdir(parents=True, exist_ok=True)
        ckpt.save_model(self.run_dir / MODEL, self.ema.state_dict(), self.model_config())
        tensors = {f"model.{k}": v for k, v in self.model.state_dict().items()}
        tensors.update({f"ema.{k}": v for k, v in self.ema.state_dict().items()})
        opt_tensors, opt_meta = ckpt.flatten_optimizer(self.opt)
        tensors.update(opt_tensors)
        tensors["rng.data"] = self.g_data.get_state()
        tensors["rng.noise"] = self.g_noise.get_state()
        tensors["losses"] = torch.tensor(self.losses, dtype=torch.float64)
        ckpt.save_tensors(self.run_dir / f"{STATE}.safetensors", tensors)
        ckpt.write_json(self.run_dir / f"{STATE}.json",
                        {"step": self.step, "optimizer": opt_meta, "train": asdict(self.tcfg),
                         "model": self.cfg.to_json()})

    def resume(self) -> bool:
        """Load the run directory's training state; False when there is none."""
        st, js = self.run_dir / f"{STATE}.safetensors", self.run_dir / f"{STATE}.json"
        if not st.exists() or not js.exists():
            return False
        meta = json.loads(js.read_text())
        saved = ModelConfig.from_json(meta["model"])
        if saved.network != self.cfg.network or saved.audio != self.cfg.audio:
            raise StudioError(f"{self.run_dir} holds a different model (architecture, audio "
                              f"or classes); use another --out or drop --resume")
        tensors = ckpt.load_tensors(st)
        self.model.load_state_dict({k[6:]: v for k, v in tensors.items() if k.startswith("model.")})
        self.ema.load_state_dict({k[4:]: v for k, v in tensors.items() if k.startswith("ema.")})
        self.model.to(self.device)
        self.ema.to(self.device)
        ckpt.unflatten_optimizer(self.opt, {k: v.to(self.device) for k, v in tensors.items()
                                            if k.startswith("opt.")}, meta["optimizer"])
        self.g_data.set_state(tensors["rng.data"])
        self.g_noise.set_state(tensors["rng.noise"])
        self.losses = tensors["losses"].tolist()
        self.step = int(meta["step"])
        return True  # every rank's generators were rank 0's: its saved states fit them all

    def close(self) -> None:
        """Leave the process group (torchrun): every rank, once the run is over."""
        if self.world > 1:
            import torch.distributed as dist
            if dist.is_initialized():
                dist.destroy_process_group()

    def rank_digests(self) -> list[str]:
        """A SHA-256 of each process's weights, rank 0 first (one entry without torchrun):
        proof that the ranks hold the same model, which `studio train --json` reports."""
        digest = weights_digest(self.model.state_dict())
        if self.world == 1:
            return [digest]
        import torch.distributed as dist
        out: list = [None] * self.world
        dist.all_gather_object(out, digest)
        return out

    def init_from(self, model_path: str | Path) -> None:
        """Start from a finished model's (EMA) weights instead of random ones: fine-tuning
        on a user's folder, or going on with a bundled model whose optimiser state is not
        kept. The architecture and audio must match; the step count continues from it."""
        loaded = ckpt.load_model(model_path, self.device)
        # a model may gain pitch (conditioning values, then period taps): what is new starts
        # at zero, so the run starts from exactly the loaded model
        grows = growth(loaded.cfg.network, self.cfg.network)
        if grows is None or loaded.cfg.audio != self.cfg.audio:
            raise StudioError(f"{model_path} has another architecture, rate, length or "
                              f"classes than this run")
        state = grown_state(loaded.state_dict(), self.model.state_dict())
        self.model.load_state_dict(state)
        self.ema.load_state_dict(state)
        self.step = int(loaded.cfg.training.get("steps", 0))
        for name in grows:  # the model's history says from when on it had them
            self.cfg = self.cfg.with_training(**{f"{name}_from_step": self.step})

    # ---- the loop ---------------------------------------------------------------------------
    def run(self, on_step: Callable[[StepInfo], None] | None = None,
            cancelled: Callable[[], bool] = lambda: False,
            on_demo: Callable[[int, list[Path]], None] | None = None) -> None:
        t = self.tcfg
        last, last_step = time.perf_counter(), self.step
        while self.step < t.steps:
            if cancelled():
                self.save()  # stopping keeps everything done so far; --resume goes on
                return
            loss = self.train_step()
            now = time.perf_counter()
            rate = (self.step - last_step) / max(now - last, 1e-9)
            if now - last > 2.0:
                last, last_step = now, self.step
            if on_step is not None:
                on_step(StepInfo(self.step, loss, rate, self.lr_at(self.step)))
            if self.step % t.checkpoint_every == 0 or self.step == t.steps:
                self.save()
            if t.demo_every and (self.step % t.demo_every == 0 or self.step == t.steps):
                files = self.write_demos()
                if on_demo is not None and files:
                    on_demo(self.step, files)

    def write_demos(self) -> list[Path]:
        """One clip per class (or one unconditional) from the EMA weights, as WAV files."""
        if self.rank != 0:
            return []
        from studio.io.export import write as write_audio
        from studio.models.diffusion.catalog import wrap
        gen = wrap(self.ema)
        gen.cfg = self.model_config()  # with the data's notes: a pitch model's demos get one
        classes = self.cfg.audio.classes or ("",)
        g = torch.Generator(device=self.device).manual_seed(1234)
        notes = torch.Generator().manual_seed(1234)
        out_dir = self.run_dir / "demos" / f"step_{self.step:07d}"
        files = []
        for i, name in enumerate(classes):
            clip = gen.sample(1, gen.label(name), sampler="dpmpp_2m",
                              steps=self.tcfg.demo_steps, generator=g,
                              pitch=gen.auto_pitch(name, notes))
            path = out_dir / f"{name or 'clip'}.wav"
            out_dir.mkdir(parents=True, exist_ok=True)
            write_audio(path, clip.float().cpu().numpy().clip(-1, 1), self.cfg.audio.sample_rate)
            files.append(path)
        return files


def parse_class_weights(items: list[str]) -> tuple[tuple[str, float], ...]:
    """"CLASS=W" strings (a command line's) as TrainConfig.class_weights."""
    out = []
    for item in items:
        name, _, value = item.partition("=")
        try:
            out.append((name.strip(), float(value)))
        except ValueError:
            raise StudioError(f"a class weight is CLASS=NUMBER, not {item!r}") from None
    return tuple(out)


def clip_weights(data: ClipSet, class_weights) -> torch.Tensor | None:
    """Each clip's drawing weight from (class, weight) pairs (None: all equal)."""
    if not class_weights:
        return None
    weights = dict(class_weights)
    unknown = set(weights) - set(data.classes)
    if unknown or any(not (0 < w < math.inf) for w in weights.values()):
        raise StudioError(f"class weights must be positive and name classes of the data "
                          f"({', '.join(data.classes)}); got {dict(class_weights)}")
    per_class = torch.tensor([float(weights.get(c, 1.0)) for c in data.classes] + [1.0])
    return per_class[data.labels]


def grown_state(old: dict[str, torch.Tensor], new: dict[str, torch.Tensor]
                ) -> dict[str, torch.Tensor]:
    """`new`'s state with `old`'s weights wherever they fit: tensors only `new` has keep their
    (zero-ended) initialisation, and a weight that gained input channels (dim 1) takes the old
    ones first and zeros for the new, so the grown network computes what the old one did."""
    out = {}
    for key, init in new.items():
        was = old.get(key)
        if was is None:
            out[key] = init
        elif was.shape == init.shape:
            out[key] = was
        elif (was.dim() >= 2 and was.shape[0] == init.shape[0] and was.shape[2:] == init.shape[2:]
              and was.shape[1] < init.shape[1]):
            grown = torch.zeros_like(init)
            grown[:, :was.shape[1]] = was
            out[key] = grown
        else:
            raise StudioError(f"weight {key} of shape {tuple(was.shape)} does not fit this "
                              f"run's {tuple(init.shape)}")
    extra = set(old) - set(new)
    if extra:
        raise StudioError(f"the model has weights this run's network lacks: "
                          f"{', '.join(sorted(extra)[:3])}")
    return out


def weights_digest(state: dict[str, torch.Tensor]) -> str:
    """SHA-256 over the tensors' names and bytes, in name order."""
    import hashlib
    h = hashlib.sha256()
    for key in sorted(state):
        h.update(key.encode())
        h.update(state[key].detach().cpu().contiguous().view(-1).view(torch.uint8).numpy())
    return h.hexdigest()


def _mean_over_ranks(value: torch.Tensor, world: int) -> torch.Tensor:
    """The mean of a scalar over the processes (itself without torchrun)."""
    if world == 1:
        return value
    import torch.distributed as dist
    total = value.float().clone()
    dist.all_reduce(total)
    return total / world


def _mean_tail(values: list[float], n: int = 100) -> float | None:
    return round(float(np.mean(values[-n:])), 5) if values else None


def _distributed(device: torch.device) -> tuple[int, int]:
    """(rank, world size), starting the process group when launched by torchrun: NCCL for
    GPUs, gloo for CPU processes."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return 0, 1
    import torch.distributed as dist
    if not dist.is_initialized():
        if device.type == "cuda":  # NCCL's own buffers go to this process's GPU, not GPU 0
            torch.cuda.set_device(device)
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    return dist.get_rank(), world


def open_run(data_folder: str | Path, run_dir: str | Path, tcfg: TrainConfig,
             size: str = "small", sample_rate: int = 16000, seconds: float = 1.5,
             device: torch.device | str = "cpu", resume: bool = False,
             progress: Callable[[float, str], None] | None = None,
             p_mean: float | None = None, pitch_cond: bool = False) -> Trainer:
    """A trainer for `data_folder` writing into `run_dir`: a new run, or with `resume` the
    run already there (its architecture, audio and classes win; the data must fit them).
    `pitch_cond` conditions a new run on each clip's estimated pitch."""
    from studio.models.diffusion.config import config_for
    from studio.models.diffusion.data import load_folder
    run_dir = Path(run_dir)
    state = run_dir / f"{STATE}.json"
    if resume and state.exists():
        cfg = ModelConfig.from_json(json.loads(state.read_text())["model"])
        if p_mean is not None and p_mean != cfg.diffusion.p_mean:
            # a schedule change for the rest of the run, kept in the model's history
            step = json.loads(state.read_text())["step"]
            changes = cfg.training.get("p_mean_changes", []) + [
                {"step": step, "from": cfg.diffusion.p_mean, "to": float(p_mean)}]
            cfg = replace(cfg, diffusion=replace(cfg.diffusion, p_mean=float(p_mean)))
            cfg = cfg.with_training(p_mean_changes=changes)
        data = load_folder(data_folder, cfg.audio.sample_rate, cfg.audio.length,
                           cfg.audio.classes, progress)
    else:
        if state.exists():
            raise StudioError(f"{run_dir} already holds a training run; add --resume to go "
                              f"on with it, or choose another output folder")
        probe = config_for(size, sample_rate, seconds, ())
        data = load_folder(data_folder, sample_rate, probe.audio.length, None, progress)
        cfg = config_for(size, sample_rate, seconds, data.classes, sigma_data=data.std(),
                         cond_dim=pitch.COND_DIM if pitch_cond else 0)
        if p_mean is not None:
            cfg = replace(cfg, diffusion=replace(cfg.diffusion, p_mean=float(p_mean)))
    if cfg.network.cond_dim:
        data.estimate_pitch(progress)
    trainer = Trainer(run_dir, data, cfg, tcfg, device)
    if resume:
        trainer.resume()
    return trainer
