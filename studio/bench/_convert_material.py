"""Material for the conversion benchmark and the timbre-preset recipe: monophonic melodies
written as MIDI and rendered by fluidsynth with the FluidR3 GM soundfont (real sampled
instruments), cached under the user cache directory. The MIDI writer and the speech
renderer are the restoration benchmark's (studio.bench._restore_material)."""
from __future__ import annotations

import hashlib
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

from studio.bench._restore_material import INSTALL_HINT, SOUNDFONT, write_midi
from studio.errors import StudioError
from studio.paths import cache_dir

# GM programs (0-based) and a comfortable register (lowest, highest MIDI note)
INSTRUMENTS = {
    "piano": (0, 48, 84),
    "violin": (40, 55, 88),
    "viola": (41, 48, 79),
    "cello": (42, 36, 67),
    "flute": (73, 60, 93),
    "clarinet": (71, 50, 84),
    "oboe": (68, 58, 87),
    "trumpet": (56, 55, 82),
    "saxophone": (65, 49, 80),  # alto sax
    "french_horn": (60, 41, 72),
}


def melody(seed: int, low: int, high: int, seconds: float = 12.0, bpm: float = 100.0):
    """A monophonic line of (start_beat, length_beats, pitch, velocity): scale steps and
    leaps, varied note lengths and dynamics, inside [low, high]; notes do not overlap."""
    rng = np.random.default_rng(seed)
    scale = np.array([0, 2, 4, 5, 7, 9, 11])
    key = int(rng.integers(0, 12))
    degree = int(rng.integers(7, 14))
    beats_total = seconds * bpm / 60
    notes, t = [], 0.0
    while t < beats_total - 0.5:
        length = float(rng.choice([0.5, 1.0, 1.0, 1.5, 2.0]))
        step = int(rng.choice([-4, -2, -1, -1, 1, 1, 2, 3, 5]))
        degree += step
        pitch = key + 12 * (degree // 7) + int(scale[degree % 7]) + 12
        while pitch < low:
            pitch += 12
            degree += 7
        while pitch > high:
            pitch -= 12
            degree -= 7
        notes.append((t, length * 0.95, int(pitch), int(rng.integers(70, 115))))
        t += length
    return notes


def render(notes, instrument: str, rate: int = 16000, bpm: float = 100.0) -> np.ndarray:
    """Render notes on a GM instrument (cached); mono float32 at `rate`, unnormalised."""
    if not shutil.which("fluidsynth") or not SOUNDFONT.exists():
        raise StudioError(f"fluidsynth or {SOUNDFONT} missing ({INSTALL_HINT})")
    program = INSTRUMENTS[instrument][0]
    key = hashlib.sha1(repr((list(notes), program, rate, bpm)).encode()).hexdigest()[:12]
    cache = cache_dir() / "bench" / "convert"
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / f"{instrument}_{key}_{rate}.wav"
    if not path.exists():
        with tempfile.TemporaryDirectory() as tmp:
            mid = Path(tmp) / "x.mid"
            write_midi(mid, notes, program, bpm=bpm)
            # no reverb or chorus: the comparison should be about the instrument itself
            subprocess.run(["fluidsynth", "-ni", "-q", "-R", "0", "-C", "0", "-g", "0.6",
                            "-r", str(rate), "-F", str(path), str(SOUNDFONT), str(mid)],
                           check=True, capture_output=True, timeout=300)
    a, sr = sf.read(str(path), dtype="float32", always_2d=True)
    return a.mean(axis=1)


def note_f0(notes, n_frames: int, hop_s: float, bpm: float = 100.0) -> np.ndarray:
    """The MIDI ground truth on the analysis frame grid (0 where no note sounds)."""
    f0 = np.zeros(n_frames)
    beat = 60.0 / bpm
    for start, length, pitch, _ in notes:
        a = int(np.ceil(start * beat / hop_s))
        b = int(np.floor((start + length) * beat / hop_s))
        f0[a:max(a, min(b, n_frames))] = 440.0 * 2 ** ((pitch - 69) / 12)
    return f0
