"""What the operations ask of a trained model: clips of a class, variations of a clip (SDEdit)
and interpolations between two clips (ODE inversion, spherical interpolation of the latents).

All randomness comes from the generator passed in, so the same seed on the same device gives
the same audio. Progress callbacks receive a fraction in [0, 1] and may raise `Cancelled`.
"""
from __future__ import annotations

from typing import Callable

import torch

from studio.errors import StudioError
from studio.models.diffusion import pitch as P
from studio.models.diffusion import samplers as S
from studio.models.diffusion.edm import Denoiser

Progress = Callable[[float], None]
# Guidance away from "no class" only: on the bundled model (studio bench generate --quick
# --per-class 5) 73 % of clips were judged as asked and 38 of 42 notes hit, against 65 % and 41
# of 42 when guidance also pushed away from "no pitch" (bass went from 100 % to 0 %).
GUIDE_PITCH = False
Pitch = float | list[float] | None   # Hz, 0 = none; one for all clips or one per clip
# The noise levels, in multiples of sigma_data, at which `classify` compares the classes: on 36
# held-out clips (3 a class) the step-30225 model named 35 right with these three, against 18-34
# with any single level from 0.12 to 10 sigma_data (low levels leave the clip almost clean for
# every class; at high ones every class's denoiser returns little more than its average sound).
CLASSIFY_LEVELS = (0.3, 0.6, 1.2)
CLASSIFY_BATCH = 8  # (clip, class) pairs per network call: progress steps, bounded memory


def _noop(_: float) -> None:
    pass


class DiffusionModel:
    def __init__(self, model: Denoiser):
        self.model = model.eval()
        self.cfg = model.cfg
        # guidance pushes away from "no class" only (False) or also from "no pitch" (True)
        self.guide_pitch = GUIDE_PITCH

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    @property
    def classes(self) -> tuple[str, ...]:
        return self.cfg.audio.classes

    @property
    def sample_rate(self) -> int:
        return self.cfg.audio.sample_rate

    def label(self, name: str | None) -> int | None:
        """The class index for a name ('' or None: unconditional)."""
        if not name:
            return None
        if name not in self.classes:
            raise StudioError(f"this model has no class {name!r}; it knows "
                              f"{', '.join(self.classes) or 'no classes'}")
        return self.classes.index(name)

    @property
    def clip_frames(self) -> int:
        """Samples in one of the model's training clips (what `sample` makes by default)."""
        return self.cfg.audio.length

    def frames(self, seconds: float | None) -> int:
        """A length the network accepts: `seconds` rounded up to its stride."""
        if not seconds:
            return self.clip_frames
        stride = self.cfg.stride()
        return max(stride, -(-int(round(seconds * self.sample_rate)) // stride) * stride)

    def style_for(self, seconds: float, velocity: int | None = None) -> dict | None:
        """How a note of a `seconds` long clip is played, for a model conditioned on it (a
        controls model); None for a waveform model, which is not."""
        return None

    def at_playing_level(self, clip: torch.Tensor, velocity: int) -> torch.Tensor:
        """A clip drawn from noise at the level a user hears it played: a waveform model's
        clips already peak near data.PEAK, the level it was trained at."""
        return clip

    @property
    def pitched(self) -> bool:
        """Whether the model was trained on each clip's pitch (generation may ask for one)."""
        return self.cfg.network.cond_dim == P.COND_DIM

    def auto_pitch(self, class_name: str, generator: torch.Generator) -> float:
        """A pitch (Hz, 0 = none) drawn as the class's training clips had them; 0 for a model
        without pitch."""
        notes = self.cfg.training.get("pitch")
        return P.draw(notes, class_name, generator) if self.pitched and notes else 0.0

    def takes_notes(self, class_name: str) -> bool:
        """Whether a clip of `class_name` may be asked for a note: the model has pitch and the
        class's training clips had notes (True where the model does not say)."""
        rows = (self.cfg.training.get("pitch") or {}).get(class_name)
        return self.pitched and (rows is None or bool(rows.get("notes")))

    def estimate_pitch(self, clips: torch.Tensor) -> list[float]:
        """Each clip's (n, frames) fundamental as the model's training data measured it."""
        return [float(f) for f in P.clip_pitches(clips.detach().cpu(), self.sample_rate)]

    # ---- what is diffused: the waveform itself here; a controls model overrides these -----
    def _latent_shape(self, count: int, frames: int) -> tuple[int, ...]:
        return (count, 1, frames)

    def _encode(self, clips: torch.Tensor, pitch: Pitch = None,
                style: dict | None = None) -> torch.Tensor:
        """Clips (n, frames) -> what the network diffuses, (n, features, length)."""
        return clips.to(self.device).reshape(clips.shape[0], 1, -1)

    def _decode(self, x: torch.Tensor, pitch: Pitch = None, frames: int | None = None,
                generator: torch.Generator | None = None) -> torch.Tensor:
        """What the network made (n, features, length) -> clips (n, frames)."""
        return x[:, 0]

    def _cond(self, pitch: Pitch, n: int, style: dict | None = None) -> torch.Tensor | None:
        if pitch is None:
            return None
        hz = pitch if isinstance(pitch, list) else [pitch] * n
        if not self.pitched:
            if any(h > 0 for h in hz):
                raise StudioError("this model was not trained with pitch; leave the pitch "
                                  "on auto")
            return None
        return P.encode(torch.tensor(hz, dtype=torch.float32)).to(self.device)

    def denoiser(self, labels: torch.Tensor | None, guidance: float,
                 cond: torch.Tensor | None = None):
        def denoise(x: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
            return self.model.guided(x, sigma, labels, guidance, cond, self.guide_pitch)
        return denoise

    def _labels(self, label: int | None | list[int | None], n: int) -> torch.Tensor | None:
        """Labels for a batch of n: one class for all (None: unconditional), or one per clip
        (None entries take the model's unconditional label)."""
        if isinstance(label, list):
            free = self.model.num_classes
            return torch.tensor([free if c is None else c for c in label], dtype=torch.long,
                                device=self.device)
        if label is None:
            return None
        return torch.full((n,), label, dtype=torch.long, device=self.device)

    def sigmas(self, steps: int, sigma_max: float | None = None) -> torch.Tensor:
        d = self.cfg.diffusion
        return S.karras_sigmas(steps, d.sigma_min, sigma_max or d.sigma_max, d.rho, self.device)

    @torch.no_grad()
    def sample(self, count: int, label: int | None = None, frames: int | None = None,
               sampler: str = "heun", steps: int = 25, guidance: float = 1.0,
               churn: float = 0.0, generator: torch.Generator | None = None,
               progress: Progress = _noop, pitch: Pitch = None,
               style: dict | None = None) -> torch.Tensor:
        """`count` new clips, (count, frames), from pure noise."""
        frames = frames or self.clip_frames
        out = self.sample_latent(count, label, frames, sampler, steps, guidance, churn,
                                 generator, progress, pitch, style)
        return self._decode(out, pitch, frames, generator)

    @torch.no_grad()
    def sample_latent(self, count: int, label: int | None, frames: int, sampler: str = "heun",
                      steps: int = 25, guidance: float = 1.0, churn: float = 0.0,
                      generator: torch.Generator | None = None, progress: Progress = _noop,
                      pitch: Pitch = None, style: dict | None = None) -> torch.Tensor:
        """What the network makes from pure noise, (count, features, length), not decoded."""
        sig = self.sigmas(steps)
        x = torch.randn(self._latent_shape(count, frames), generator=generator,
                        device=self.device) * sig[0]
        return S.run_sampler(sampler, self.denoiser(self._labels(label, count), guidance,
                                                    self._cond(pitch, count, style)),
                             x, sig, generator, churn, progress)

    @torch.no_grad()
    def variation(self, clip: torch.Tensor, strength: float, count: int = 1,
                  label: int | None = None, sampler: str = "heun", steps: int = 25,
                  guidance: float = 1.0, generator: torch.Generator | None = None,
                  progress: Progress = _noop, pitch: Pitch = None,
                  style: dict | None = None) -> torch.Tensor:
        """SDEdit: noise `clip` (frames,) to the level `strength` sets, then denoise it back;
        `steps` is spread over the part of the schedule below that level. A pitch model is
        best given the clip's own pitch (`estimate_pitch`)."""
        d = self.cfg.diffusion
        sigma_top = S.strength_to_sigma(strength, d.sigma_max)
        if sigma_top <= d.sigma_min:
            return clip.to(self.device).expand(count, -1).clone()
        sig = self.sigmas(steps, sigma_top)
        x0 = self._encode(clip[None], pitch, style)
        x0 = x0.expand(count, *x0.shape[1:])
        noise = torch.randn(x0.shape, generator=generator, device=self.device)
        out = S.run_sampler(sampler, self.denoiser(self._labels(label, count), guidance,
                                                   self._cond(pitch, count, style)),
                            x0 + noise * sig[0], sig, generator, 0.0, progress)
        return self._decode(out, pitch, clip.shape[-1], generator)

    @torch.no_grad()
    def classify(self, clips: torch.Tensor, pitch: Pitch = None,
                 generator: torch.Generator | None = None,
                 progress: Progress = _noop, style: dict | None = None) -> torch.Tensor:
        """How badly each class explains each clip (n, frames): (n, classes), lowest = the
        model's class for the clip. A conditional diffusion model is a classifier (Li et al.
        2023, "Your diffusion model is secretly a zero-shot classifier"): the class under which
        it denoises a clip best is the likeliest. At each of `CLASSIFY_LEVELS` one noise draw is
        added to every clip under every class, so that the classes are compared on equal
        terms and a clip gets the same in a batch as alone; each level's errors are divided
        by their mean over the classes before the levels are averaged. Without a generator
        the draws are fixed: a clip's class does not depend on a seed. The (clip, class)
        pairs go through the network `CLASSIFY_BATCH` at a time, so `progress` moves."""
        n, c = clips.shape[0], len(self.classes)
        if c == 0:
            raise StudioError("this model has no classes")
        if generator is None:
            generator = torch.Generator(device=self.device).manual_seed(0)
        x = self._encode(clips, pitch, style)
        labels = torch.arange(c, device=self.device).repeat(n)
        cond = self._cond(pitch, n, style)
        cond = None if cond is None else cond.repeat_interleave(c, 0)
        target = x.repeat_interleave(c, 0)  # each clip once per class
        errors = torch.zeros(n, c, device=self.device)
        pairs, done = n * c, 0
        for level in CLASSIFY_LEVELS:
            sigma = level * self.cfg.diffusion.sigma_data
            noise = torch.randn((1, *x.shape[1:]), generator=generator, device=self.device)
            e = torch.empty(pairs, device=self.device)
            for a in range(0, pairs, CLASSIFY_BATCH):  # each pair is denoised on its own
                b = min(a + CLASSIFY_BATCH, pairs)
                denoised = self.model(target[a:b] + sigma * noise,
                                      torch.full((b - a,), sigma, device=self.device),
                                      labels[a:b], None if cond is None else cond[a:b])
                e[a:b] = (denoised.float() - target[a:b]).square().mean(dim=(1, 2))
                done += b - a
                progress(done / (pairs * len(CLASSIFY_LEVELS)))
            e = e.reshape(n, c)
            errors += e / e.mean(dim=1, keepdim=True)
        return errors / len(CLASSIFY_LEVELS)

    @torch.no_grad()
    def invert(self, clips: torch.Tensor, label: int | None | list[int | None] = None,
               steps: int = 50, progress: Progress = _noop, pitch: Pitch = None,
               style: dict | None = None) -> torch.Tensor:
        """The deterministic noise latents (n, features, length) of clips (n, frames);
        `label` and `pitch` are one for all or one per clip."""
        sig = self.sigmas(steps)[:-1].flip(0)  # sigma_min ... sigma_max
        x = self._encode(clips, pitch, style)
        n = x.shape[0]
        return S.invert(self.denoiser(self._labels(label, n), 1.0,
                                      self._cond(pitch, n, style)), x, sig, progress)

    @torch.no_grad()
    def from_latents(self, latents: torch.Tensor, label: int | None | list[int | None] = None,
                     steps: int = 50, progress: Progress = _noop,
                     pitch: Pitch = None, style: dict | None = None) -> torch.Tensor:
        """Clips from latents by the probability-flow ODE: the inverse of `invert`."""
        sig = self.sigmas(steps)[:-1]
        n = latents.shape[0]
        # the inversion started at sigma_min, so stop there instead of stepping to 0
        x = S.heun(self.denoiser(self._labels(label, n), 1.0, self._cond(pitch, n, style)),
                   latents, sig, None, progress=progress)
        return self._decode(x, pitch)

    @torch.no_grad()
    def interpolate(self, a: torch.Tensor, b: torch.Tensor, count: int,
                    label_a: int | None = None, label_b: int | None = None, steps: int = 50,
                    progress: Progress = _noop, pitch_a: float | None = None,
                    pitch_b: float | None = None) -> torch.Tensor:
        """`count` clips from a to b (both included when count >= 2): invert both, slerp the
        latents, and decode each with the class of the nearer end. A pitch model is given each
        end's pitch, and the clips between glide log-linearly from one to the other (the
        nearer end's where only one is pitched). Both inversions run as one batch, and so do
        all the decodings: a batch costs the network less than its clips one by one."""
        ends = None if pitch_a is None and pitch_b is None else [pitch_a or 0.0, pitch_b or 0.0]
        la, lb = self.invert(torch.stack([a, b]), [label_a, label_b], steps,
                             lambda f: progress(0.4 * f), ends).chunk(2)
        ts = [i / (count - 1) for i in range(count)] if count > 1 else [0.5]
        latents = torch.cat([S.slerp(la, lb, t) for t in ts])
        labels = [label_a if t < 0.5 else label_b for t in ts]
        pitches = None if ends is None else [_glide(ends[0], ends[1], t) for t in ts]
        return self.from_latents(latents, labels, steps, lambda f: progress(0.4 + 0.6 * f),
                                 pitches)


def _glide(a: float, b: float, t: float) -> float:
    """The pitch at t in [0, 1] between a and b Hz (0 = none): log-linear when both are
    pitched, the nearer end's otherwise."""
    if a > 0 and b > 0:
        return a * (b / a) ** t
    return a if t < 0.5 else b
