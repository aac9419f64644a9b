"""Render the bundled demo session (resources/demo/demo.flac) from scratch.

About 20 s of audio the project makes itself, with faults to repair:
- music: a short piece (piano, bass, drums, pad) written here as a MIDI file and rendered by
  fluidsynth with the FluidR3 GM soundfont;
- a spoken line from festival's text2wave with the us_slt voice, mixed in at ~10.5 s;
- faults: broadband noise throughout, 50 Hz mains hum (with harmonics), a dozen clicks,
  a clipped passage (5.0-6.5 s) and a short dropout (~60 ms at 15.2 s).

Needs fluidsynth, fluid-soundfont-gm and festival (+ festvox-us-slt-hts); the app itself never
does, because the rendered FLAC is committed. Deterministic: the same tools give the same file.

    .venv/bin/python resources/recipes/make_demo.py [--out resources/demo/demo.flac]
"""
from __future__ import annotations

import argparse
import json
import shutil
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy.signal import resample_poly

RATE = 44100
DURATION = 20.0
SOUNDFONT = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")
VOICE = "voice_cmu_us_slt_arctic_hts"
LINE = ("This is the Audio Diffusion Studio demo. Select the noise, the clicks and the hum, "
        "preview a repair, and compare the takes.")
HERE = Path(__file__).resolve().parent
DEMO_DIR = HERE.parent / "demo"

# Faults, in seconds; written next to the audio (faults.json) so tests and notes agree.
CLIP_SPAN = (5.0, 6.5)
DROPOUT = (15.2, 0.06)
CLICKS = (1.13, 2.41, 3.07, 3.9, 7.22, 8.35, 9.6, 12.05, 13.31, 16.4, 17.72, 18.9)
HUM_HZ = 50.0
NOISE_DBFS = -42.0


# --- a tiny standard MIDI file writer (format 1, one track per instrument) -------------------

def _varlen(n: int) -> bytes:
    out = [n & 0x7F]
    n >>= 7
    while n:
        out.append(0x80 | (n & 0x7F))
        n >>= 7
    return bytes(reversed(out))


def _track(events: list[tuple[int, bytes]]) -> bytes:
    """events: (absolute tick, raw message bytes); returns an MTrk chunk."""
    body = bytearray()
    last = 0
    for tick, msg in sorted(events, key=lambda e: (e[0], e[1][0] & 0xF0 != 0x80)):
        body += _varlen(tick - last) + msg
        last = tick
    body += b"\x00\xff\x2f\x00"  # end of track
    return b"MTrk" + struct.pack(">I", len(body)) + bytes(body)


def write_midi(path: Path, tracks: list[list[tuple[int, bytes]]], ppq: int = 480) -> None:
    header = b"MThd" + struct.pack(">IHHH", 6, 1, len(tracks), ppq)
    path.write_bytes(header + b"".join(_track(t) for t in tracks))


def _note(events, ch, start, dur, pitch, vel):
    events.append((start, bytes([0x90 | ch, pitch, vel])))
    events.append((start + dur, bytes([0x80 | ch, pitch, 0])))


def compose(ppq: int = 480, bpm: int = 96) -> list[list[tuple[int, bytes]]]:
    """Eight bars in A minor: Am F C G, twice; piano arpeggios, bass, pad, light drums."""
    us_per_beat = 60_000_000 // bpm
    tempo = [(0, b"\xff\x51\x03" + us_per_beat.to_bytes(3, "big"))]
    bar = 4 * ppq
    chords = [(57, [0, 3, 7]), (53, [0, 4, 7]), (48, [0, 4, 7]), (55, [0, 4, 7])] * 2
    piano = [(0, bytes([0xC0, 0])), (0, bytes([0xB0, 10, 40]))]
    bass = [(0, bytes([0xC1, 33])), (0, bytes([0xB1, 10, 64]))]
    pad = [(0, bytes([0xC2, 89])), (0, bytes([0xB2, 10, 90])), (0, bytes([0xB2, 7, 70]))]
    drums: list[tuple[int, bytes]] = []
    for i, (root, triad) in enumerate(chords):
        t0 = i * bar
        arp = [root + 12 + triad[k % 3] + 12 * (k // 3) for k in (0, 1, 2, 3, 2, 1, 0, 1)]
        for k, pitch in enumerate(arp):
            _note(piano, 0, t0 + k * ppq // 2, ppq // 2, pitch, 78 if k % 4 == 0 else 62)
        _note(bass, 1, t0, ppq * 2 - 20, root - 24, 96)
        _note(bass, 1, t0 + 2 * ppq, ppq * 2 - 20, root - 24 + 7, 84)
        for pitch in (root + triad[0], root + triad[1], root + triad[2]):
            _note(pad, 2, t0, bar - 10, pitch, 50)
        for beat in range(4):
            tb = t0 + beat * ppq
            _note(drums, 9, tb, ppq // 4, 42, 60)               # closed hi-hat
            _note(drums, 9, tb + ppq // 2, ppq // 4, 42, 40)
            if beat in (0, 2):
                _note(drums, 9, tb, ppq // 4, 36, 100)          # kick
            else:
                _note(drums, 9, tb, ppq // 4, 38, 80)           # snare
    # one more bar of the tonic so the piece ends rather than stops
    t0 = len(chords) * bar
    _note(piano, 0, t0, bar, 69, 70)
    _note(bass, 1, t0, bar, 33, 90)
    _note(pad, 2, t0, bar, 57, 50)
    return [tempo, piano, bass, pad, drums]


# --- rendering ---------------------------------------------------------------------------

def _need(tool: str, package: str) -> None:
    if shutil.which(tool) is None:
        sys.exit(f"make_demo: '{tool}' is missing; install it with: sudo apt-get install {package}")


def render_music(tmp: Path) -> np.ndarray:
    _need("fluidsynth", "fluidsynth fluid-soundfont-gm")
    if not SOUNDFONT.exists():
        sys.exit(f"make_demo: {SOUNDFONT} is missing; sudo apt-get install fluid-soundfont-gm")
    mid, wav = tmp / "demo.mid", tmp / "music.wav"
    write_midi(mid, compose())
    subprocess.run(["fluidsynth", "-ni", "-q", "-g", "0.6", "-r", str(RATE),
                    "-F", str(wav), str(SOUNDFONT), str(mid)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    audio, rate = sf.read(wav, dtype="float32", always_2d=True)
    assert rate == RATE, rate
    return audio.T


def render_speech(tmp: Path) -> np.ndarray:
    _need("text2wave", "festival festvox-us-slt-hts")
    txt, wav = tmp / "line.txt", tmp / "line.wav"
    txt.write_text(LINE)
    subprocess.run(["text2wave", "-eval", f"({VOICE})", "-o", str(wav), str(txt)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    speech, rate = sf.read(wav, dtype="float32", always_2d=True)
    speech = speech.mean(axis=1)
    if rate != RATE:
        g = np.gcd(rate, RATE)
        speech = resample_poly(speech, RATE // g, rate // g).astype(np.float32)
    return speech


def mix(music: np.ndarray, speech: np.ndarray) -> np.ndarray:
    n = int(DURATION * RATE)
    out = np.zeros((2, n), np.float32)
    m = music[:, :n]
    out[:, :m.shape[1]] = m / max(1e-9, np.abs(m).max()) * 0.5
    # duck the music under the voice, with 0.3 s ramps
    s0 = int(10.5 * RATE)
    s1 = min(n, s0 + len(speech))
    duck = np.ones(n, np.float32)
    ramp = int(0.3 * RATE)
    duck[s0:s1] = 0.35
    duck[s0 - ramp:s0] = np.linspace(1, 0.35, ramp)
    duck[s1:s1 + ramp] = np.linspace(0.35, 1, len(duck[s1:s1 + ramp]))
    out *= duck
    voice = speech[: s1 - s0] / max(1e-9, np.abs(speech).max()) * 0.55
    out[0, s0:s1] += voice * 0.95
    out[1, s0:s1] += voice * 1.0
    # fade the last half second
    fade = int(0.5 * RATE)
    out[:, -fade:] *= np.linspace(1, 0, fade)
    return out


def add_faults(x: np.ndarray, seed: int = 7) -> np.ndarray:
    rng = np.random.default_rng(seed)
    n = x.shape[1]
    t = np.arange(n) / RATE
    # clipped passage: too much gain, then the converter's hard limit
    a, b = (int(s * RATE) for s in CLIP_SPAN)
    x[:, a:b] = np.clip(x[:, a:b] * 3.5, -0.62, 0.62)
    # mains hum with odd harmonics (a ground loop)
    hum = (np.sin(2 * np.pi * HUM_HZ * t) + 0.5 * np.sin(2 * np.pi * 3 * HUM_HZ * t)
           + 0.25 * np.sin(2 * np.pi * 5 * HUM_HZ * t)) * 0.012
    x += hum.astype(np.float32)
    # broadband noise (tape hiss / preamp), independent per channel
    x += (rng.standard_normal(x.shape) * 10 ** (NOISE_DBFS / 20)).astype(np.float32)
    # clicks: short decaying impulses of random sign
    for c in CLICKS:
        i = int(c * RATE)
        k = np.arange(24)
        shape = (rng.choice([-1, 1]) * 0.7 * np.exp(-k / 4.0)).astype(np.float32)
        x[:, i:i + 24] += shape
    # dropout: the signal vanishes for ~60 ms
    d0 = int(DROPOUT[0] * RATE)
    x[:, d0:d0 + int(DROPOUT[1] * RATE)] = 0.0
    return np.clip(x, -1.0, 1.0)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=DEMO_DIR / "demo.flac")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        audio = add_faults(mix(render_music(tmp), render_speech(tmp)))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    sf.write(args.out, audio.T, RATE, subtype="PCM_16")
    faults = {"rate": RATE, "clip_span_s": CLIP_SPAN, "dropout_s": DROPOUT, "clicks_s": CLICKS,
              "hum_hz": HUM_HZ, "noise_dbfs": NOISE_DBFS, "speech_start_s": 10.5}
    (args.out.parent / "faults.json").write_text(json.dumps(faults, indent=1) + "\n")
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB, "
          f"{audio.shape[1] / RATE:.1f} s, {audio.shape[0]} ch)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
