"""Test material for the restoration benchmark, made on this machine and cached:
music rendered by fluidsynth with the FluidR3 GM soundfont (real sampled instruments) from
MIDI files written here, and speech from festival (us_slt female, kal male) or espeak-ng.

Install what is missing with:
    apt-get install fluidsynth fluid-soundfont-gm festival festvox-us-slt-hts \
        festvox-kallpc16k espeak-ng
"""
from __future__ import annotations

import shutil
import struct
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy.signal import resample_poly

from studio.io.midi import vlq
from studio.paths import cache_dir

SOUNDFONT = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")
INSTALL_HINT = ("apt-get install fluidsynth fluid-soundfont-gm festival festvox-us-slt-hts "
                "festvox-kallpc16k espeak-ng")

# (name, GM program, register in MIDI notes, style)
INSTRUMENTS = [
    ("piano", 0, 48, "chords"),
    ("guitar", 25, 45, "arpeggio"),
    ("strings", 48, 48, "pad"),
    ("brass", 61, 50, "melody"),
    ("flute", 73, 67, "melody"),
    ("organ", 19, 48, "chords"),
]

SENTENCES = [
    "The birch canoe slid on the smooth planks. Glue the sheet to the dark blue background.",
    "It is easy to tell the depth of a well. These days a chicken leg is a rare dish.",
    "Rice is often served in round bowls. The juice of lemons makes fine punch.",
    "The box was thrown beside the parked truck. The hogs were fed chopped corn and garbage.",
]


@dataclass
class Item:
    name: str
    kind: str  # "music" or "speech"
    audio: np.ndarray  # float32 mono
    sample_rate: int


def write_midi(path: Path, notes, program: int, tpq: int = 480, bpm: float = 100.0):
    """A format-0 standard MIDI file: notes are (start_beat, length_beats, pitch, velocity)."""
    events = []
    for start, length, pitch, vel in notes:
        events.append((int(start * tpq), 1, pitch, vel))
        events.append((int((start + length) * tpq), 0, pitch, 0))
    events.sort(key=lambda e: (e[0], e[1]))
    tempo = int(60_000_000 / bpm)
    data = bytearray(b"\x00\xff\x51\x03" + tempo.to_bytes(3, "big"))
    data += b"\x00\xc0" + bytes([program])
    t = 0
    for tick, on, pitch, vel in events:
        data += vlq(tick - t) + bytes([0x90 if on else 0x80, pitch, vel if on else 64])
        t = tick
    data += b"\x00\xff\x2f\x00"
    path.write_bytes(b"MThd" + struct.pack(">IHHH", 6, 0, 1, tpq)
                     + b"MTrk" + struct.pack(">I", len(data)) + bytes(data))


def compose(style: str, base: int, seed: int, beats: int = 14):
    """A few bars of plausible music: diatonic chords, arpeggios, pads or a melody."""
    rng = np.random.default_rng(seed)
    scale = np.array([0, 2, 4, 5, 7, 9, 11])
    key = int(rng.integers(0, 7))
    degrees = rng.choice([0, 3, 4, 5, 1], size=beats // 2)
    notes = []
    for bar, deg in enumerate(degrees):
        chord = [base + key + scale[(deg + j) % 7] + 12 * ((deg + j) // 7) for j in (0, 2, 4)]
        t0 = 2.0 * bar
        vel = int(rng.integers(70, 110))
        if style == "chords":
            for off in (0.0, 1.0):
                notes += [(t0 + off, 0.95, p, vel) for p in chord]
            notes.append((t0, 2.0, chord[0] - 12, vel))
        elif style == "arpeggio":
            seq = chord + [chord[1] + 12, chord[2], chord[1], chord[0] + 12, chord[2]]
            notes += [(t0 + 0.25 * i, 0.5, p, vel) for i, p in enumerate(seq)]
        elif style == "pad":
            notes += [(t0, 2.0, p, vel) for p in chord]
        else:
            for i in range(4):
                p = chord[int(rng.integers(0, 3))] + 12 * int(rng.integers(0, 2))
                notes.append((t0 + 0.5 * i, 0.45, int(p), vel))
    return notes


def _render_music(name, program, base, style, seed, out: Path, rate: int):
    with tempfile.TemporaryDirectory() as tmp:
        mid = Path(tmp) / "x.mid"
        write_midi(mid, compose(style, base, seed), program)
        subprocess.run(["fluidsynth", "-ni", "-q", "-g", "0.5", "-r", str(rate), "-F",
                        str(out), str(SOUNDFONT), str(mid)], check=True,
                       capture_output=True, timeout=120)


def _render_speech(voice: str, text: str, out: Path):
    with tempfile.TemporaryDirectory() as tmp:
        txt = Path(tmp) / "x.txt"
        txt.write_text(text)
        if voice == "espeak":
            subprocess.run(["espeak-ng", "-w", str(out), "-f", str(txt)], check=True,
                           capture_output=True, timeout=120)
            return
        proc = {"slt": "(voice_cmu_us_slt_arctic_hts)", "kal": "(voice_kal_diphone)"}[voice]
        subprocess.run(["text2wave", "-eval", proc, str(txt), "-o", str(out)], check=True,
                       capture_output=True, timeout=120)


def _load(path: Path, rate: int) -> np.ndarray:
    a, sr = sf.read(str(path), dtype="float32", always_2d=True)
    a = a.mean(axis=1)
    if sr != rate:
        from math import gcd
        g = gcd(sr, rate)
        a = resample_poly(a, rate // g, sr // g).astype(np.float32)
    nz = np.flatnonzero(np.abs(a) > 1e-4)  # trim the silent tails the renderers leave
    if len(nz):
        a = a[max(0, nz[0] - rate // 50): nz[-1] + rate // 20]
    peak = np.abs(a).max()
    return (a / peak * 0.7).astype(np.float32) if peak > 0 else a


def music(n: int, rate: int = 44100, seconds: float = 6.0, seed: int = 0,
          log=print) -> list[Item]:
    """`n` music items cycling over the instruments; [] when fluidsynth is missing."""
    if not shutil.which("fluidsynth") or not SOUNDFONT.exists():
        log(f"skipping music: fluidsynth or {SOUNDFONT} missing ({INSTALL_HINT})")
        return []
    cache = cache_dir() / "bench" / "restore"
    cache.mkdir(parents=True, exist_ok=True)
    items = []
    for i in range(n):
        name, program, base, style = INSTRUMENTS[i % len(INSTRUMENTS)]
        path = cache / f"music_{name}_{seed + i}_{rate}.wav"
        if not path.exists():
            _render_music(name, program, base, style, seed * 1000 + i, path, rate)
        a = _load(path, rate)[: int(seconds * rate)]
        items.append(Item(f"{name}{i // len(INSTRUMENTS) or ''}", "music", a, rate))
    return items


def speech(n: int, rate: int = 16000, seed: int = 0, log=print) -> list[Item]:
    """`n` speech items alternating a female and a male voice; [] when no synthesiser."""
    voices = []
    if shutil.which("text2wave"):
        voices = ["slt", "kal"]
    elif shutil.which("espeak-ng"):
        voices = ["espeak"]
    if not voices:
        log(f"skipping speech: neither festival nor espeak-ng found ({INSTALL_HINT})")
        return []
    cache = cache_dir() / "bench" / "restore"
    cache.mkdir(parents=True, exist_ok=True)
    items = []
    for i in range(n):
        voice = voices[i % len(voices)]
        text = SENTENCES[(seed + i) % len(SENTENCES)]
        path = cache / f"speech_{voice}_{(seed + i) % len(SENTENCES)}.wav"
        if not path.exists():
            try:
                _render_speech(voice, text, path)
            except (subprocess.SubprocessError, OSError) as e:
                log(f"skipping speech voice {voice}: {e}")
                continue
        items.append(Item(f"{voice}{i}", "speech", _load(path, rate), rate))
    return items


ALSA_SOUNDS = Path("/usr/share/sounds/alsa")


def recordings(folder: Path | str = ALSA_SOUNDS, rate: int = 44100, pattern: str = "*.wav",
               skip: tuple[str, ...] = ("Noise",), log=print) -> list[Item]:
    """Real recordings from a folder of sound files, mono at `rate`, peak 0.7: by default
    the spoken channel names of alsa-utils (apt-get install alsa-utils), or any folder
    (for example excerpts of real instrument recordings); [] when there are none."""
    files = sorted(p for p in Path(folder).glob(pattern) if not any(k in p.stem for k in skip))
    if not files:
        log(f"skipping recordings: no {pattern} in {folder}")
        return []
    return [Item(f.stem, "recording", _load(f, rate), rate) for f in files]
