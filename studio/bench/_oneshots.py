"""One-shot sounds of twelve instrument classes, rendered by fluidsynth with the FluidR3 GM
soundfont (real sampled instruments and drum kits) from MIDI written here: the training data
of the bundled generator and the material of its benchmark (judge and Fréchet distance).

Each (class, program or drum kit) becomes one MIDI file of notes 2.5 s apart at random
pitches and velocities; the render is cut at the note starts. Different `split` names draw
different notes, so the benchmark's held-out clips are never the training clips.

Needs: apt-get install fluidsynth fluid-soundfont-gm
"""
from __future__ import annotations

import shutil
import struct
import subprocess
import tempfile
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable

import numpy as np
import soundfile as sf

from studio.bench._restore_material import INSTALL_HINT, SOUNDFONT
from studio.io.midi import vlq

SPACING = 2.5   # seconds between notes in a render
HOLD = 1.0      # seconds a melodic note is held (drums: the sample plays out)
RELEASE = 1.5   # seconds after a held note's end before the next (renders with `holds`)
DRUM_KITS = (0, 8, 16, 24, 25, 32, 40, 48)  # GM bank 128: standard, room, power, ...

# class -> (drum notes or GM programs, lowest and highest MIDI pitch (melodic only))
CLASSES: dict[str, tuple[str, tuple[int, ...], tuple[int, int]]] = {
    "kick": ("drum", (35, 36), (0, 0)),
    "snare": ("drum", (38, 40), (0, 0)),
    "hihat": ("drum", (42, 44, 46), (0, 0)),
    "tom": ("drum", (41, 43, 45, 47, 48, 50), (0, 0)),
    "cymbal": ("drum", (49, 51, 52, 55, 57, 59), (0, 0)),
    "piano": ("melodic", (0, 1, 2, 3, 4, 5), (36, 96)),
    "guitar": ("melodic", (24, 25, 26, 27, 28, 29), (40, 81)),
    "bass": ("melodic", (32, 33, 34, 35, 36, 37, 38), (28, 55)),
    "strings": ("melodic", (40, 41, 42, 44, 48, 49, 50), (43, 88)),
    "brass": ("melodic", (56, 57, 58, 59, 60, 61), (45, 80)),
    "woodwind": ("melodic", (64, 65, 66, 68, 70, 71, 72, 73, 74), (50, 91)),
    "organ": ("melodic", (16, 17, 18, 19, 20), (36, 88)),
}


def available() -> bool:
    return bool(shutil.which("fluidsynth")) and SOUNDFONT.exists()


def _midi(path: Path, channel: int, bank: int, program: int,
          notes: list[tuple[float, float, int, int]], tpq: int = 480) -> None:
    """A format-0 file at 120 bpm (a beat is 0.5 s): (start s, length s, pitch, velocity)."""
    events = []
    for start, length, pitch, vel in notes:
        events.append((int(start * 2 * tpq), 1, pitch, vel))
        events.append((int((start + length) * 2 * tpq), 0, pitch, 0))
    events.sort(key=lambda e: (e[0], e[1]))
    data = bytearray(b"\x00\xff\x51\x03" + (500_000).to_bytes(3, "big"))
    data += bytes([0, 0xB0 | channel, 0, bank & 0x7F])  # bank select (MSB)
    data += bytes([0, 0xC0 | channel, program])
    t = 0
    for tick, on, pitch, vel in events:
        data += vlq(tick - t) + bytes([(0x90 if on else 0x80) | channel, pitch,
                                        vel if on else 64])
        t = tick
    data += b"\x00\xff\x2f\x00"
    path.write_bytes(b"MThd" + struct.pack(">IHHH", 6, 0, 1, tpq)
                     + b"MTrk" + struct.pack(">I", len(data)) + bytes(data))


def _render(mid: Path, wav: Path, rate: int) -> np.ndarray:
    subprocess.run(["fluidsynth", "-ni", "-q", "-R", "0", "-C", "0", "-g", "0.6",
                    "-r", str(rate), "-F", str(wav), str(SOUNDFONT), str(mid)],
                   check=True, capture_output=True, timeout=600)
    audio, _ = sf.read(str(wav), dtype="float32", always_2d=True)
    return audio.mean(axis=1)


def _jobs(per_class: int, split: str, holds: tuple[float, float] | None = None,
          classes: dict | None = None) -> list[tuple[str, int, int, list]]:
    """(class, bank, program, notes) for every render, drawn from a seed of the split. With
    `holds`, each note is held for a time drawn log-uniformly in that range (seconds) and
    followed by RELEASE seconds before the next; otherwise notes are HOLD long, SPACING apart."""
    jobs = []
    for name, (kind, values, (lo, hi)) in (classes or CLASSES).items():
        rng = np.random.default_rng(zlib.crc32(f"{split}/{name}".encode()))
        sources = DRUM_KITS if kind == "drum" else values
        counts = np.full(len(sources), per_class // len(sources))
        counts[: per_class % len(sources)] += 1
        for source, count in zip(sources, counts):
            notes, start = [], 0.25
            for k in range(int(count)):
                pitch = int(rng.choice(values)) if kind == "drum" else int(rng.integers(lo, hi + 1))
                vel = int(rng.integers(50, 128))
                hold = HOLD if holds is None else float(np.exp(rng.uniform(*np.log(holds))))
                notes.append((start, hold, pitch, vel))
                start += SPACING if holds is None else hold + RELEASE
            bank, program = (128, source) if kind == "drum" else (0, source)
            jobs.append((name, bank, program, notes))
    return jobs


def render_split(out_dir: Path, split: str, per_class: int, rate: int = 16000,
                 seconds: float = 2.0, log: Callable[[str], None] = print,
                 holds: tuple[float, float] | None = None,
                 classes: dict | None = None) -> Path:
    """Render `per_class` clips of every class into out_dir/<class>/*.flac (kept when the
    folder already holds a complete render of this split). With `holds` (see `_jobs`), a
    clip is its note's hold plus RELEASE, at most `seconds`, and its name ends in the hold
    in ms: <split>_<bank>_<program>_<k>_<pitch>_<velocity>_<hold ms>.flac. `classes` (as
    CLASSES) renders other classes than the twelve."""
    if not available():
        raise RuntimeError(f"fluidsynth or {SOUNDFONT} missing ({INSTALL_HINT})")
    out_dir = Path(out_dir)
    stamp = out_dir / (f".complete-{split}-{per_class}-{rate}"
                       + (f"-{holds[0]:g}-{holds[1]:g}" if holds else ""))
    if stamp.exists():
        return out_dir
    jobs = _jobs(per_class, split, holds, classes)

    def run(job):
        name, bank, program, notes = job
        channel = 9 if bank == 128 else 0
        folder = out_dir / name
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as tmp:
            mid, wav = Path(tmp) / "x.mid", Path(tmp) / "x.wav"
            _midi(mid, channel, bank, program, notes)
            audio = _render(mid, wav, rate)
        for k, (start, hold, pitch, vel) in enumerate(notes):
            a = int(start * rate)
            length = seconds if holds is None else min(seconds, hold + RELEASE)
            clip = audio[a: a + int(length * rate)]
            if np.abs(clip).max(initial=0) < 1e-4:
                continue  # a note the soundfont has no sample for
            tail = "" if holds is None else f"_{int(round(hold * 1000))}"
            sf.write(str(folder / f"{split}_{bank}_{program}_{k:03d}_{pitch}_{vel}{tail}.flac"),
                     clip, rate)
        return name

    with ThreadPoolExecutor(max_workers=2) as pool:
        for i, name in enumerate(pool.map(run, jobs)):
            if i % 10 == 0:
                log(f"rendered {i + 1}/{len(jobs)} ({name})")
    stamp.write_text("ok")
    return out_dir
