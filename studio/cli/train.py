"""`studio train --data FOLDER --out RUN_DIR`: train a diffusion model on a folder of clips
(classes from sub-folder names). Prints a progress line with the loss and steps per second
(or JSON lines with --json, which the app's "Train on folder…" dialog reads); checkpoints and
demo clips go to RUN_DIR. Ctrl+C saves the run; --resume goes on from where it stopped.
Under `torchrun --nproc-per-node N studio train ...` it trains on N GPUs.
"""
from __future__ import annotations

import json
import signal
import sys
import threading
import time




def register(subparsers) -> None:
    p = subparsers.add_parser("train", help="train a diffusion model on a folder of clips")
    p.add_argument("--data", required=True, metavar="FOLDER",
                   help="audio files; sub-folder names are the classes")
    p.add_argument("--out", required=True, metavar="RUN_DIR",
                   help="where checkpoints, model.safetensors/json and demo clips go")
    from studio.models.diffusion.config import SIZES  # plain data: no torch import
    p.add_argument("--config", default="small", choices=tuple(SIZES),
                   help="network kind and size (default small; tf-*: the time-frequency net; "
                        "ctl-*: a controls model, generator v2, at 44.1 kHz)")
    p.add_argument("--init-from", default="", metavar="MODEL",
                   help="fine-tune this controls model (a name or path, e.g. controls): its "
                        "classes are kept and the folder's new ones added")
    p.add_argument("--steps", type=int, default=10_000, help="total training steps")
    p.add_argument("--batch", type=int, default=16, help="clips per step (per GPU)")
    p.add_argument("--lr", type=float, default=3e-4, help="peak learning rate (AdamW)")
    p.add_argument("--rate", type=int, default=16000, help="sample rate of the model (Hz)")
    p.add_argument("--seconds", type=float, default=1.5, help="clip length (s)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--pitch", action="store_true",
                   help="condition on each clip's pitch (estimated), so that generation can "
                        "ask for a note")
    p.add_argument("--class-weight", action="append", default=[], metavar="CLASS=W",
                   help="draw that class's clips W times as often as the others' "
                        "(repeatable; e.g. for a class the model renders poorly)")
    p.add_argument("--checkpoint-every", type=int, default=500, metavar="N")
    p.add_argument("--demo-every", type=int, default=1000, metavar="N",
                   help="write one demo clip per class every N steps (0: never)")
    p.add_argument("--resume", action="store_true", help="go on with the run in RUN_DIR")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:1, mps")
    p.add_argument("--threads", type=int, default=0, help="CPU threads (0: torch's choice)")
    p.add_argument("--json", action="store_true", help="progress as JSON lines on stdout")
    p.set_defaults(func=_run)


def _device(name: str):
    """The device; under torchrun, "auto" or "cuda" means this process's own GPU."""
    import os

    import torch

    from studio.engine.devices import resolve
    device = resolve(name)
    local = os.environ.get("LOCAL_RANK")
    if device.type == "cuda" and local is not None and ":" not in name:
        device = torch.device("cuda", int(local) % torch.cuda.device_count())
    return device


def _run(args) -> int:
    import torch

    from studio.models.diffusion.train import TrainConfig, open_run, parse_class_weights
    if args.threads:
        torch.set_num_threads(args.threads)
    device = _device(args.device)
    emit = _JsonOut() if args.json else _Bar(args.steps)
    tcfg = TrainConfig(steps=args.steps, batch=args.batch, lr=args.lr, seed=args.seed,
                       checkpoint_every=args.checkpoint_every, demo_every=args.demo_every,
                       class_weights=parse_class_weights(args.class_weight))
    if args.config.startswith("ctl-") or args.init_from:
        from studio.models.controls.train import open_controls_run
        from studio.models.diffusion.catalog import find_model
        trainer = open_controls_run(args.data, args.out, tcfg, args.config, device,
                                    args.resume, progress=emit.loading,
                                    init_from=str(find_model(args.init_from))
                                    if args.init_from else "")
    else:
        trainer = open_run(args.data, args.out, tcfg, args.config, args.rate, args.seconds,
                           device, args.resume, progress=emit.loading, pitch_cond=args.pitch)
    if trainer.rank != 0:  # under torchrun, one process speaks for all
        emit = _Quiet()
    emit.start(trainer, str(device))
    stop = threading.Event()
    previous = signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        trainer.run(on_step=emit.step, cancelled=stop.is_set, on_demo=emit.demo)
    finally:
        signal.signal(signal.SIGINT, previous)
    digests = trainer.rank_digests()  # a collective: every process takes part
    emit.end(trainer, stopped=stop.is_set(), digests=digests)
    trainer.close()
    return 0


class _Bar:
    """A one-line progress bar on stderr: step, loss (mean of the last 50), steps/s, ETA."""

    def __init__(self, total: int):
        self.total, self.recent, self.t_last = total, [], 0.0

    def loading(self, fraction: float, message: str) -> None:
        sys.stderr.write(f"\rloading data {fraction:4.0%}  {message[:50]}".ljust(80))

    def start(self, trainer, device: str) -> None:
        s = trainer.data.summary()
        sys.stderr.write(f"\r{s['clips']} clips ({s['seconds']} s) in "
                         f"{len(trainer.cfg.audio.classes)} classes; "
                         f"{trainer.cfg.size} model on {device}, from step {trainer.step}\n")
        for line in trainer.data.skipped[:5]:
            sys.stderr.write(f"skipped {line}\n")

    def step(self, info) -> None:
        self.recent = (self.recent + [info.loss])[-50:]
        now = time.monotonic()
        if now - self.t_last < 0.5 and info.step != self.total:
            return
        self.t_last = now
        fill = int(24 * info.step / self.total)
        eta = (self.total - info.step) / max(info.steps_per_s, 1e-9)
        sys.stderr.write(f"\r[{'#' * fill}{'.' * (24 - fill)}] {info.step}/{self.total} "
                         f"loss {sum(self.recent) / len(self.recent):.4f} "
                         f"{info.steps_per_s:5.2f} steps/s eta {eta / 60:5.1f} min ")
        sys.stderr.flush()

    def demo(self, step: int, files) -> None:
        sys.stderr.write(f"\ndemo clips at step {step}: {files[0].parent}\n")

    def end(self, trainer, stopped: bool, digests: list[str]) -> None:
        sys.stderr.write(f"\n{'stopped and saved' if stopped else 'done'} at step "
                         f"{trainer.step}: {trainer.run_dir / 'model.safetensors'}\n")
        if len(digests) > 1:
            same = len(set(digests)) == 1
            sys.stderr.write(f"{len(digests)} processes: weights "
                             f"{'identical' if same else 'DIFFER between processes'}\n")


class _JsonOut:
    """One JSON object per line on stdout (flushed), for the app's training dialog."""

    def _put(self, **d) -> None:
        sys.stdout.write(json.dumps(d) + "\n")
        sys.stdout.flush()

    def loading(self, fraction: float, message: str) -> None:
        self._put(event="loading", fraction=round(fraction, 3), message=message)

    def start(self, trainer, device: str) -> None:
        self._put(event="start", step=trainer.step, steps=trainer.tcfg.steps, device=device,
                  data=trainer.data.summary(), classes=list(trainer.cfg.audio.classes),
                  losses=trainer.losses[-2000:])

    def step(self, info) -> None:
        self._put(event="step", step=info.step, loss=round(info.loss, 5),
                  steps_per_s=round(info.steps_per_s, 3), lr=info.lr)

    def demo(self, step: int, files) -> None:
        self._put(event="demo", step=step, files=[str(f) for f in files])

    def end(self, trainer, stopped: bool, digests: list[str]) -> None:
        self._put(event="end", step=trainer.step, stopped=stopped,
                  model=str(trainer.run_dir / "model.json"), processes=trainer.world,
                  rank_digests=digests)


class _Quiet:
    def __getattr__(self, name):
        return lambda *args, **kwargs: None
