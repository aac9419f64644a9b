"""Pitch as a model's continuous conditioning: each training clip's fundamental, estimated by
pYIN, becomes two values the score network reads beside the class.

Why: a class-conditioned waveform model has to decide a note's pitch itself from pure noise.
Until it has learned that (long training), its denoiser at high noise levels behaves like a
Wiener filter for the class's average spectrum, which for a piano or an organ is broadband,
so its clips have the right envelope but no partials. Told the pitch, the same linear stage
is a comb filter at that pitch, and partials come out of the noise from the first steps.

The encoding is (voiced, position of log f0 between LO_HZ and HI_HZ): zeros mean "no pitch"
(an unpitched clip, or pitch left to the model), which is also what training substitutes for
a share of clips so that one model serves both. The model's JSON keeps how often each class
was pitched and at which notes, so that "auto" draws pitches the class really had.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from typing import Callable

import torch

from studio.errors import StudioError

LO_HZ, HI_HZ = 40.0, 1600.0  # the pYIN search range (notes E1 to G6)
COND_DIM = 2
ANALYSED_SECONDS = 0.5       # a one-shot's pitch is its attack and body, not its tail
MIN_VOICED_SHARE = 0.5       # of the analysed frames, for a clip to count as pitched
BATCH = 64


def hz_to_midi(hz: float) -> float:
    return 69.0 + 12.0 * math.log2(hz / 440.0)


def midi_to_hz(note: float) -> float:
    return 440.0 * 2.0 ** ((note - 69.0) / 12.0)


def clip_pitches(audio: torch.Tensor, sample_rate: int,
                 progress: Callable[[float], None] | None = None) -> torch.Tensor:
    """The fundamental in Hz of each clip of (n, frames), 0 where the clip is not pitched:
    the median pYIN f0 over the voiced frames of its first ANALYSED_SECONDS, when at least
    MIN_VOICED_SHARE of those frames are voiced."""
    from studio.dsp.voice.f0 import track_f0
    head = audio[:, :int(ANALYSED_SECONDS * sample_rate)].float()
    out = torch.zeros(audio.shape[0])
    for start in range(0, head.shape[0], BATCH):
        track = track_f0(head[start:start + BATCH], sample_rate, LO_HZ, HI_HZ)
        for i, (f0, voiced) in enumerate(zip(track.f0, track.voiced)):
            if voiced.float().mean() >= MIN_VOICED_SHARE:
                out[start + i] = f0[voiced].median()
        if progress is not None:
            progress(min(1.0, (start + BATCH) / head.shape[0]))
    return out


def encode(f0_hz: torch.Tensor) -> torch.Tensor:
    """(n,) Hz (0: no pitch) -> (n, COND_DIM) conditioning values."""
    f0 = f0_hz.float()
    voiced = (f0 > 0).float()
    pos = torch.log2(f0.clamp(LO_HZ, HI_HZ) / LO_HZ) / math.log2(HI_HZ / LO_HZ)
    return torch.stack([voiced, voiced * pos], dim=1)


def decode(cond: torch.Tensor) -> torch.Tensor:
    """`encode`'s first two values back to Hz (0 where there is no pitch)."""
    voiced = cond[:, 0] > 0.5
    hz = LO_HZ * (HI_HZ / LO_HZ) ** cond[:, 1].float().clamp(0, 1)
    return torch.where(voiced, hz, torch.zeros_like(hz))


def period_taps(x: torch.Tensor, hz: torch.Tensor, sample_rate: int, taps: int) -> torch.Tensor:
    """x (b, 1, n) delayed and advanced by whole periods of each row's pitch: (b, 2 taps, n),
    channel order -taps..-1, 1..taps periods (linear interpolation between samples, zeros
    beyond the ends and for rows without pitch).

    Why: these are a long-term predictor's inputs (as in speech codecs). Any weighted sum of
    them and x is a comb filter with teeth at the harmonics of the pitch, so the network's
    first layer can keep the partials and drop the noise between them, which is the linear
    stage of denoising a pitched note; convolutions alone would need periods longer than
    their reach."""
    b, _, n = x.shape
    period = sample_rate / hz.clamp(min=LO_HZ)                                  # (b,)
    k = torch.tensor([*range(-taps, 0), *range(1, taps + 1)], device=x.device, dtype=x.dtype)
    pos = torch.arange(n, device=x.device, dtype=x.dtype)[None, None] \
        - (k[None, :, None] * period.to(x.dtype)[:, None, None])               # (b, 2t, n)
    lo = pos.floor()
    frac = pos - lo
    lo = lo.long()
    row = x[:, 0]

    def at(i: torch.Tensor) -> torch.Tensor:
        inside = (i >= 0) & (i < n)
        return torch.where(inside, row[:, None, :].expand(-1, i.shape[1], -1)
                           .gather(2, i.clamp(0, n - 1)), x.new_zeros(()))
    out = at(lo) * (1 - frac) + at(lo + 1) * frac
    return out * (hz > 0).to(x.dtype)[:, None, None]


def summary(f0_hz: torch.Tensor, labels: torch.Tensor, classes: tuple[str, ...]) -> dict:
    """Per class: how many clips had no pitch and a histogram of the others' nearest MIDI
    notes (what `draw` samples from)."""
    names = list(classes) + [""]
    out: dict[str, dict] = {}
    for label in sorted(set(int(i) for i in labels)):
        f0 = f0_hz[labels == label]
        notes = Counter(str(round(hz_to_midi(float(f)))) for f in f0 if f > 0)
        out[names[label]] = {"unpitched": int((f0 <= 0).sum()),
                             "notes": dict(sorted(notes.items(), key=lambda kv: int(kv[0])))}
    return out


def draw(pitches: dict, class_name: str, generator: torch.Generator) -> float:
    """A pitch in Hz (0: none) for a new clip of `class_name`, drawn as often and from the
    notes that class had in training ('' is the unconditional model: every clip counted)."""
    if class_name:
        rows = [pitches.get(class_name)] if class_name in pitches else []
    else:
        rows = list(pitches.values())
    unpitched = sum(r["unpitched"] for r in rows)
    notes: Counter = Counter()
    for r in rows:
        notes.update({int(k): v for k, v in r["notes"].items()})
    total = unpitched + sum(notes.values())
    if not notes or total == 0:
        return 0.0
    pick = int(torch.randint(0, total, (1,), generator=generator, device=generator.device))
    if pick < unpitched:
        return 0.0
    pick -= unpitched
    for note, count in sorted(notes.items()):
        if pick < count:
            return midi_to_hz(note)
        pick -= count
    raise AssertionError("unreachable: the counts add up to total")


from studio.models.diffusion.notes import NOTE_NAMES, midi_name  # noqa: E402
_NOTE = re.compile(r"^([A-Ga-g])([#b]?)(-?\d)$")
_STEPS = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}


def note_name(hz: float) -> str:
    """'A4' for 440 Hz (the nearest equal-tempered note); '' for no pitch."""
    if hz <= 0:
        return ""
    return midi_name(round(hz_to_midi(hz)))


def parse(text: str) -> float | None:
    """A user's pitch: '' or 'auto' -> None (the model's choice for the class), 'none' -> 0
    (ask for no pitch), a note ('A4', 'C#3', 'Eb2'), a MIDI number ('60') or a frequency
    ('440 Hz') -> Hz, within the range the models are conditioned on."""
    t = text.strip()
    if t.lower() in ("", "auto"):
        return None
    if t.lower() in ("none", "off", "unpitched"):
        return 0.0
    m = _NOTE.match(t)
    if m:
        letter, accidental, octave = m.groups()
        midi = 12 * (int(octave) + 1) + _STEPS[letter.upper()] + \
            {"#": 1, "b": -1, "": 0}[accidental]
        hz = midi_to_hz(midi)
    else:
        hz_text = re.sub(r"\s*hz$", "", t, flags=re.IGNORECASE)
        try:
            value = float(hz_text)
        except ValueError:
            raise StudioError(f"pitch {text!r} is not a note (A4, C#3, Eb2), a MIDI number "
                              f"(60), a frequency (440 Hz), 'auto' or 'none'") from None
        hz = value if hz_text != t else midi_to_hz(value)
    if not LO_HZ * 0.97 <= hz <= HI_HZ * 1.03:
        raise StudioError(f"pitch {text!r} ({hz:.1f} Hz) is outside the range pitch models "
                          f"know ({note_name(LO_HZ)} to {note_name(HI_HZ)}, "
                          f"{LO_HZ:g}-{HI_HZ:g} Hz)")
    return hz
