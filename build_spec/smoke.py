"""Smoke test of the built desktop bundle (after `make bundle`):

    .venv/bin/python build_spec/smoke.py [--bundle dist/audio-diffusion-studio] [--out DIR]

It runs the bundle's own `studio` binary, never this checkout's code: lists the operations
(discovered inside the frozen app), runs one restoration (hum removal on the bundled demo) and
one generation from its command line and compares both with this checkout's `python -m studio`
(same lock, same torch: the same samples), then starts the window under Xvfb on the demo
session, saves a screenshot and checks that it is not blank and that the demo's waveform is
drawn (the envelope of blue pixels follows the demo's own envelope). Prints the bundle's size
and start times beside the source checkout's; exits non-zero on the first failed check.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent
XVFB = ["xvfb-run", "-a", "-s", "-screen 0 1600x1000x24"]


def _run(cmd: list[str], timeout: float = 300, xvfb: bool = False) -> tuple[float, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY")}
    env.setdefault("OMP_NUM_THREADS", "2")  # the same threads on both sides: the same sums
    t0 = time.perf_counter()
    done = subprocess.run((XVFB if xvfb else []) + cmd, capture_output=True, text=True,
                          timeout=timeout, env=env)
    took = time.perf_counter() - t0
    if done.returncode != 0:
        sys.exit(f"FAILED: {' '.join(cmd)} exited {done.returncode}\n{done.stderr[-2000:]}")
    return took, done.stdout


def _check(ok: bool, what: str) -> None:
    print(f"  {'ok  ' if ok else 'FAIL'} {what}")
    if not ok:
        sys.exit(f"FAILED: {what}")


def _du(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def _share_at_harmonics(x: np.ndarray, rate: int, f0: float = 50.0, n: int = 8) -> float:
    """The share of a signal's energy within 1 Hz of f0's first n harmonics."""
    mono = x.mean(axis=1)
    spec = np.abs(np.fft.rfft(mono * np.hanning(len(mono)))) ** 2
    freqs = np.fft.rfftfreq(len(mono), 1 / rate)
    near = np.zeros(len(freqs), bool)
    for k in range(1, n + 1):
        near |= np.abs(freqs - k * f0) < 1
    return float(spec[near].sum() / spec.sum())


def waveform_match(png: Path, audio: np.ndarray) -> float:
    """Correlation between the demo's per-column peak and the height of the blue waveform
    pixels per column in the window's upper left (the overview strip and the two lanes)."""
    from PIL import Image
    img = np.asarray(Image.open(png).convert("RGB")).astype(int)
    h, w, _ = img.shape
    r, g, b = img[..., 0], img[..., 1], img[..., 2]
    blue = (b > 150) & (b > r + 50) & (b > g + 10)
    cols = blue[int(0.12 * h):int(0.5 * h), :int(0.75 * w)].sum(axis=0)
    xs = np.nonzero(cols > 2)[0]
    if len(xs) < 100:
        return 0.0
    drawn = cols[xs[0]:xs[-1] + 1]
    peaks = np.array([c.max() for c in np.array_split(np.abs(audio).max(axis=1), len(drawn))])
    return float(np.corrcoef(peaks, drawn)[0, 1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bundle", default=str(ROOT / "dist" / "audio-diffusion-studio"))
    ap.add_argument("--out", default=None, help="where outputs and screenshots go (a temp dir)")
    args = ap.parse_args()
    bundle = Path(args.bundle)
    exe = bundle / "studio"
    out = Path(args.out or tempfile.mkdtemp(prefix="studio-smoke-"))
    out.mkdir(parents=True, exist_ok=True)
    source = [sys.executable, "-m", "studio"]
    _check(exe.is_file() and os.access(exe, os.X_OK), f"{exe} is an executable")
    internal = bundle / "_internal"
    demo = internal / "resources" / "demo" / "demo.flac"
    _check(demo.is_file(), "the demo session travelled with the bundle (resources/)")
    plugins = internal / "PySide6" / "Qt" / "plugins"
    for plugin in ("multimedia/libffmpegmediaplugin.so", "platforms/libqxcb.so"):
        _check((plugins / plugin).is_file(), f"Qt plugin {plugin} is in the bundle")

    t_version, text = _run([str(exe), "--version"])
    t_version_src, _ = _run(source + ["--version"])
    _check(text.startswith("studio "), f"`studio --version` answers ({text.strip()})")
    _, listed = _run([str(exe), "ops", "--json"])
    _, expected = _run(source + ["ops", "--json"])
    ids = sorted(o["id"] for o in json.loads(listed))
    _check(ids == sorted(o["id"] for o in json.loads(expected)),
           f"the frozen app discovers all {len(ids)} operations")

    # one restoration: the demo's 50 Hz hum
    src, rate = sf.read(demo, dtype="float32", always_2d=True)
    for who, cmd in (("bundle", [str(exe)]), ("source", source)):
        _run(cmd + ["run", "restore.dehum", str(demo), "-o", str(out / f"dehum-{who}.wav"),
                    "--set", "mains=50"])
    fixed, frate = sf.read(out / "dehum-bundle.wav", dtype="float32", always_2d=True)
    ref, _ = sf.read(out / "dehum-source.wav", dtype="float32", always_2d=True)
    _check(fixed.shape == src.shape and frate == rate, "restoration keeps length and rate")
    removed = src - fixed
    level = 10 * np.log10(np.mean(removed ** 2) / np.mean(src ** 2))
    share = _share_at_harmonics(removed, rate)
    _check(level > -40 and share > 0.8, f"restoration removed hum: {level:.1f} dB of the "
           f"signal, {share:.0%} of it at 50 Hz and its harmonics")
    _check(np.allclose(fixed, ref, atol=1e-6, rtol=0),
           f"restoration equals the source checkout's (max diff {np.abs(fixed - ref).max():.2g})")

    # one generation with the bundled model
    for who, cmd in (("bundle", [str(exe)]), ("source", source)):
        _run(cmd + ["run", "generate.sample", "-o", str(out / f"gen-{who}.wav"), "--set",
                    "class=piano", "--set", "steps=8", "--set", "seed=7"])
    clip, _ = sf.read(out / "gen-bundle.wav", dtype="float32", always_2d=True)
    ref, _ = sf.read(out / "gen-source.wav", dtype="float32", always_2d=True)
    rms = float(np.sqrt(np.mean(clip ** 2)))
    _check(np.isfinite(clip).all() and rms > 1e-3, f"generation made sound (rms {rms:.3f})")
    _check(clip.shape == ref.shape and np.allclose(clip, ref, atol=1e-5, rtol=0),
           f"generation equals the source checkout's (max diff {np.abs(clip - ref).max():.2g})")

    # the window, under a real X server, on the demo session
    shots = {}
    for who, cmd in (("bundle", [str(exe)]), ("source", source)):
        shot = out / f"window-{who}.png"
        took, _ = _run(cmd + ["gui", "--screenshot", str(shot), "--size", "1600x900"],
                       xvfb=True)
        shots[who] = (shot, took)
    from PIL import Image
    img = np.asarray(Image.open(shots["bundle"][0]).convert("RGB"))
    colours = len(np.unique(img.reshape(-1, 3), axis=0))
    _check(img.shape[:2] == (900, 1600) and img.std() > 20 and colours > 500,
           f"the screenshot is not blank ({colours} colours, std {img.std():.0f})")
    match = waveform_match(shots["bundle"][0], src)
    _check(match > 0.6, f"the demo's waveform is drawn (envelope correlation {match:.2f})")

    size = _du(bundle)
    print(f"\nbundle: {bundle} — {size / 2**30:.2f} GiB on disk, "
          f"{sum(1 for _ in bundle.rglob('*'))} files")
    print(f"start to a rendered demo window (Xvfb, --screenshot): bundle "
          f"{shots['bundle'][1]:.1f} s, source checkout {shots['source'][1]:.1f} s")
    print(f"`studio --version`: bundle {t_version:.2f} s, source checkout {t_version_src:.2f} s")
    print(f"screenshots: {shots['bundle'][0]}  {shots['source'][0]}")
    print("smoke test passed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
