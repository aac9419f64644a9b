"""A diffusion model over synthesizer controls, behind the same interface as the waveform
model (`DiffusionModel`): the operations, the trainer's demos and the benchmark call
`sample`, `variation`, `classify`, `invert` and `interpolate` and get audio back.

What differs is only what is diffused. A clip is analysed into controls (`analysis`) before
the network sees it, and controls are rendered (`synth`) at the model's rate afterwards. The
network is conditioned on the class and on four values: the note (as pitch.encode gives it),
the velocity (/127) and how long the note is held (seconds / MAX_HOLD); all zeros is "absent".
"""
from __future__ import annotations

import math

import torch

from studio.models.controls import analysis, synth
from studio.models.controls.settle import settled
from studio.models.controls.spec import REF_MIDI, SILENT, denormalise, normalise
from studio.models.diffusion import pitch as P
from studio.models.diffusion.data import PEAK as DATA_PEAK
from studio.models.diffusion.pipeline import DiffusionModel, Pitch

COND_DIM = P.COND_DIM + 2
MAX_HOLD = 4.0          # seconds: the longest hold in the training material
RELEASE = 1.0           # seconds of a generated clip after the note's end, by default
DEFAULT_VELOCITY = 100
DEFAULT_HOLD = 1.0
MAX_BEND = 0.4          # semitones a generated note may bend from the note asked for (vibrato)


def style_values(style: dict | None, n: int) -> torch.Tensor:
    """(n, 2): velocity / 127 and hold / MAX_HOLD from a style dict whose values are one for
    all clips or a list of one per clip (defaults when absent)."""
    style = style or {}

    def column(key, default, lo, hi):
        v = style.get(key, default)
        v = [float(x) for x in v] if isinstance(v, (list, tuple)) else [float(v)] * n
        return torch.tensor(v).clamp(lo, hi)

    return torch.stack([column("velocity", DEFAULT_VELOCITY, 1.0, 127.0) / 127.0,
                        column("hold", DEFAULT_HOLD, 0.05, MAX_HOLD) / MAX_HOLD], dim=1)


def hold_for(seconds: float) -> float:
    """The hold a clip of `seconds` gets: all but RELEASE, within 0.25 s .. MAX_HOLD."""
    return min(max(seconds - RELEASE, 0.25), MAX_HOLD)


def _hz_list(pitch: Pitch, n: int) -> list[float]:
    if pitch is None:
        return [0.0] * n
    return [float(h) for h in pitch] if isinstance(pitch, list) else [float(pitch)] * n


class ControlModel(DiffusionModel):
    # every denoised estimate smoothed in time as real controls are (settle.py); False gives
    # the network's own, for the benchmark's comparison
    settle = True

    @property
    def spec(self):
        return self.cfg.controls

    @property
    def clip_frames(self) -> int:
        """Samples at the model's rate of a default clip: a DEFAULT_HOLD note and its
        release."""
        return int(round((DEFAULT_HOLD + RELEASE) * self.sample_rate))

    @property
    def max_frames(self) -> int:
        """Samples of the longest clip: all the control frames the network makes."""
        return int(math.floor(self.cfg.audio.length * self.sample_rate / self.spec.frame_rate))

    def frames(self, seconds: float | None) -> int:
        return int(round(seconds * self.sample_rate)) if seconds else self.clip_frames

    @property
    def pitched(self) -> bool:
        return True

    def style_for(self, seconds: float, velocity: int | None = None) -> dict:
        return {"hold": hold_for(seconds), "velocity": velocity or DEFAULT_VELOCITY}

    def _ref_midi(self, pitch: Pitch, n: int) -> torch.Tensor:
        """Each clip's reference note: its own for a pitched clip, REF_MIDI for a drum."""
        return torch.tensor([P.hz_to_midi(h) if h > 0 else REF_MIDI
                             for h in _hz_list(pitch, n)], device=self.device)

    def _latent_shape(self, count: int, frames: int) -> tuple[int, ...]:
        return (count, self.spec.features, self.cfg.audio.length)

    def denoiser(self, labels: torch.Tensor | None, guidance: float,
                 cond: torch.Tensor | None = None):
        denoise = super().denoiser(labels, guidance, cond)
        return settled(denoise, self.spec) if self.settle else denoise

    def _cond(self, pitch: Pitch, n: int, style: dict | None = None) -> torch.Tensor:
        hz = torch.tensor(_hz_list(pitch, n), dtype=torch.float32)
        return torch.cat([P.encode(hz), style_values(style, n)], dim=1).to(self.device)

    def _encode(self, clips: torch.Tensor, pitch: Pitch = None,
                style: dict | None = None) -> torch.Tensor:
        """Clips (n, samples) at the model's rate -> controls (n, features, frames)."""
        hz = _hz_list(pitch, clips.shape[0])
        out = [analysis.analyse(c.float().cpu(), self.sample_rate,
                                P.hz_to_midi(h) if h > 0 else None, self.spec,
                                self.cfg.audio.length) for c, h in zip(clips, hz)]
        return normalise(torch.stack(out), self.spec).to(self.device)

    def _decode(self, x: torch.Tensor, pitch: Pitch = None, frames: int | None = None,
                generator: torch.Generator | None = None) -> torch.Tensor:
        return under_full_scale(self.render(self.features(x, pitch), pitch, self.sample_rate,
                                            frames, generator))

    def features(self, x: torch.Tensor, pitch: Pitch = None) -> torch.Tensor:
        """What the network made -> controls: denormalised, and for a note asked for (a
        pitch), its pitch held within MAX_BEND semitones of that note (vibrato and bends,
        not another note). A sound without a note (a drum) keeps only its first partial, its
        body, as the analysis describes every drum: what the network leaves in the others
        would ring as a comb of steady tones over the drum's noise."""
        f = denormalise(torch.nan_to_num(x.float(), nan=0.0), self.spec)
        pitched = torch.tensor([h > 0 for h in _hz_list(pitch, x.shape[0])],
                               device=f.device)
        bent = f[:, 0].clamp(-MAX_BEND / 12, MAX_BEND / 12)
        f[:, 0] = torch.where(pitched[:, None], bent, f[:, 0])
        upper = slice(2, 1 + self.spec.harmonics)
        f[:, upper] = torch.where(pitched[:, None, None], f[:, upper],
                                  torch.full_like(f[:, upper], SILENT))
        return f

    def render(self, x: torch.Tensor, pitch: Pitch, rate: int, frames: int | None = None,
               generator: torch.Generator | None = None) -> torch.Tensor:
        """Controls (n, features, T), as `features` gives them -> audio (n, frames) at `rate`
        (all T frames' worth by default; past the last frame, silence); the noise draws come
        from `generator`."""
        longest = int(math.floor(x.shape[-1] * rate / self.spec.frame_rate))
        samples = min(frames or longest, longest)
        needed = min(x.shape[-1], int(math.ceil(samples * self.spec.frame_rate / rate)) + 2)
        x = torch.nan_to_num(x[..., :needed].float(), nan=SILENT)
        audio = synth.render(x, self._ref_midi(pitch, x.shape[0]), self.spec, rate, samples,
                             generator if generator is None or generator.device ==
                             x.device else None)
        if frames and frames > samples:
            audio = torch.nn.functional.pad(audio, (0, frames - samples))
        return audio

    @torch.no_grad()
    def at_playing_level(self, clip: torch.Tensor, velocity: int) -> torch.Tensor:
        """A note is drawn at the level of the training renders (fluidsynth's: peaks of
        0.03-0.2, -15 to -30 dBFS, at velocity 100), barely audible beside a waveform model's
        clip. Drawn from noise it has no source level to keep, so it is given the waveform
        model's peak (data.PEAK) scaled by the velocity (100 -> 0.63): as loud as those clips,
        and louder as velocity rises."""
        peak = float(clip.abs().max())
        return clip if peak < 1e-6 else clip * (DATA_PEAK * velocity / 127 / peak)

    def sample_controls(self, count: int, label: int | None, sampler: str = "heun",
                        steps: int = 25, guidance: float = 1.0,
                        generator: torch.Generator | None = None, progress=lambda f: None,
                        pitch: Pitch = None, style: dict | None = None) -> torch.Tensor:
        """`count` sets of controls (count, features, T) from noise, not yet rendered."""
        return self.features(self.sample_latent(count, label, 0, sampler, steps, guidance,
                                                0.0, generator, progress, pitch, style), pitch)


PEAK = 0.99   # a rendered clip louder than this is scaled down as a whole


def under_full_scale(clips: torch.Tensor) -> torch.Tensor:
    """Clips (n, samples) each scaled down as a whole when its peak passes PEAK: the
    synthesizer adds partials and noise with no ceiling, and a generated note's levels can
    sum past full scale (a piano C4 peaked at 1.15), which a user would get as clipping."""
    peak = clips.abs().amax(dim=-1, keepdim=True)
    return torch.where(peak > PEAK, clips * (PEAK / peak.clamp_min(PEAK)), clips)
