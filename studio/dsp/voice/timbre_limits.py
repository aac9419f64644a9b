"""What a timbre preset's config must hold before a network is built from it or audio is
rendered with it. A preset is a file users trade: `hidden: 20000` would build 2 GiB, a zero or
NaN `pitch_scale` turns every input into NaN and the output into silence with rc 0, and a
band-edge list of the wrong length fails deep inside rendering. Each field is checked for type
and range, then the weights' header is compared with the network the config makes."""
from __future__ import annotations

import math

from studio.errors import StudioError
from studio.io.formats import MAX_SAMPLERATE


def _show(v) -> str:
    text = repr(v)
    return text if len(text) <= 40 else text[:37] + "..."


def _num(c: dict, key: str, lo: float, hi: float, *, positive: bool = False) -> float:
    v = c.get(key)
    if type(v) not in (int, float) or not math.isfinite(v) or not lo <= v <= hi or \
            (positive and v <= 0):
        raise StudioError(f"{key} is {_show(v)}, not a {'positive ' if positive else ''}"
                          f"number in [{lo}, {hi}]")
    return float(v)


def _int(c: dict, key: str, lo: int, hi: int) -> int:
    v = c.get(key)
    if type(v) is not int or not lo <= v <= hi:
        raise StudioError(f"{key} is {_show(v)}, not an integer in {lo}..{hi}")
    return v


def _span(c: dict, key: str, lo: float, hi: float) -> None:
    v = c.get(key)
    if not isinstance(v, list) or len(v) != 2 or \
            not all(type(x) in (int, float) and math.isfinite(x) and lo <= x <= hi for x in v) \
            or v[0] > v[1]:
        raise StudioError(f"{key} must be [low, high], finite, within [{lo}, {hi}]")


def check_config(c: dict) -> None:
    """One StudioError line (without the preset's name) for the first field out of bounds."""
    n_bands = _int(c, "n_bands", 1, 64)
    _int(c, "n_harmonics", 1, 256)
    _int(c, "hidden", 1, 1024)
    sr = _int(c, "sample_rate", 1000, MAX_SAMPLERATE)
    _num(c, "pitch_mean", -100.0, 300.0)
    _num(c, "pitch_scale", 1e-3, 1e3, positive=True)
    _num(c, "loudness_mean", -400.0, 200.0)
    _num(c, "loudness_scale", 1e-3, 1e3, positive=True)
    _span(c, "pitch_range", -100.0, 300.0)
    _span(c, "loudness_range", -400.0, 200.0)
    edges = c.get("noise_band_edges")
    if not isinstance(edges, list) or len(edges) != n_bands + 1 or \
            not all(type(e) in (int, float) and math.isfinite(e) and 0 <= e <= sr for e in edges) \
            or any(b <= a for a, b in zip(edges, edges[1:])):
        raise StudioError(f"noise_band_edges must be {n_bands + 1} increasing frequencies "
                          f"from 0 to {sr // 2} Hz")
    shape = c.get("note_shape_db", [])
    if not isinstance(shape, list) or len(shape) > 10_000 or \
            not all(type(v) in (int, float) and math.isfinite(v) and -400 <= v <= 100 for v in shape):
        raise StudioError("note_shape_db must be a list of up to 10000 finite dB values")
    if "note_shape_step_s" in c:
        _num(c, "note_shape_step_s", 1e-4, 10.0, positive=True)


def expected_shapes(c: dict) -> dict[str, tuple[int, ...]]:
    """The tensors TimbreNet(n_harmonics, n_bands, hidden) holds: an MLP 2 -> h -> h -> h ->
    harmonics + bands (checked against the weights' header before building it)."""
    h, out = c["hidden"], c["n_harmonics"] + c["n_bands"]
    dims = [(h, 2), (h, h), (h, h), (out, h)]
    shapes = {}
    for layer, (o, i) in zip((0, 2, 4, 6), dims):
        shapes[f"body.{layer}.weight"] = (o, i)
        shapes[f"body.{layer}.bias"] = (o,)
    return shapes
