"""SPADE sparsity schedules side by side on a folder of recordings: mean SDR improvement and
the work they cost (frame-iterations per second of audio, which load does not distort),
with the operation's own level scaling, frames and consistency.

    .venv/bin/python tests/bench/declip_schedules.py [--dir FOLDER] [--db 1,10]
        [--schedule '{"r": 3, "growth": 0.015}' ...]

A schedule holds spade.declip's keywords, and "overlap" (frames per frame length, 4 by
default as in the survey: hop = frame / overlap).

FOLDER: for instance the ten recordings of the declipping survey (`Sounds/` of
github.com/rajmic/declipping2020_codes); by default the ALSA speech recordings. Without
--schedule, the operation's efforts.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from studio.bench import _restore_material as material  # noqa: E402
from studio.bench.restore import clip_to_sdr  # noqa: E402
from studio.dsp import spade  # noqa: E402
from studio.dsp.metrics import sdr  # noqa: E402
from studio.ops.restore.declip import EFFORT, SURVEY_RMS  # noqa: E402


def run(schedule: dict, db: float, items) -> tuple[float, float, float]:
    """(mean dSDR, frame-iterations per s of audio, CPU s per s of audio)."""
    gains, work, cpu, seconds = [], 0, 0.0, 0.0
    for it in items:
        y, thr = clip_to_sdr(it.audio, db)
        yt = torch.from_numpy(y)
        high, low = yt >= thr * (1 - 1e-6), yt <= -thr * (1 - 1e-6)
        gain = SURVEY_RMS / float(yt.pow(2).mean().sqrt())
        c0 = time.process_time()
        frame = 1 << round(np.log2(8192 * it.sample_rate / 44100))
        kw = dict(schedule)
        overlap = kw.pop("overlap", 4)  # frames per frame length (the survey's: 4)
        out, iters = spade.declip(yt * gain, high, low, frame=frame, hop=frame // overlap,
                                  **kw)
        out /= gain
        cpu += time.process_time() - c0
        out = spade.project_consistent(out, yt, high, low).numpy()
        gains.append(sdr(it.audio, out) - sdr(it.audio, y))
        work += int(iters.sum())
        seconds += len(y) / it.sample_rate
    return float(np.mean(gains)), work / seconds, cpu / seconds


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", default="", help="folder of .wav recordings (default: ALSA's)")
    ap.add_argument("--db", default="1,10", help="input SDRs (comma list)")
    ap.add_argument("--schedule", action="append", default=[],
                    help="spade.declip keywords as JSON (repeatable)")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)  # CPU seconds comparable between schedules
    items = material.recordings(args.dir, skip=()) if args.dir else material.recordings()
    if not items:
        return 0  # (recordings() said what is missing)
    schedules = [json.loads(s) for s in args.schedule] or [
        {"r": r, "growth": g, "_name": name} for name, (r, g) in EFFORT.items()
        if name != "survey"]
    print(f"| schedule | input SDR | dSDR (mean of {len(items)}) | frame-iterations per s "
          f"| CPU s per s (1 thread) |\n|---|---|---|---|---|")
    for sch in schedules:
        name = sch.pop("_name", None) or json.dumps(sch)
        for db in (float(v) for v in args.db.split(",")):
            gain, work, cpu = run(sch, db, items)
            print(f"| {name} | {db:g} | {gain:+.2f} | {work / 1000:.1f} k | {cpu:.2f} |",
                  flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
