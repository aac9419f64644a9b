"""Bounds a diffusion model's config must keep before anything is built from it. A config is
a file someone may hand the user: a 5 KB JSON asking for `channels: [2048]*4` would build 1.2 G
parameters before the weights are even compared, `patch 0` divides by zero. Each field has a
type and a range; together they keep the largest network a config can describe to a few
hundred MB, and `checkpoint.load_model` then compares the network's shapes (built on torch's
meta device: no memory) with the weights' header before building it for real."""
from __future__ import annotations

import math

from studio.errors import StudioError
from studio.io.formats import MAX_SAMPLERATE


def _show(v) -> str:
    text = repr(v)
    return text if len(text) <= 40 else text[:37] + "..."

MAX_PARAMS = 200_000_000   # 800 MB of float32; the bundled models have under 10 M
MAX_LENGTH = 1 << 22       # samples per clip


def _int(v, name: str, lo: int, hi: int) -> int:
    if type(v) is not int or not lo <= v <= hi:
        raise StudioError(f"model config: {name} is {_show(v)}, not an integer in {lo}..{hi}")
    return v


def _float(v, name: str, lo: float, hi: float, *, open_lo: bool = False) -> float:
    ok = type(v) in (int, float) and math.isfinite(v) and (v > lo if open_lo else v >= lo) and v <= hi
    if not ok:
        raise StudioError(f"model config: {name} is {_show(v)}, not a number in "
                          f"{'(' if open_lo else '['}{lo}, {hi}]")
    return float(v)


def _ints(v, name: str, lo: int, hi: int, n_lo: int, n_hi: int) -> tuple[int, ...]:
    if not isinstance(v, tuple) or not n_lo <= len(v) <= n_hi:
        raise StudioError(f"model config: {name} must be a list of {n_lo}..{n_hi} integers")
    return tuple(_int(x, f"{name} entry", lo, hi) for x in v)


def check(cfg) -> None:
    """Raise one StudioError line unless every field of `cfg` (a ModelConfig) is in bounds."""
    net, dif, aud = cfg.network, cfg.diffusion, cfg.audio
    if net.kind not in ("unet1d", "stft2d"):
        raise StudioError(f"model config: unknown network kind {str(net.kind)[:40]!r}")
    ch = _ints(net.channels, "channels", 1, 1024, 1, 8)
    levels = len(ch) - 1
    _int(net.patch, "patch", 1, 512)
    _ints(net.factors, "factors", 1, 16, levels if net.kind == "unet1d" else 0, levels)
    _int(net.blocks, "blocks", 0, 8)
    att = _ints(net.attention, "attention", 0, levels, 0, len(ch))
    heads = _int(net.heads, "heads", 1, 64)
    for c in {ch[i] for i in att} | {ch[-1]}:
        if c % heads:
            raise StudioError(f"model config: {c} channels do not split into {heads} heads")
    _int(net.emb, "emb", 2, 2048)
    _float(net.dropout, "dropout", 0.0, 1.0)
    _int(net.cond_dim, "cond_dim", 0, 16)
    _int(net.pitch_taps, "pitch_taps", 0, 8)
    _int(net.n_fft, "n_fft", 8, 16384)
    _int(net.hop, "hop", 1, net.n_fft)
    _int(net.bin_patch, "bin_patch", 1, 256)
    _int(net.frame_patch, "frame_patch", 1, 256)
    _ints(net.time_factors, "time_factors", 1, 16, 0, levels)
    _int(net.features, "features", 1, 1024)
    _int(net.positions, "positions", 0, 64)
    _float(net.frame_rate, "frame_rate", 0.0, 1e6, open_lo=True)
    ctl = cfg.controls
    _int(ctl.frame_rate, "frame_rate", 0, 1000)
    _int(ctl.harmonics, "harmonics", 0, 512)
    _int(ctl.bands, "bands", 0, 512)
    lo_hz = _float(ctl.low_hz, "low_hz", 0.0, 1e5, open_lo=True)
    _float(ctl.high_hz, "high_hz", lo_hz, 1e6, open_lo=True)
    for name in ("centre", "scale"):
        values = getattr(ctl, name)
        if not isinstance(values, tuple) or len(values) not in (0, ctl.features) or not all(
                type(v) in (int, float) and math.isfinite(v) for v in values):
            raise StudioError(f"model config: {name} must be empty or {ctl.features} numbers")
    if len(ctl.centre) != len(ctl.scale) or any(v <= 0 for v in ctl.scale):
        raise StudioError("model config: centre and scale go together, and scales are > 0")
    if ctl.frame_rate and (ctl.bands < 2 or net.features != ctl.features):
        raise StudioError(f"model config: a controls model's network takes {ctl.features} "
                          f"features a frame (1 + harmonics + bands, at least 2 bands), "
                          f"not {net.features}")
    if dif.sde != "ve":
        raise StudioError(f"model config: unknown SDE {str(dif.sde)[:40]!r} (this app knows 've')")
    _float(dif.sigma_data, "sigma_data", 0.0, 10.0, open_lo=True)
    lo = _float(dif.sigma_min, "sigma_min", 0.0, 1e4, open_lo=True)
    _float(dif.sigma_max, "sigma_max", lo, 1e4, open_lo=True)
    _float(dif.rho, "rho", 0.0, 100.0, open_lo=True)
    _float(dif.p_mean, "p_mean", -20.0, 20.0)
    _float(dif.p_std, "p_std", 0.0, 20.0, open_lo=True)
    _float(dif.cond_drop, "cond_drop", 0.0, 1.0)
    _float(dif.values_drop, "values_drop", 0.0, 1.0)
    _int(aud.sample_rate, "sample_rate", 1, MAX_SAMPLERATE)
    _int(aud.length, "length", 1, MAX_LENGTH)
    if not isinstance(aud.classes, tuple) or len(aud.classes) > 4096 or \
            not all(isinstance(c, str) and len(c) <= 128 for c in aud.classes):
        raise StudioError("model config: classes must be a list of up to 4096 short names")
    if not isinstance(cfg.training, dict):
        raise StudioError("model config: training must be an object")
    stride = cfg.stride()
    if aud.length % stride:
        raise StudioError(f"model config: clip length {aud.length} is not a multiple of the "
                          f"network's stride {stride}")
