"""What the generate.* operations share: the model, class, sampler and seed parameters, the
model cache, and moving a user's clip into the model's world (mono, the model's rate, the
training level) and back.

The bundled model was trained on clips peak-normalised to `data.PEAK`, so a clip is scaled to
that peak before the model sees it and the result scaled back: a variation of a quiet sound
stays quiet.
"""
from __future__ import annotations

import secrets

import torch
from torchaudio import functional as AF

from studio.engine.params import Choice, Float, Int, Model, Text
from studio.errors import StudioError
from studio.models.diffusion.data import PEAK
from studio.models.diffusion.samplers import SAMPLERS

MAX_SECONDS = 30.0      # longest clip sent to the model (it was trained on ~1.5 s clips)
GUIDANCE = 2.0          # classifier-free guidance scale (studio bench generate's sweep)
AUTO = "auto"           # a class parameter's "the class the model hears in the clip"


def model_param() -> Model:
    return Model("model", default="", family="diffusion",
                 help="Diffusion model: a name (bundled or trained), or a path to its "
                      ".json/.safetensors or run folder; empty = the bundled one-shot model")


def class_param(name: str = "class", help: str = "", default: str = "") -> Text:
    # the form offers the chosen model's classes; 'auto' where the op hears it in a clip
    offered = (AUTO, "") if default == AUTO else ("",)
    return Text(name, default=default, hint="model:classes", suggestions=offered,
                help=help or "Class to generate (the bundled model knows kick, snare, hihat, "
                             "tom, cymbal, piano, guitar, bass, strings, brass, woodwind, "
                             "organ); empty = none")


def sampler_param(default: str = "heun") -> Choice:
    return Choice("sampler", default=default, options=SAMPLERS,
                  help="heun: 2nd-order probability-flow ODE (EDM); euler_maruyama: the "
                       "reverse SDE; dpmpp_2m: DPM-Solver++(2M), good in few steps")


def steps_param(default: int = 25) -> Int:
    return Int("steps", default=default, lo=1, hi=1000,
               help="Noise levels visited (heun evaluates the network about twice per step)")


def guidance_param() -> Float:
    return Float("guidance", default=GUIDANCE, lo=0.0, hi=10.0, step=0.1,
                 help="Classifier-free guidance scale with a class (1 = off; higher = more "
                      "typical of the class, less varied)")


def pitch_param() -> Text:
    return Text("pitch", default="auto", hint="model:notes", suggestions=("auto", "none"),
                help="Note to generate with a pitch-conditioned model: a note (A4, C#3, Eb2), "
                     "a MIDI number (60) or a frequency (440 Hz); auto = drawn as the class's "
                     "training clips had them; none = let the model choose")


def take_pitch(model, text: str, class_name: str, seed: int) -> float | None:
    """The pitch (Hz, 0 = none) of a take: the user's, or with 'auto' one drawn from a CPU
    generator of the take's seed, so that a seed gives the same note on every device; None
    for a model without pitch (which refuses a note when sampling)."""
    from studio.models.diffusion import pitch as P
    hz = P.parse(text)
    name = class_name.strip()
    if hz is None and model.pitched:
        return model.auto_pitch(name, torch.Generator().manual_seed(int(seed)))
    if hz and name and model.pitched and not model.takes_notes(name):
        # a drum asked for a note rings with tones its training clips never had
        raise StudioError(f"{name} takes no note (its training clips had none): set Pitch "
                          f"to auto")
    return hz


def own_pitch(model, clip: torch.Tensor) -> float | None:
    """A user's clip's pitch as the model's training data measured it; None without pitch."""
    return model.estimate_pitch(clip[None])[0] if model.pitched else None


def seed_param() -> Int:
    return Int("seed", default=-1, lo=-1, hi=2 ** 31 - 1, hint="seed",
               help="Random seed (same seed, same device: same audio); -1 = a new one each "
                    "run, shown in the report; take k of a run uses seed + k - 1")


def count_param(default: int = 1, hi: int = 16, help: str = "How many takes") -> Int:
    return Int("count", default=default, lo=1, hi=hi, help=help)


def load_model(p, ctx):
    """The `DiffusionModel` named by the `model` parameter, kept loaded in the engine's cache."""
    from studio.models.diffusion import catalog
    return catalog.load(p.model, ctx.device, ctx.cache)


def label(model, name: str) -> int | None:
    return model.label(name.strip())


def heard_label(model, name: str, clip: torch.Tensor, pitch: float | None,
                progress=None, style: dict | None = None) -> int | None:
    """The class index for a class parameter that may say 'auto': the class the model itself
    hears in `clip` (frames,) at the model's rate (`DiffusionModel.classify` on its first
    training length, where a one-shot's character is); None for a model without classes."""
    if name.strip() != AUTO:
        return label(model, name)
    if not model.classes:
        return None
    return int(model.classify(fit(clip, model.clip_frames)[None], pitch,
                              progress=progress or (lambda _f: None), style=style).argmin())


def class_value(model, name: str, index: int | None) -> str:
    """How a report shows the class used: the name, '(none)', or 'organ (heard)' for auto."""
    if index is None:
        return "(none)"
    return model.classes[index] + (" (heard)" if name.strip() == AUTO else "")


def base_seed(seed: int) -> int:
    return secrets.randbelow(2 ** 31 - 1 - 64) if seed < 0 else int(seed)


def generator(device: torch.device, seed: int) -> torch.Generator:
    return torch.Generator(device=device).manual_seed(int(seed))


def span(ctx, k: int, n: int, message: str):
    """A progress callback for part k of n (0-based) of the job; also a cancellation point."""
    return lambda f: ctx.progress((k + min(max(f, 0.0), 1.0)) / n, message)


def to_model(audio: torch.Tensor, rate: int, model, what: str = "the input"):
    """(channels, frames) at `rate` -> ((frames',) mono at the model's rate at PEAK, gain),
    where gain scales the model's output back to the input's level."""
    if audio.numel() == 0:
        raise StudioError(f"{what} is empty")
    seconds = audio.shape[-1] / rate
    if seconds > MAX_SECONDS:
        raise StudioError(f"{what} is {seconds:.1f} s long; the model takes at most "
                          f"{MAX_SECONDS:g} s (select a shorter part)")
    mono = audio.float().mean(dim=0)
    if rate != model.sample_rate:
        mono = AF.resample(mono, rate, model.sample_rate)
    peak = float(mono.abs().max())
    if peak < 1e-5:
        raise StudioError(f"{what} is silent")
    return (mono * (PEAK / peak)).to(model.device), peak / PEAK


def fit(clip: torch.Tensor, frames: int) -> torch.Tensor:
    """Crop or zero-pad the last axis to `frames`."""
    n = clip.shape[-1]
    if n >= frames:
        return clip[..., :frames]
    return torch.nn.functional.pad(clip, (0, frames - n))


def from_model(clip: torch.Tensor, model, rate: int, frames: int, channels: int,
               gain: float) -> torch.Tensor:
    """A model clip (frames',) back at `rate`, `frames` long, on `channels` channels."""
    out = clip.float() * gain
    if rate != model.sample_rate:
        out = AF.resample(out, model.sample_rate, rate)
    return fit(out, frames)[None].expand(channels, -1).contiguous()
