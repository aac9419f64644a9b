"""Make the bundled timbre presets (resources/presets/timbre/<instrument>.json + .safetensors).

For each instrument a monophonic melody is written as MIDI, rendered by fluidsynth with the
FluidR3 GM soundfont (/usr/share/sounds/sf2/FluidR3_GM.sf2), and a timbre model is learned
from the render with studio.dsp.voice.timbre_model.learn. The melodies use seeds that the
conversion benchmark never uses, so the benchmark converts material the presets did not see.

    .venv/bin/python resources/recipes/make_timbre_presets.py [--only violin,flute] [--steps 600]

Needs: apt-get install fluidsynth fluid-soundfont-gm
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from studio.bench._convert_material import INSTRUMENTS, melody, render  # noqa: E402
from studio.dsp.voice import timbre_model as tm  # noqa: E402

PRESETS = ("violin", "cello", "flute", "clarinet", "trumpet", "saxophone", "oboe", "french_horn")
SEED_BASE = 7000       # the benchmark's melodies use seeds below 1000
RATE = 16000
SECONDS = 24.0


def make(name: str, out_dir: Path, steps: int) -> dict:
    program, low, high = INSTRUMENTS[name]
    notes = melody(SEED_BASE + PRESETS.index(name), low, high, seconds=SECONDS)
    audio = render(notes, name, RATE)
    model = tm.learn(torch.from_numpy(audio), RATE, name=name, steps=steps, seed=0)
    model.config["source"] = (f"FluidR3 GM program {program}, melody seed "
                              f"{SEED_BASE + PRESETS.index(name)}, {SECONDS:g} s at {RATE} Hz")
    st, js = model.save(out_dir / name)
    return {"name": name, "kb": round((st.stat().st_size + js.stat().st_size) / 1024, 1),
            "fit_rms_db": model.config["fit_rms_db"],
            "train_s": model.config["train_seconds"]}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default="", help="comma-separated instruments")
    ap.add_argument("--steps", type=int, default=600)
    ap.add_argument("--out", default=str(ROOT / "resources" / "presets" / "timbre"))
    args = ap.parse_args(argv)
    names = [n for n in args.only.split(",") if n] or list(PRESETS)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(1)
    print("| preset | size (KB) | fit RMS (dB) | learn time (s) |\n|---|---|---|---|")
    for n in names:
        started = time.perf_counter()
        r = make(n, out, args.steps)
        print(f"| {r['name']} | {r['kb']} | {r['fit_rms_db']} | {r['train_s']} |", flush=True)
        del started
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
