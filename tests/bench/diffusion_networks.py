"""What each score network costs on this machine (a script, not a test):

    OMP_NUM_THREADS=1 python tests/bench/diffusion_networks.py [--sizes small,tf-small]

(1) one training step (forward + backward of the EDM loss, batch 16 of 1.536 s clips at
    16 kHz, 12 classes) with one thread, median of --reps, and its ratio to the first size's;
(2) sampling: 25 Heun steps with classifier-free guidance (the generate.sample defaults) of
    one 1.5 s clip, with --threads threads (default 2: the target is <= 10 s on 2 cores).
The weights are random: cost does not depend on them. Beside wall time, the process's CPU time
(all its threads), which survives a loaded machine better: with one thread it is about the
time on an idle core. Under load, trust the ratios and the CPU times.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from studio.models.diffusion.config import config_for  # noqa: E402
from studio.models.diffusion.edm import Denoiser, edm_loss  # noqa: E402
from studio.models.diffusion.pipeline import DiffusionModel  # noqa: E402

CLASSES = tuple(f"c{i}" for i in range(12))


def _timed(fn) -> tuple[float, float]:
    t, c = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - t, time.process_time() - c


def train_step_s(model: Denoiser, batch: int, reps: int) -> tuple[float, float]:
    """(wall, CPU) seconds of one training step, medians."""
    x0 = 0.2 * torch.randn(batch, 1, model.cfg.audio.length,
                           generator=torch.Generator().manual_seed(0))
    labels = torch.arange(batch) % len(CLASSES)
    g = torch.Generator().manual_seed(1)
    model.train()

    def step():
        model.zero_grad(set_to_none=True)
        edm_loss(model, x0, labels, g).backward()
    times = [_timed(step) for _ in range(reps + 1)][1:]  # the first warms the allocator up
    return float(np.median([w for w, _ in times])), float(np.median([c for _, c in times]))


def sample_s(model: Denoiser, threads: int) -> tuple[float, float]:
    from studio.ops.generate._common import GUIDANCE
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        gen = DiffusionModel(model.eval())
        return _timed(lambda: gen.sample(1, 0, sampler="heun", steps=25, guidance=GUIDANCE,
                                         generator=torch.Generator().manual_seed(0)))
    finally:
        torch.set_num_threads(before)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="small,tf-small")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2, help="threads for sampling")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    rows, base = [], None
    for size in args.sizes.split(","):
        cfg = config_for(size, 16000, 1.5, CLASSES)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)
            model = Denoiser(cfg)
        params = sum(p.numel() for p in model.parameters()) / 1e6
        wall, cpu = train_step_s(model, args.batch, args.reps)
        base = base or cpu
        s_wall, s_cpu = sample_s(model, args.threads)
        rows.append((size, cfg.network.kind, f"{params:.2f}", f"{wall * 1000:.0f}",
                     f"{cpu * 1000:.0f}", f"{cpu / base:.2f}", f"{s_wall:.2f}", f"{s_cpu:.2f}",
                     f"{s_cpu / args.threads:.2f}"))
    print(f"\n### Score network cost (load {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} cores)\n")
    head = ["size", "kind", "params M", f"train step wall ms (batch {args.batch}, 1 thread)",
            "CPU ms", "CPU x first", f"heun 25 guided, 1.5 s, {args.threads} threads: wall s",
            "CPU s", f"CPU s / {args.threads} (idle estimate)"]
    print("| " + " | ".join(head) + " |\n|" + "---|" * len(head))
    for r in rows:
        print("| " + " | ".join(r) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
