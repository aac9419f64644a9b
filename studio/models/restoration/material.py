"""Training material for the restorer, made on this machine (the recipe's step 1): music
rendered by fluidsynth with the FluidR3 GM soundfont (polyphonic ensembles of two or three
instruments, and drum kits), and speech from festival's two voices and espeak-ng's, on texts
and seeds the restoration benchmark never uses (it renders its own held-out items).

Needs: apt-get install fluidsynth fluid-soundfont-gm festival festvox-us-slt-hts
festvox-kallpc16k espeak-ng (what is missing is skipped with a line)."""
from __future__ import annotations

import shutil
import struct
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

from studio.io.midi import vlq
from studio.io.resample import resample

SOUNDFONT = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")
# seeds from here on: the benchmark's music uses seeds below 100
SEED_BASE = 5000
# melodic GM programs (piano, keys, guitars, bass, strings, brass, reeds, pipes, synths)
PROGRAMS = [0, 1, 4, 6, 11, 16, 24, 26, 29, 32, 33, 40, 42, 45, 46, 48, 52, 56, 57, 60, 65,
            66, 68, 71, 73, 75, 80, 81, 88, 89, 105, 114]
DRUMS = {"kick": 36, "snare": 38, "hat": 42, "open": 46, "tom": 45, "crash": 49, "ride": 51}
# Harvard sentences (lists 3-10): the benchmark speaks four of list 1
SENTENCES = [
    "The small pup gnawed a hole in the sock.", "The fish twisted and turned on the bent hook.",
    "Press the pants and sew a button on the vest.", "The swan dive was far short of perfect.",
    "The beauty of the view stunned the young boy.", "Two blue fish swam in the tank.",
    "Her purse was full of useless trash.", "The colt reared and threw the tall rider.",
    "It snowed, rained, and hailed the same morning.", "Read verse out loud for pleasure.",
    "Hoist the load to your left shoulder.", "Take the winding path to reach the lake.",
    "Note closely the size of the gas tank.", "Wipe the grease off his dirty face.",
    "Mend the coat before you go out.", "The wrist was badly strained and hung limp.",
    "The stray cat gave birth to kittens.", "The young girl gave no clear response.",
    "The meal was cooked before the bell rang.", "What joy there is in living.",
    "A king ruled the state in the early days.", "The ship was torn apart on the sharp reef.",
    "Sickness kept him home the third week.", "The wide road shimmered in the hot sun.",
    "The lazy cow lay in the cool grass.", "Lift the square stone over the fence.",
    "The rope will bind the seven books at once.", "Hop over the fence and plunge in.",
    "The friendly gang left the drug store.", "Mesh wire keeps chicks inside.",
    "The frosty air passed through the coat.", "The crooked maze failed to fool the mouse.",
    "Adding fast leads to wrong sums.", "The show was a flop from the very start.",
    "A saw is a tool used for making boards.", "The wagon moved on well oiled wheels.",
]
ESPEAK_VOICES = ["en-us", "en-gb", "en-us+f3", "en-gb+f2", "en-us+m5", "en-gb-scotland"]


def midi_bytes(tracks: list[tuple[int, int, list]], tpq: int = 480, bpm: float = 100.0) -> bytes:
    """A format-0 MIDI file of several channels: tracks are (channel, program, notes), notes
    (start_beat, length_beats, pitch, velocity); channel 9 is General MIDI's drum kit."""
    events = []
    for ch, _, notes in tracks:
        for start, length, pitch, vel in notes:
            events.append((int(start * tpq), 1, ch, pitch, vel))
            events.append((int((start + length) * tpq), 0, ch, pitch, 0))
    events.sort(key=lambda e: (e[0], e[1]))
    data = bytearray(b"\x00\xff\x51\x03" + int(60_000_000 / bpm).to_bytes(3, "big"))
    for ch, program, _ in tracks:
        data += b"\x00" + bytes([0xC0 | ch, program])
    t = 0
    for tick, on, ch, pitch, vel in events:
        data += vlq(tick - t) + bytes([(0x90 if on else 0x80) | ch, pitch, vel if on else 64])
        t = tick
    data += b"\x00\xff\x2f\x00"
    return (b"MThd" + struct.pack(">IHHH", 6, 0, 1, tpq)
            + b"MTrk" + struct.pack(">I", len(data)) + bytes(data))


def _part(rng, style: str, chords: list[list[int]], octave: int) -> list:
    notes = []
    for bar, chord in enumerate(chords):
        t0 = 2.0 * bar
        vel = int(rng.integers(55, 115))
        ch = [p + 12 * octave for p in chord]
        if style == "pad":
            notes += [(t0, 2.0, p, vel) for p in ch]
        elif style == "chords":
            notes += [(t0 + off, 0.9, p, vel) for off in (0.0, 1.0) for p in ch]
        elif style == "arpeggio":
            seq = ch + [ch[1] + 12, ch[2], ch[1], ch[0] + 12, ch[2]]
            notes += [(t0 + 0.25 * i, 0.4, p, vel) for i, p in enumerate(seq)]
        elif style == "bass":
            notes += [(t0 + 0.5 * i, 0.45, ch[0] - 12, vel) for i in range(4)]
        else:  # melody
            for i in range(int(rng.integers(2, 7))):
                p = ch[int(rng.integers(0, 3))] + 12 * int(rng.integers(0, 2))
                notes.append((t0 + 2.0 * i / 6, float(rng.uniform(0.15, 0.9)), p, vel))
    return notes


def _drums(rng, bars: int) -> list:
    notes = []
    swing = float(rng.uniform(0, 0.08))
    for bar in range(bars):
        t0 = 2.0 * bar
        for i in range(8):
            t = t0 + 0.25 * i + (swing if i % 2 else 0)
            notes.append((t, 0.1, DRUMS["hat" if rng.random() < 0.85 else "open"],
                          int(rng.integers(50, 100))))
        for i in (0, 4) if rng.random() < 0.7 else (0, 3, 5):
            notes.append((t0 + 0.25 * i, 0.1, DRUMS["kick"], int(rng.integers(90, 127))))
        for i in (2, 6):
            notes.append((t0 + 0.25 * i, 0.1, DRUMS["snare"], int(rng.integers(80, 120))))
        if rng.random() < 0.3:
            notes.append((t0 + 1.75, 0.1, DRUMS["tom"], 100))
        if bar % 4 == 0:
            notes.append((t0, 1.0, DRUMS["crash" if rng.random() < 0.6 else "ride"], 100))
    return notes


def compose(seed: int) -> list[tuple[int, int, list]]:
    """An ensemble of 1-3 melodic instruments over a chord progression, with drums in about
    half of the pieces."""
    rng = np.random.default_rng(seed)
    scale = np.array([0, 2, 4, 5, 7, 9, 11])
    key = int(rng.integers(0, 12))
    bars = 8
    chords = []
    for deg in rng.choice([0, 3, 4, 5, 1, 2], size=bars):
        chords.append([48 + key + scale[(deg + j) % 7] + 12 * ((deg + j) // 7)
                       for j in (0, 2, 4)])
    tracks = []
    styles = ["pad", "chords", "arpeggio", "melody", "bass"]
    for ch in range(int(rng.integers(1, 4))):
        style = styles[int(rng.integers(0, len(styles)))]
        octave = {"melody": 1, "bass": -1}.get(style, int(rng.integers(-1, 2)))
        program = int(rng.choice(PROGRAMS))
        tracks.append((ch, program, _part(rng, style, chords, octave)))
    if rng.random() < 0.5:
        tracks.append((9, 0, _drums(rng, bars)))
    return tracks


def _load(path: Path, rate: int) -> np.ndarray:
    """A renderer's file as mono at `rate` (the app's resampler), peak 0.7."""
    a, sr = sf.read(str(path), dtype="float32", always_2d=True)
    a = resample(a.mean(axis=1), sr, rate)
    peak = float(np.abs(a).max())
    return a / peak * 0.7 if peak > 0 else a


def render(folder: Path, pieces: int = 48, sentences: int = 2 * len(SENTENCES),
           rate: int = 44100, log=print) -> list[Path]:
    """Render the material into `folder` (kept: an existing file is not rendered again);
    returns the WAV files, mono at `rate`, peak 0.7."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    if shutil.which("fluidsynth") and SOUNDFONT.exists():
        for i in range(pieces):
            path = folder / f"music_{i:03d}.wav"
            if not path.exists():
                with tempfile.TemporaryDirectory() as tmp:
                    mid, raw = Path(tmp) / "x.mid", Path(tmp) / "x.wav"
                    mid.write_bytes(midi_bytes(compose(SEED_BASE + i)))
                    subprocess.run(["fluidsynth", "-ni", "-q", "-g", "0.6", "-r", str(rate),
                                    "-F", str(raw), str(SOUNDFONT), str(mid)], check=True,
                                   capture_output=True, timeout=300)
                    sf.write(str(path), _load(raw, rate), rate, subtype="FLOAT")
            out.append(path)
    else:
        log("no music: fluidsynth or the FluidR3 soundfont is missing")
    voices = []
    if shutil.which("text2wave"):
        voices += ["slt", "kal"]
    if shutil.which("espeak-ng"):
        voices += ESPEAK_VOICES
    if not voices:
        log("no speech: neither festival nor espeak-ng is installed")
    for i in range(sentences if voices else 0):
        # each sentence in two voices (the voice list and sentence list are coprime in
        # length or not: offsetting the second pass changes the pairing either way)
        voice = voices[(i + i // len(SENTENCES)) % len(voices)]
        path = folder / f"speech_{i:03d}_{voice.replace('+', '_')}.wav"
        if not path.exists():
            with tempfile.TemporaryDirectory() as tmp:
                txt, raw = Path(tmp) / "x.txt", Path(tmp) / "x.wav"
                txt.write_text(SENTENCES[i % len(SENTENCES)])
                if voice in ("slt", "kal"):
                    proc = {"slt": "(voice_cmu_us_slt_arctic_hts)",
                            "kal": "(voice_kal_diphone)"}[voice]
                    cmd = ["text2wave", "-eval", proc, str(txt), "-o", str(raw)]
                else:
                    cmd = ["espeak-ng", "-v", voice, "-w", str(raw), "-f", str(txt)]
                try:
                    subprocess.run(cmd, check=True, capture_output=True, timeout=120)
                except (subprocess.SubprocessError, OSError) as e:
                    log(f"skipping {voice}: {e}")
                    continue
                sf.write(str(path), _load(raw, rate), rate, subtype="FLOAT")
        out.append(path)
    return out
