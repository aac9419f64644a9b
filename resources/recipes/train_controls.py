"""Train the bundled controls generator (resources/models/controls.safetensors + .json): the
default generator v2, a diffusion model over synthesizer controls (studio.models.controls).

1. Renders notes of the twelve one-shot classes with fluidsynth and the FluidR3 GM soundfont
   at 44.1 kHz, each held 0.25-4 s (log-uniform) and followed by 1.5 s of release
   (studio.bench._oneshots, split "ctl-train"; the benchmark's splits are other draws).
2. Analyses every clip into controls (pitch contour, 64 harmonic amplitudes, 48 noise bands
   at 100 frames a second), told each clip's note; cached beside the renders.
3. Trains the ctl-small U-Net over 512 control frames (5.12 s) with the same trainer as the
   waveform model (checkpoints in --run; --resume goes on), for --steps or --minutes.
4. Writes the EMA weights as float16 safetensors plus the JSON config to --out.

    .venv/bin/python resources/recipes/train_controls.py [--per-class 200] [--steps 8000]
        [--minutes 170] [--run ~/.cache/audio-diffusion-studio/controls-run] [--resume]
        [--init-from resources/models/controls]

Needs: apt-get install fluidsynth fluid-soundfont-gm
"""
from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from studio.bench import _oneshots  # noqa: E402
from studio.engine.devices import resolve  # noqa: E402
from studio.models.controls import data as D  # noqa: E402
from studio.models.controls.spec import DEFAULT  # noqa: E402
from studio.models.controls.train import ControlTrainer, config_for  # noqa: E402
from studio.models.diffusion.config import ModelConfig  # noqa: E402
from studio.models.diffusion.train import STATE, TrainConfig  # noqa: E402
from studio.paths import cache_dir  # noqa: E402

OUT = ROOT / "resources" / "models" / "controls"
RATE = 44100
FRAMES = 512                 # 5.12 s of control frames
HOLDS = (0.25, 4.0)


def material(folder: Path, per_class: int, split: str = "ctl-train", log=print) -> D.ControlSet:
    """The split rendered and analysed (both cached in `folder`)."""
    _oneshots.render_split(folder, split, per_class, RATE, seconds=FRAMES / DEFAULT.frame_rate,
                           holds=HOLDS, log=log)
    cached = folder / f"controls-{split}-{per_class}.safetensors"
    classes = tuple(_oneshots.CLASSES)
    if cached.exists():
        return D.load(cached, classes)
    t = time.monotonic()
    data = D.analyse_renders(folder, _oneshots.CLASSES, DEFAULT, FRAMES, RATE, log=log)
    D.save(data, cached)
    log(f"analysed {data.audio.shape[0]} clips in {time.monotonic() - t:.0f} s")
    return data


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--per-class", type=int, default=200)
    ap.add_argument("--steps", type=int, default=8000)
    ap.add_argument("--minutes", type=float, default=170.0,
                    help="stop training after this long (0: never)")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=3e-4)
    ap.add_argument("--size", default="ctl-small")
    ap.add_argument("--run", default=str(cache_dir() / "controls-run"))
    ap.add_argument("--data", default=str(cache_dir() / "controls-material"))
    ap.add_argument("--out", default=str(OUT))
    ap.add_argument("--device", default="auto")
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--init-from", default="",
                    help="go on from a finished model's weights (the bundled one, whose run "
                         "directory and optimiser state are not kept): a fresh optimiser, "
                         "the step count continuing from the model's")
    ap.add_argument("--export-only", action="store_true",
                    help="write the run's last checkpointed EMA weights to --out, no training")
    args = ap.parse_args(argv)
    started = time.monotonic()
    run = Path(args.run)
    if args.export_only:
        from studio.models.diffusion import checkpoint as ckpt
        model = ckpt.load_model(run / "model", "cpu")
        _export(model.cfg, model.state_dict(), Path(args.out))
        return 0
    data = material(Path(args.data), args.per_class)
    print(data.summary(), flush=True)
    state = run / f"{STATE}.json"
    if args.resume and state.exists():
        cfg = ModelConfig.from_json(json.loads(state.read_text())["model"])
    elif args.init_from:  # its normalisation, not statistics measured again
        cfg = ModelConfig.load(Path(args.init_from).with_suffix(".json"))
    else:
        cfg = config_for(args.size, DEFAULT, FRAMES, RATE, data.classes, data.audio)
    tcfg = TrainConfig(steps=args.steps, batch=args.batch, lr=args.lr, checkpoint_every=250,
                       demo_every=2000, demo_steps=25)
    device = resolve(args.device)
    trainer = ControlTrainer(run, data, cfg, tcfg, device)
    if args.resume:
        trainer.resume()
    elif args.init_from:
        trainer.init_from(args.init_from)
    deadline = started + args.minutes * 60 if args.minutes else float("inf")
    stop = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.append(True))
    step0, t_train = trainer.step, time.monotonic()

    def report(info):
        if info.step % 50 == 0:
            print(f"step {info.step} loss {sum(trainer.losses[-50:]) / 50:.4f} "
                  f"{info.steps_per_s:.2f} steps/s", flush=True)

    trainer.run(on_step=report, cancelled=lambda: bool(stop) or time.monotonic() > deadline)
    trainer.save()
    cfg = trainer.model_config().with_training(
        recipe="resources/recipes/train_controls.py",
        wall_minutes=round((time.monotonic() - started) / 60, 1),
        train_minutes=round((time.monotonic() - t_train) / 60, 1), steps_this_run=[step0,
                                                                                     trainer.step])
    _export(cfg, trainer.ema.state_dict(), Path(args.out))
    return 0


def _export(cfg, weights, out: Path) -> None:
    from studio.models.diffusion import checkpoint as ckpt
    st, js = ckpt.save_model(out, weights, cfg, dtype=torch.float16)
    print(f"wrote {st} ({st.stat().st_size / 1e6:.1f} MB) and {js}", flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
