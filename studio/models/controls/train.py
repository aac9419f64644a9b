"""Training a controls model: the waveform trainer (AdamW, EMA, checkpoints, exact resume,
demos) with the batch and the conditioning of controls instead of samples."""
from __future__ import annotations

from dataclasses import replace

import torch

from studio.models.controls.data import ControlSet
from studio.models.controls.model import COND_DIM, MAX_HOLD
from studio.models.controls.spec import ControlSpec, normalise, statistics
from studio.models.diffusion import pitch
from studio.models.diffusion.config import (CONTROLS_RATE, CONTROLS_SECONDS, SIZES,
                                            AudioConfig, DiffusionConfig, ModelConfig,
                                            NetworkConfig, training_p_mean)
from studio.models.diffusion.train import Trainer


def check_width(net: NetworkConfig) -> None:
    """Refuse a network whose first level is narrower than a frame's features: the output
    convolution (width -> features, 3 taps) then spans fewer directions than the features
    have at every temporal frequency, so the denoiser cannot remove the noise in the rest
    (D = c_skip x there) and every sample keeps unit-variance flutter in them."""
    if net.channels[0] < net.patch * net.features:
        raise ValueError(f"the network's first level ({net.channels[0]} channels) must be at "
                         f"least as wide as a frame's {net.patch * net.features} features")


def config_for(size: str, spec: ControlSpec, frames: int, rate: int, classes: tuple[str, ...],
               data: torch.Tensor | None = None) -> ModelConfig:
    """A new controls model's config; with `data` (n, F, T) features, normalised by their
    per-feature statistics (sigma_data 1: each feature has unit scale)."""
    if data is not None:
        centre, scale = statistics(data)
        spec = replace(spec, centre=centre, scale=scale)
    sigma_data = 1.0
    net = replace(SIZES[size], features=spec.features, cond_dim=COND_DIM,
                  frame_rate=float(spec.frame_rate))
    check_width(net)
    return ModelConfig(network=net, size=size, controls=spec,
                       diffusion=DiffusionConfig(sigma_data=float(sigma_data),
                                                 p_mean=training_p_mean(sigma_data),
                                                 values_drop=0.1),
                       audio=AudioConfig(sample_rate=rate, length=frames, classes=classes))


class ControlTrainer(Trainer):
    data: ControlSet

    def _batch(self, idx: torch.Tensor) -> torch.Tensor:
        return normalise(self._clips[idx].float(), self.cfg.controls).to(self.device)

    def _cond(self, idx: torch.Tensor) -> torch.Tensor:
        d = self.data
        values = torch.stack([d.velocity[idx] / 127.0,
                              d.hold[idx].clamp(0.05, MAX_HOLD) / MAX_HOLD], dim=1)
        return torch.cat([pitch.encode(d.pitch_hz[idx]), values], dim=1).to(self.device)



# ---- a user's folder ----------------------------------------------------------------------
HOLD_DB = -20.0         # a note is "held" while its 10 ms level stays within this of its peak
MAX_SECONDS = CONTROLS_SECONDS   # a clip's longest part that is analysed


def estimate_holds(audio: torch.Tensor, rate: int) -> torch.Tensor:
    """(n, samples) -> (n,) seconds from the start to the last 10 ms frame within HOLD_DB of
    the clip's loudest, within 0.25 s .. MAX_HOLD: how long a sampled note was held."""
    hop = rate // 100
    frames = audio[:, :audio.shape[1] // hop * hop].reshape(audio.shape[0], -1, hop)
    level = 10 * torch.log10(frames.square().mean(dim=2) + 1e-12)
    loud = level >= level.amax(dim=1, keepdim=True) + HOLD_DB
    last = loud.shape[1] - 1 - loud.flip(1).float().argmax(dim=1)
    return ((last + 1).float() / 100).clamp(0.25, MAX_HOLD)


def folder_controls(folder, spec: ControlSpec, frames: int, rate: int,
                    classes: tuple[str, ...] | None = None, progress=None) -> ControlSet:
    """A user's folder (classes from sub-folder names) as a ControlSet: each clip's note by
    pYIN (none when it is not pitched), its hold from its level, velocity 100 (unknown)."""
    from studio.models.controls.analysis import analyse
    from studio.models.diffusion.data import load_folder
    clips = load_folder(folder, rate, int(frames * rate / spec.frame_rate), classes, progress)
    clips.estimate_pitch(progress)
    holds = estimate_holds(clips.audio, rate)
    out = []
    for i, (clip, hz) in enumerate(zip(clips.audio, clips.pitch_hz.tolist())):
        out.append(analyse(clip, rate, pitch.hz_to_midi(hz) if hz > 0 else None, spec,
                           frames).half())
        if progress is not None and i % 20 == 0:
            progress(i / len(clips.audio), "analysing into controls")
    return ControlSet(audio=torch.stack(out), labels=clips.labels, classes=clips.classes,
                      sample_rate=rate, pitch_hz=clips.pitch_hz,
                      velocity=torch.full((len(out),), 100.0), hold=holds)


def grow_classes(state: dict, old: tuple[str, ...], new: tuple[str, ...]) -> dict:
    """A state dict for `new` classes (old ones first, in order) from one trained on `old`:
    a new class's embedding starts as the unconditional one (the last row), so the grown
    model generates exactly what it did for 'no class' until it learns the new one."""
    emb = state["net.class_emb.weight"]
    extra = len(new) - len(old)
    rows = [emb[:-1]] + [emb[-1:]] * extra + [emb[-1:]]
    return {**state, "net.class_emb.weight": torch.cat(rows)}


def open_controls_run(data_folder, run_dir, tcfg, size: str = "ctl-small",
                      device="cpu", resume: bool = False, progress=None,
                      init_from: str = "") -> ControlTrainer:
    """A controls run on a user's folder: new, resumed, or fine-tuning the model `init_from`
    (its classes kept, the folder's new ones added; its representation, rate and frames)."""
    import json
    from pathlib import Path

    from studio.errors import StudioError
    from studio.models.controls.spec import DEFAULT
    from studio.models.diffusion import checkpoint as ckpt
    from studio.models.diffusion.train import STATE
    run_dir = Path(run_dir)
    state_file = run_dir / f"{STATE}.json"
    base = None
    if resume and state_file.exists():
        cfg = ModelConfig.from_json(json.loads(state_file.read_text())["model"])
        data = folder_controls(data_folder, cfg.controls, cfg.audio.length,
                               cfg.audio.sample_rate, cfg.audio.classes, progress)
    else:
        if state_file.exists():
            raise StudioError(f"{run_dir} already holds a training run; add --resume to go "
                              f"on with it, or choose another output folder")
        if init_from:
            base = ckpt.load_model(init_from, "cpu")
            if not base.cfg.controls.frame_rate:
                raise StudioError(f"{init_from} is a waveform model; fine-tune a controls "
                                  f"model or start a new run")
            spec, frames, rate = (base.cfg.controls, base.cfg.audio.length,
                                  base.cfg.audio.sample_rate)
        else:
            spec, frames, rate = (DEFAULT, int(MAX_SECONDS * DEFAULT.frame_rate),
                                  CONTROLS_RATE)
        data = folder_controls(data_folder, spec, frames, rate, None, progress)
        if base is not None:
            old = base.cfg.audio.classes
            classes = old + tuple(c for c in data.classes if c not in old)
            remap = torch.tensor([classes.index(c) for c in data.classes] + [len(classes)])
            data.labels, data.classes = remap[data.labels], classes
            cfg = base.cfg.with_training(fine_tuned_on=str(data_folder),
                                         fine_tuned_from=str(init_from),
                                         base_steps=int(base.cfg.training.get("steps", 0)))
            from dataclasses import replace as _replace
            cfg = _replace(cfg, audio=_replace(cfg.audio, classes=classes))
        else:
            cfg = config_for(size, spec, frames, rate, data.classes, data.audio)
    trainer = ControlTrainer(run_dir, data, cfg, tcfg, device)
    if resume:
        trainer.resume()
    elif base is not None:
        grown = grow_classes(base.state_dict(), base.cfg.audio.classes, cfg.audio.classes)
        # the fine-tune counts its own steps from 0 (its --steps are the steps it takes, and
        # the learning rate warms up again); the base's steps stay in the config
        trainer.model.load_state_dict(grown)
        trainer.ema.load_state_dict(grown)
    return trainer
