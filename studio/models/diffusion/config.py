"""What a diffusion model is, as plain data: the network's architecture, the SDE and its noise
schedule, and the audio it was trained on. Stored as the JSON beside the safetensors weights,
so a checkpoint can be described (and refused) without touching the weights.

Noise levels follow Karras et al. 2022 (EDM): the variance-exploding SDE x_sigma = x + sigma*n
with sigma from `sigma_min` to `sigma_max`, preconditioned by `sigma_data` (the data's std).
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from studio.errors import StudioError

FORMAT = "studio-diffusion"
WEIGHTS, CONFIG = ".safetensors", ".json"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class NetworkConfig:
    """The score network. `kind` picks the class from `networks.NETWORKS`; the other fields are
    that network's own (a spectrogram network later adds its own kind)."""
    kind: str = "unet1d"
    patch: int = 32                    # samples folded into channels before the first level
    channels: tuple[int, ...] = (64, 96, 128, 192)
    factors: tuple[int, ...] = (4, 4, 4)  # down-sampling between consecutive levels
    blocks: int = 2                     # residual blocks per level (the decoder has one more)
    attention: tuple[int, ...] = (2, 3)  # levels with self-attention (the coarsest)
    heads: int = 4
    emb: int = 192                      # noise/class embedding width
    dropout: float = 0.0
    cond_dim: int = 0                   # continuous conditioning values (pitch, ...), 0 = none
    # unet1d with pitch (cond_dim 2): the input delayed/advanced by 1..pitch_taps periods of the
    # pitch as extra input channels (pitch.period_taps), 0 = none
    pitch_taps: int = 0
    # kind "stft2d" only (unet1d ignores them; configs written before them load unchanged):
    # a 2-D U-Net over the STFT, where `factors` down-sample frequency and `time_factors` time
    n_fft: int = 512                    # window length of the tight frame (samples)
    hop: int = 128                      # frame hop: n_fft / 4 is 75 % overlap
    bin_patch: int = 4                  # adjacent bins folded into channels before level 0
    frame_patch: int = 1                # adjacent frames folded into channels before level 0
    time_factors: tuple[int, ...] = ()  # time down-sampling between consecutive levels
    # unet1d: numbers per frame of what is diffused: 1 for a waveform, the control count for
    # a controls model (studio.models.controls)
    features: int = 1
    # unet1d: channels of absolute time (seconds from the clip's start, and sines of it) fed
    # to the stem beside the input. A convolutional net with attention but no positions
    # cannot tell frame 30 from frame 300 when the input is pure noise; a controls model
    # must (a note's attack is at 0, its release at its hold). `frame_rate` converts frames
    # to seconds. 0 = none (waveform models, whose clips are shifted at random anyway)
    positions: int = 0
    frame_rate: float = 100.0


SIZES: dict[str, NetworkConfig] = {
    "tiny": NetworkConfig(channels=(16, 32, 48, 64), blocks=1, emb=64, heads=2),
    "small": NetworkConfig(),
    "base": NetworkConfig(patch=16, channels=(128, 192, 256, 384), emb=256, heads=8),
    # time-frequency networks (stft2d.py); tf-small: 512-sample windows at 75 % overlap,
    # tiles of 8 bins x 2 frames at level 0 (32 rows x length/256), then halving both axes
    "tf-tiny": NetworkConfig(kind="stft2d", n_fft=256, hop=64, channels=(16, 24, 32),
                             factors=(2, 2), time_factors=(2, 2), blocks=1, attention=(2,),
                             emb=64, heads=2),
    "tf-small": NetworkConfig(kind="stft2d", bin_patch=8, frame_patch=2,
                              channels=(32, 64, 128, 192), factors=(2, 2, 2),
                              time_factors=(2, 2, 2), blocks=1, attention=(3,)),
    # controls models (studio.models.controls): a U-Net over control frames (10 ms each),
    # halving time three times; `features` is set from the representation. The first
    # level must be at least as wide as a frame's features (113): the output convolution
    # maps it to them, and a narrower one leaves the noise in the directions it cannot
    # reach untouched at every step (the first bundled model, 96 wide, sampled unit-variance
    # flutter into 17 of them; studio.models.controls.train.check_width)
    "ctl-small": NetworkConfig(patch=1, channels=(128, 160, 192, 256), factors=(2, 2, 2),
                               blocks=1, attention=(3,), heads=4, emb=192, positions=9),
    "ctl-tiny": NetworkConfig(patch=1, channels=(128, 24, 32), factors=(2, 2), blocks=1,
                              attention=(2,), heads=2, emb=32, positions=9),
}


PITCH_TAPS = 3  # periods each way a pitch-conditioned unet1d sees (pitch.period_taps)


GROWABLE = ("cond_dim", "pitch_taps")  # what a trained network may gain (pitch), from zero


def growth(old: NetworkConfig, new: NetworkConfig) -> list[str] | None:
    """The GROWABLE fields `new` adds to `old` ([] when equal), or None when `new` is not
    `old` grown: another architecture, or a field that was already set and changed."""
    if replace(old, **{f: getattr(new, f) for f in GROWABLE}) != new:
        return None
    added = [f for f in GROWABLE if getattr(old, f) != getattr(new, f)]
    return None if any(getattr(old, f) for f in added) else added


@dataclass(frozen=True)
class DiffusionConfig:
    """The forward process (VE SDE, EDM parameterisation) and the training noise distribution
    ln(sigma) ~ N(p_mean, p_std^2)."""
    sde: str = "ve"
    sigma_data: float = 0.2
    sigma_min: float = 0.002
    sigma_max: float = 10.0
    rho: float = 7.0            # Karras schedule curvature for sampling
    p_mean: float = -2.1        # config_for sets it from sigma_data (see training_p_mean)
    p_std: float = 1.4
    cond_drop: float = 0.1      # share of training steps without the class (guidance)
    values_drop: float = 0.2    # share without the continuous conditioning (pitch), if any


@dataclass(frozen=True)
class AudioConfig:
    sample_rate: int = 16000
    length: int = 24576         # samples per clip (a multiple of the network's total stride)
    classes: tuple[str, ...] = ()

    @property
    def seconds(self) -> float:
        return self.length / self.sample_rate


# a new controls model's render rate and clip length (the bundled model's); the training
# dialog shows them without importing torch
CONTROLS_RATE, CONTROLS_SECONDS = 44100, 5.12


@dataclass(frozen=True)
class ControlsConfig:
    """What a controls model (studio.models.controls) diffuses: `frame_rate` frames a second
    of a pitch contour, `harmonics` partial amplitudes and `bands` noise-band levels (bands
    log-spaced from low_hz to high_hz). frame_rate 0 means a waveform model. For a controls
    model, AudioConfig.length counts control frames and sample_rate is the default render
    rate."""
    frame_rate: int = 0
    harmonics: int = 0
    bands: int = 0
    low_hz: float = 40.0
    high_hz: float = 24000.0
    # per-feature statistics of the training data: the network diffuses (features - centre)
    # / scale, zero-mean and unit-scale as EDM's preconditioning assumes (empty: as they are)
    centre: tuple[float, ...] = ()
    scale: tuple[float, ...] = ()

    @property
    def features(self) -> int:
        return 1 + self.harmonics + self.bands

    def band_edges(self):
        """bands + 1 edges in Hz: 0, then log-spaced from low_hz to high_hz."""
        import numpy as np
        return np.concatenate([[0.0], np.geomspace(self.low_hz, self.high_hz, self.bands)])


@dataclass(frozen=True)
class ModelConfig:
    network: NetworkConfig = field(default_factory=NetworkConfig)
    diffusion: DiffusionConfig = field(default_factory=DiffusionConfig)
    audio: AudioConfig = field(default_factory=AudioConfig)
    controls: ControlsConfig = field(default_factory=ControlsConfig)
    size: str = "small"
    # What it was trained on and for how long; filled in by the trainer, shown by the app.
    training: dict[str, Any] = field(default_factory=dict)

    def stride(self) -> int:
        """What the clip length must be a multiple of: for unet1d the patch times its
        down-sampling; for stft2d the hop times its down-sampling of the frame axis."""
        net = self.network
        n = net.hop * net.frame_patch if net.kind == "stft2d" else net.patch
        for f in (net.time_factors if net.kind == "stft2d" else net.factors):
            n *= f
        return n

    def with_training(self, **info: Any) -> "ModelConfig":
        return replace(self, training={**self.training, **info})

    def to_json(self) -> dict:
        d = asdict(self)
        d["format"], d["version"] = FORMAT, FORMAT_VERSION
        return d

    @classmethod
    def from_json(cls, d: dict) -> "ModelConfig":
        if d.get("format") != FORMAT:
            raise StudioError("not a diffusion model config (format field missing or wrong)")
        version = d.get("version", 0)
        if type(version) is not int:
            raise StudioError(f"diffusion model version {str(version)[:20]!r} is not a number")
        if version > FORMAT_VERSION:
            raise StudioError(f"diffusion model version {d['version']} is newer than this app "
                              f"understands ({FORMAT_VERSION}); update the app")
        return cls(network=_build(NetworkConfig, d.get("network", {})),
                   diffusion=_build(DiffusionConfig, d.get("diffusion", {})),
                   audio=_build(AudioConfig, d.get("audio", {})),
                   controls=_build(ControlsConfig, d.get("controls", {})),
                   size=str(d.get("size", "custom"))[:64], training=d.get("training", {}))

    def save(self, path: Path) -> None:
        from studio.io.atomic import write_text
        write_text(path, json.dumps(self.to_json(), indent=1), action="write model config")

    @classmethod
    def load(cls, path: Path) -> "ModelConfig":
        """The config in `path`, checked against bounds (limits.check) before anyone builds
        a network from it; every fault is one StudioError line."""
        from studio.io import jsonfile
        from studio.models.diffusion import limits
        d = jsonfile.read(path, f"model config {Path(path).name}", max_bytes=1 << 20)
        if not isinstance(d, dict):
            raise StudioError(f"cannot read model config {path}: it is not a JSON object")
        try:
            cfg = cls.from_json(d)
        except (ValueError, TypeError, AttributeError) as e:
            raise StudioError(f"cannot read model config {path}: {e}") from None
        limits.check(cfg)
        return cfg


def _build(kind, d: dict):
    """A dataclass from JSON, lists back to tuples, unknown keys refused with one line."""
    if not isinstance(d, dict):
        raise StudioError(f"model config: {kind.__name__} is not an object")
    names = {f.name for f in fields(kind)}
    unknown = set(d) - names
    if unknown:
        raise StudioError(f"unknown {kind.__name__} fields: {', '.join(sorted(unknown))}")
    return kind(**{k: tuple(v) if isinstance(v, list) else v for k, v in d.items()})


def config_for(size: str, sample_rate: int, seconds: float, classes: tuple[str, ...],
               sigma_data: float = 0.2, cond_dim: int = 0) -> ModelConfig:
    """A config of a named size for clips of about `seconds`, rounded up to the stride;
    `cond_dim` continuous conditioning values (2 for pitch)."""
    if size not in SIZES:
        raise StudioError(f"unknown model size {size!r}; choose one of {', '.join(SIZES)}")
    net = SIZES[size]
    taps = PITCH_TAPS if cond_dim and net.kind == "unet1d" else 0
    cfg = ModelConfig(network=replace(net, cond_dim=cond_dim, pitch_taps=taps), size=size,
                      diffusion=DiffusionConfig(sigma_data=float(sigma_data),
                                                p_mean=training_p_mean(sigma_data)))
    stride = cfg.stride()
    length = max(stride, -(-int(round(seconds * sample_rate)) // stride) * stride)
    return replace(cfg, audio=AudioConfig(sample_rate=int(sample_rate), length=length,
                                          classes=tuple(classes)))


def training_p_mean(sigma_data: float) -> float:
    """EDM's training noise distribution (p_mean -1.2 for sigma_data 0.5) moved with the
    data's std, so the same share of steps falls below the data level. Taken unscaled, audio
    with a std of 0.16 trained mostly above its own level, and samples kept a hiss floor."""
    import math
    return round(-1.2 + math.log(sigma_data / 0.5), 3)


def model_files(path: str | Path) -> tuple[Path, Path]:
    """(weights, config) for a model named by either file or by their common stem (here,
    not in checkpoint, so that listing models needs no torch)."""
    path = Path(path)
    base = path.with_suffix("") if path.suffix in (WEIGHTS, CONFIG) else path
    return base.with_suffix(WEIGHTS), base.with_suffix(CONFIG)
