"""Train the bundled one-shot generator (resources/models/oneshots.safetensors + .json).

1. Renders one-shot sounds of twelve classes (kick, snare, hihat, tom, cymbal, piano, guitar,
   bass, strings, brass, woodwind, organ) with fluidsynth and the FluidR3 GM soundfont, from
   MIDI this recipe writes (studio.bench._oneshots; split "train"; the benchmark renders its
   own held-out splits).
2. Trains a network of the named --size (default "small", the 1-D U-Net; "tf-small" is the
   time-frequency U-Net of stft2d.py) with the same trainer as `studio train` (the run
   directory keeps checkpoints, so --resume goes on after an interruption), for --steps or
   until --minutes have passed, whichever comes first.
3. Writes the EMA weights as float16 safetensors plus the JSON config into resources/models
   (or --out).

    .venv/bin/python resources/recipes/train_generator.py [--per-class 400] [--steps 20000]
        [--minutes 80] [--run ~/.cache/audio-diffusion-studio/oneshots-run] [--resume]
        [--size small|tf-small|...] [--out resources/models/oneshots]

Needs: apt-get install fluidsynth fluid-soundfont-gm
"""
from __future__ import annotations

import argparse
import json
import platform
import signal
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from studio.bench._oneshots import render_split  # noqa: E402
from studio.engine.devices import resolve  # noqa: E402
from studio.models.diffusion import checkpoint as ckpt  # noqa: E402
from studio.models.diffusion.config import SIZES, ModelConfig, growth  # noqa: E402
from studio.models.diffusion.train import (  # noqa: E402
    TrainConfig, open_run, parse_class_weights)
from studio.paths import cache_dir  # noqa: E402

OUT = ROOT / "resources" / "models" / "oneshots"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--per-class", type=int, default=400)
    ap.add_argument("--steps", type=int, default=20_000)
    ap.add_argument("--minutes", type=float, default=0.0, help="stop after this long (0: never)")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=4e-4)
    ap.add_argument("--run", default=str(cache_dir() / "oneshots-run"))
    ap.add_argument("--data", default=str(cache_dir() / "oneshots" / "train"))
    ap.add_argument("--size", "--config", dest="size", default="small", choices=tuple(SIZES),
                    help="network kind and size (default small: the 1-D U-Net; tf-small: "
                         "the STFT U-Net); a resumed run keeps its own")
    ap.add_argument("--out", default=str(OUT),
                    help="where the model's .safetensors/.json go (default: the bundled one)")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--init-from", default="",
                    help="start from this model's weights (e.g. resources/models/oneshots.json, "
                         "to go on training the bundled model where no run directory is left)")
    ap.add_argument("--p-mean", type=float, default=None,
                    help="training noise distribution centre ln(sigma) (default: from the "
                         "data's std); with --resume, changes it for the rest of the run")
    ap.add_argument("--pitch", action="store_true",
                    help="condition on each clip's estimated pitch (a new run, or one grown "
                         "from --init-from's model)")
    ap.add_argument("--class-weight", action="append", default=[], metavar="CLASS=W",
                    help="draw that class's clips W times as often as the others' (repeatable; "
                         "to spend a short session on the classes the judge finds worst)")
    ap.add_argument("--export-only", action="store_true",
                    help="write the run directory's current EMA weights into resources/models "
                         "without training (after a run was stopped by other means)")
    ap.add_argument("--wall-hours", type=float, default=None,
                    help="with --export-only: the wall time of the steps since the bundled "
                         "model, for its training history")
    args = ap.parse_args(argv)

    if args.export_only:
        cfg, weights = _run_model(Path(args.run))
        session = None
        out = Path(args.out).expanduser()
        if args.wall_hours is not None and out.with_suffix(".json").exists():
            bundled = json.loads(out.with_suffix(".json").read_text())["training"]["steps"]
            session = {"steps": [bundled, cfg.training["steps"]],
                       "hardware": _hardware(resolve(args.device)),
                       "wall_hours": args.wall_hours}
        _export(cfg, weights, session, out)
        return 0
    started = time.monotonic()
    data = render_split(Path(args.data), "train", args.per_class)
    weights = parse_class_weights(args.class_weight)
    tcfg = TrainConfig(steps=args.steps, batch=args.batch, lr=args.lr, checkpoint_every=250,
                       demo_every=2000, class_weights=weights)
    device = resolve(args.device)
    trainer = open_run(data, args.run, tcfg, args.size, 16000, 1.5, device, args.resume,
                       p_mean=args.p_mean, pitch_cond=args.pitch)
    if args.init_from and not args.resume:
        trainer.init_from(args.init_from)
    print(f"{trainer.data.summary()}; from step {trainer.step} on {device}", flush=True)
    deadline = started + args.minutes * 60 if args.minutes else float("inf")
    # SIGTERM / Ctrl+C end the run at the next step boundary, saved and exported like a
    # run that reached its deadline
    stop = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.append(True))
    t_train = time.monotonic()
    step0 = trainer.step

    def report(info):
        if info.step % 50 == 0:
            print(f"step {info.step} loss {sum(trainer.losses[-50:]) / 50:.4f} "
                  f"{info.steps_per_s:.2f} steps/s", flush=True)

    trainer.run(on_step=report, cancelled=lambda: bool(stop) or time.monotonic() > deadline)
    trainer.save()
    session = {"steps": [step0, trainer.step], "hardware": _hardware(device),
               "wall_hours": round((time.monotonic() - t_train) / 3600, 2), "lr": args.lr,
               **({"class_weights": dict(weights)} if weights else {})}
    _export(trainer.model_config(), trainer.ema.state_dict(), session,
            Path(args.out).expanduser())
    return 0


def _run_model(run: Path):
    """The EMA weights and config the trainer last checkpointed in a run directory."""
    if not (run / "model.json").exists():
        raise SystemExit(f"no checkpointed model in {run}")
    model = ckpt.load_model(run / "model", "cpu")
    return model.cfg, model.state_dict()


def _export(cfg, weights, session: dict | None, out: Path = OUT) -> None:
    """Write the model as float16, with the training sessions behind it: those recorded in
    the model at `out` this run went on from (if it is the same network), then this one."""
    sessions = []
    js = out.with_suffix(".json")
    # the same network, or the one this run grew pitch conditioning on (same weights lineage)
    if js.exists() and growth(ModelConfig.load(js).network, cfg.network) is not None:
        old = json.loads(js.read_text()).get("training", {})
        sessions = [s for s in old.get("sessions", [])
                    if s["steps"][1] <= cfg.training.get("steps", 0)]
    if session:
        sessions.append(session)
    cfg = cfg.with_training(recipe="resources/recipes/train_generator.py", sessions=sessions)
    st, js = ckpt.save_model(out, weights, cfg, dtype=torch.float16)
    print(f"wrote {st} ({st.stat().st_size / 1e6:.1f} MB) and {js}", flush=True)


def _hardware(device: torch.device) -> str:
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return f"CPU ({platform.processor() or platform.machine()}, {torch.get_num_threads()} threads)"


if __name__ == "__main__":
    raise SystemExit(main())
