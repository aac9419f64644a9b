"""Benchmark of file I/O: resampler quality and speed, export, session save/load, `info`.

    .venv/bin/python tests/bench/file_io.py               # 5 minutes of 48 kHz stereo
    .venv/bin/python tests/bench/file_io.py --minutes 1   # quick run

Each figure is a ratio against a baseline measured in the same run (the machine is shared):
- resampling: studio.io.resample (scipy polyphase, kaiser-best design) against torchaudio's
  resample with the same design and against scipy's default window: error on a 1 kHz tone,
  error near the band edge, alias rejection, and time per minute of stereo audio;
- export: studio.io.export.write (quantize, atomic temp + fsync + rename) vs soundfile.write;
- session save/load: studio.core.session vs np.save/np.load of the same float32 samples;
- `studio info` levels (streamed) vs soundfile.read + numpy of the whole file.
Prints markdown tables and exits 0. Temporary files are deleted.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from math import gcd
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy import signal

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from studio.io import resample as rs  # noqa: E402


def _best(fn, repeat=3):
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def _db(x):
    return 20 * np.log10(max(float(x), 1e-300))


def _sine(f, rate, n):
    return np.sin(2 * np.pi * f * np.arange(n) / rate)


def resampler_table():
    import torch
    import torchaudio.functional as AF
    torch.set_num_threads(2)

    def ta(x, a, b):
        return AF.resample(torch.from_numpy(np.asarray(x, np.float32)), a, b, lowpass_filter_width=64,
                           rolloff=0.9475, resampling_method="sinc_interp_kaiser",
                           beta=14.769656459379492).numpy()

    def scipy_default(x, a, b):
        g = gcd(a, b)
        return signal.resample_poly(x, b // g, a // g).astype(np.float32)

    methods = {"studio (scipy kaiser-best)": rs.resample, "torchaudio kaiser-best": ta,
               "scipy default window": scipy_default}
    print("\n### Resampling quality (dB, lower is better) and speed\n")
    print("| conversion | method | 1 kHz error | 0.45·fs error | alias @ 0.51·fs_out | s per stereo minute |")
    print("|---|---|---|---|---|---|")
    for a, b in [(44100, 48000), (48000, 44100), (96000, 44100)]:
        for name, fn in methods.items():
            errs = []
            for f in (1000, 0.45 * min(a, b)):
                y = fn(_sine(f, a, a), a, b)
                ref = _sine(f, b, len(y))
                mid = slice(len(y) // 4, 3 * len(y) // 4)
                errs.append(_db(np.sqrt(np.mean((y[mid] - ref[mid]) ** 2)) / np.sqrt(0.5)))
            alias = "n/a"
            if b < a:
                f = 0.51 * b
                y = fn(_sine(f, a, a), a, b)
                alias = f"{_db(np.sqrt(np.mean(y[len(y) // 4:-len(y) // 4] ** 2)) / np.sqrt(0.5)):.1f}"
            x = np.random.default_rng(0).standard_normal((2, a * 60)).astype(np.float32)
            t = _best(lambda: fn(x, a, b), 2)
            print(f"| {a}→{b} | {name} | {errs[0]:.1f} | {errs[1]:.1f} | {alias} | {t:.2f} |")


def io_table(minutes: float):
    from studio.cli.info import describe
    from studio.core.document import Document
    from studio.core.session import load_session, save_session
    from studio.io.export import write

    rate, n = 48000, int(minutes * 60 * 48000)
    x = (np.random.default_rng(1).standard_normal((2, n)) * 0.1).astype(np.float32)
    rows = []
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        t_ours = _best(lambda: write(d / "a.wav", x, rate, subtype="PCM_24"))
        t_base = _best(lambda: sf.write(d / "b.wav", x.T, rate, subtype="PCM_24"))
        rows.append(("export 24-bit WAV", t_ours, "soundfile.write", t_base))
        t_ours = _best(lambda: write(d / "a.flac", x, rate, subtype="PCM_16"), 1)
        t_base = _best(lambda: sf.write(d / "b.flac", x.T, rate, subtype="PCM_16"), 1)
        rows.append(("export 16-bit FLAC + TPDF", t_ours, "soundfile.write", t_base))
        doc = Document.from_array(x, rate)
        t_save = _best(lambda: save_session(doc, d / "s.adsession"))
        t_npsave = _best(lambda: np.save(d / "raw.npy", x))
        rows.append(("session save (atomic, fsync)", t_save, "np.save", t_npsave))
        t_load = _best(lambda: load_session(d / "s.adsession"))
        t_npload = _best(lambda: np.load(d / "raw.npy"))
        rows.append(("session load (CRC, blocks, summaries)", t_load, "np.load", t_npload))

        def baseline_info():
            y, _ = sf.read(d / "a.wav", dtype="float32")
            np.abs(y).max(axis=0), np.sqrt((y.astype(np.float64) ** 2).mean(axis=0)), np.isnan(y).sum()
        t_info = _best(lambda: describe(str(d / "a.wav")))
        t_base = _best(baseline_info)
        rows.append(("info levels (streamed)", t_info, "sf.read + numpy", t_base))
    print(f"\n### File I/O, {minutes:g} min of 48 kHz stereo (best of 3, seconds)\n")
    print("| task | studio | baseline | baseline s | ratio |")
    print("|---|---|---|---|---|")
    for task, ours, base_name, base in rows:
        print(f"| {task} | {ours:.2f} | {base_name} | {base:.2f} | {ours / base:.2f}x |")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=5.0)
    args = ap.parse_args()
    resampler_table()
    io_table(args.minutes)
    print("\n(timings on a shared 2-core machine are noisy; compare the ratios)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
