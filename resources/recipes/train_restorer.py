"""Train the bundled restoration model (resources/models/restorer.safetensors + .json).

1. Renders its material (studio.models.restoration.material): fluidsynth ensembles and drum
   kits with the FluidR3 GM soundfont, festival and espeak-ng speech, at 44.1 kHz, on seeds
   and texts the restoration benchmark never uses.
2. Trains the conditional restorer (studio.models.restoration) on random crops with random
   damage (gaps 20-500 ms, low-pass 2-8 kHz, spectrogram regions), for --steps (8000: the
   bundled model) or until --minutes of training have passed; the run directory keeps
   checkpoints, so running the same command again resumes.
3. Writes the EMA weights as float16 safetensors plus the JSON config to --out.

    .venv/bin/python resources/recipes/train_restorer.py [--steps 8000] [--minutes 240]
        [--run ~/.cache/audio-diffusion-studio/restorer-run] [--out resources/models/restorer]

Needs: apt-get install fluidsynth fluid-soundfont-gm festival festvox-us-slt-hts
festvox-kallpc16k espeak-ng
"""
from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from studio.models.restoration import material  # noqa: E402
from studio.models.restoration.api import save_restorer  # noqa: E402
from studio.models.restoration.train import RestorerTrainer  # noqa: E402
from studio.paths import cache_dir  # noqa: E402

OUT = ROOT / "resources" / "models" / "restorer"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=240.0,
                    help="stop after this much training in all (0: no limit)")
    ap.add_argument("--steps", type=int, default=8000,
                    help="train up to this step (the bundled model: 8000)")
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--lr", type=float, default=3e-4)
    ap.add_argument("--data", default=str(cache_dir() / "restorer" / "material"))
    ap.add_argument("--run", default=str(cache_dir() / "restorer-run"))
    ap.add_argument("--out", default=str(OUT))
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's own)")
    args = ap.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    t = time.perf_counter()
    files = material.render(Path(args.data))
    print(f"material: {len(files)} files in {args.data} ({time.perf_counter() - t:.0f} s)",
          flush=True)
    trainer = RestorerTrainer(Path(args.run), Path(args.data), batch=args.batch, lr=args.lr)
    print(f"training from step {trainer.state.step} on {platform.processor() or 'cpu'} "
          f"({torch.get_num_threads()} threads)", flush=True)
    recent: list[float] = []

    def report(step: int, loss: float) -> None:
        recent.append(loss)
        if step % 50 == 0:
            print(f"step {step}  loss {sum(recent) / len(recent):.3f}  "
                  f"{trainer.state.seconds / 60:.1f} min", flush=True)
            recent.clear()
        if step % 500 == 0:
            save_restorer(args.out, trainer.ema_weights(), trainer.cfg)

    trainer.run(args.steps, args.minutes, on_step=report)
    st, js = save_restorer(args.out, trainer.ema_weights(), trainer.cfg)
    print(f"wrote {st} ({st.stat().st_size / 1e6:.1f} MB) and {js} after "
          f"{trainer.state.step} steps, {trainer.state.seconds / 60:.1f} min")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
