"""What a restoration model is, as plain data (the JSON beside its safetensors weights), and
the bounds a config read from disk must keep before anything is built from it."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from studio.errors import StudioError
from studio.io import jsonfile
from studio.models.diffusion.limits import _float, _int, _ints

FORMAT = "studio-restorer"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class RestorerConfig:
    # the rate the network hears; other rates are resampled to it and back (api.py)
    sample_rate: int = 44100
    n_fft: int = 512                     # tight-frame STFT window (samples)
    hop: int = 128
    bin_patch: int = 4                   # bins x frames folded into channels at level 0
    frame_patch: int = 2
    channels: tuple[int, ...] = (32, 64, 96, 128)
    factors: tuple[int, ...] = (2, 2, 2)       # frequency down-sampling between levels
    time_factors: tuple[int, ...] = (2, 2, 2)  # time down-sampling between levels
    blocks: int = 1
    attention: tuple[int, ...] = (3,)
    heads: int = 4
    emb: int = 128
    # EDM (Karras et al. 2022); clips are scaled so that their known part has rms sigma_data
    sigma_data: float = 0.5
    sigma_min: float = 0.002
    sigma_max: float = 20.0
    p_mean: float = -1.0
    p_std: float = 1.4
    segment: int = 49152                 # training crop (samples): 1.11 s at 44.1 kHz

    def stride(self) -> int:
        """Lengths the network takes are multiples of this (samples)."""
        m = 1
        for f in self.time_factors:
            m *= f
        return self.hop * self.frame_patch * m

    def to_json(self) -> dict:
        return {"format": FORMAT, "version": FORMAT_VERSION, **asdict(self)}

    @staticmethod
    def from_json(data) -> "RestorerConfig":
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise StudioError("not a restoration model config (format is not "
                              f"'{FORMAT}')")
        known = {f.name for f in fields(RestorerConfig)}
        values = {k: tuple(v) if isinstance(v, list) else v
                  for k, v in data.items() if k in known}
        cfg = RestorerConfig(**values)
        check(cfg)
        return cfg

    @staticmethod
    def load(path: str | Path) -> "RestorerConfig":
        return RestorerConfig.from_json(jsonfile.read(Path(path), "restoration model config"))

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=1)


def check(cfg: RestorerConfig) -> None:
    """Typed, ranged fields that fit together, so that no file can ask for a network of
    unbounded size or a division by zero."""
    _int(cfg.sample_rate, "sample_rate", 8000, 192000)
    _int(cfg.n_fft, "n_fft", 64, 4096)
    _int(cfg.hop, "hop", 16, 1024)
    _int(cfg.bin_patch, "bin_patch", 1, 16)
    _int(cfg.frame_patch, "frame_patch", 1, 8)
    ch = _ints(cfg.channels, "channels", 4, 512, 2, 6)
    _ints(cfg.factors, "factors", 1, 4, len(ch) - 1, len(ch) - 1)
    _ints(cfg.time_factors, "time_factors", 1, 4, len(ch) - 1, len(ch) - 1)
    _int(cfg.blocks, "blocks", 1, 4)
    _ints(cfg.attention, "attention", 0, len(ch) - 1, 0, len(ch))
    _int(cfg.heads, "heads", 1, 16)
    _int(cfg.emb, "emb", 8, 1024)
    if any(c % cfg.heads for i, c in enumerate(ch) if i in cfg.attention) or \
            ch[-1] % cfg.heads:
        raise StudioError("model config: heads must divide the attention levels' channels")
    for name in ("sigma_data", "sigma_min", "sigma_max"):
        _float(getattr(cfg, name), name, 0.0, 1000.0, open_lo=True)
    _float(cfg.p_mean, "p_mean", -10.0, 10.0)
    _float(cfg.p_std, "p_std", 0.0, 10.0, open_lo=True)
    _int(cfg.segment, "segment", 1024, 1 << 20)
    if cfg.n_fft % cfg.hop or cfg.n_fft // cfg.hop < 3:
        raise StudioError("model config: n_fft must be a multiple (>= 3) of hop")
    if cfg.stride() < cfg.n_fft:
        raise StudioError("model config: hop x frame_patch x time_factors must be at least "
                          "n_fft")
    fold = cfg.bin_patch
    for f in cfg.factors:
        fold *= f
    if (cfg.n_fft // 2) % fold:
        raise StudioError("model config: n_fft/2 bins must divide into bin_patch x factors")
