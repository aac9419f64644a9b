"""Is this one voice or one instrument? The conversions need a single f0.

Among the loud frames (within 30 dB of the loudest), count two kinds of trouble:
- unpitched: pYIN finds no period (noise, percussion, or chords whose notes share no common
  period in range);
- sub-harmonic: pYIN finds a period, but the first three harmonics of it are all at least
  20 dB below the strongest harmonic. That is the signature of a chord: C-E-G in equal
  temperament is almost periodic at two octaves below C, with harmonics 4, 5, 6 sounding and
  1-3 missing, which a single instrument does not do.
Monophonic instruments score 0-5 %, speech 20-40 % (its consonants are unpitched), chords and
noise 85-100 % (measured on fluidsynth renders, festival speech and white noise).

Counting frames misses a band. The demo's mix (piano, pad, bass, drums) scored 30 % unpitched
and 0 % sub-harmonic: pYIN locks onto the bass, whose fundamental is strong, and the chord's
notes sit near the bass's harmonics (C-E-G over C is harmonics 4, 5, 6), so no frame looks
like a chord; 30 % unpitched is what speech scores. What differs is where the energy is: a
voice's unpitched frames (consonants, breaths) are 10-20 dB below its vowels, so they hold
3-19 % of the loud frames' energy (espeak-ng male and female lines, festival's slt 3-6 % and
kal 13-19 %, the demo's spoken line 10 %; fluidsynth melodies on piano, violin, flute,
clarinet, trumpet and cello 0-2 %), while a band's unpitched frames are its drum hits, as loud
as anything else: 63 % in the demo's first 10 s. So the share of energy in unpitched frames is
judged too. A band without drums whose chords sit on the bass's harmonics still passes: that
needs a second pitch found beside the first (multi-f0 estimation), which this check does not do.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from studio.dsp.voice._frames import hop_for, spectrum_frames
from studio.dsp.voice.f0 import PitchTrack
from studio.dsp.voice.harmonic import sample_bins
from studio.dsp.voice.loudness import power_to_loudness

LOUD_RANGE_DB = 30.0
SUBHARMONIC_GAP_DB = 20.0
MAX_TROUBLE = 0.6
MAX_UNPITCHED_ENERGY = 0.35  # speech measured 0.03-0.19, instruments <= 0.02, the demo 0.63
STRIDE = 4  # judge every 4th frame (20 ms): the fractions need no finer grid, and it is 4x cheaper


@dataclass
class Monophony:
    unpitched: float     # fraction of loud frames without a period
    subharmonic: float   # fraction of loud frames whose period looks like a chord's
    loud_frames: int
    unpitched_energy: float = 0.0  # share of the loud frames' energy in unpitched frames

    @property
    def trouble(self) -> float:
        return self.unpitched + self.subharmonic

    @property
    def ok(self) -> bool:
        return (self.loud_frames > 0 and self.trouble <= MAX_TROUBLE and
                self.unpitched_energy <= MAX_UNPITCHED_ENERGY)

    def describe(self) -> str:
        if self.loud_frames == 0:
            return "the input is silent"
        if self.trouble <= MAX_TROUBLE and self.unpitched_energy > MAX_UNPITCHED_ENERGY:
            return (f"the input sounds like a mix with drums ({self.unpitched_energy:.0%} of "
                    "its energy has no pitch)")
        if self.subharmonic >= self.unpitched:
            return (f"the input sounds polyphonic (chords in {self.subharmonic:.0%} of its "
                    "loud frames)")
        return f"the input is mostly unpitched or noisy ({self.unpitched:.0%} of its loud frames)"


def check_monophonic(x: torch.Tensor, sr: int, track: PitchTrack) -> Monophony:
    """x (N,) or (B, N) (channels are pooled) with its pitch track on the shared grid."""
    if x.dim() == 1:
        x = x.unsqueeze(0)
    hop = hop_for(sr) * STRIDE
    f0, voiced = track.f0[..., ::STRIDE], track.voiced[..., ::STRIDE]
    if track.hop * STRIDE != hop:
        raise ValueError("the pitch track is not on the shared frame grid")
    T = f0.shape[-1]
    spec, n_fft, win = spectrum_frames(x.float(), sr, hop, 0.064, count=T)
    mag = spec.abs()
    # loudness from the same spectra (64 ms rather than 40 ms frames: a 30 dB range does
    # not care)
    loud_db = power_to_loudness(mag.square(), sr, n_fft, win)
    loud = loud_db > loud_db.max() - LOUD_RANGE_DB
    loud &= loud_db > -70
    h = torch.arange(1, 21, device=x.device, dtype=torch.float32)
    filled = track.filled()[..., ::STRIDE]
    amps = sample_bins(mag, filled.unsqueeze(-1) * h, sr, n_fft)
    db = 20 * torch.log10(amps + 1e-9)
    sub = db.amax(-1) - db[..., :3].amax(-1) > SUBHARMONIC_GAP_DB
    n = int(loud.sum())
    if n == 0:
        return Monophony(0.0, 0.0, 0)
    unpitched = float((loud & ~voiced).sum()) / n
    subharmonic = float((loud & voiced & sub).sum()) / n
    power = torch.pow(10.0, loud_db / 10) * loud
    energy = float((power * ~voiced).sum() / power.sum().clamp(min=1e-30))
    return Monophony(unpitched, subharmonic, n, energy)
