"""Array presets, all centred on the origin in the x-y plane (metres)."""
from __future__ import annotations

import math

import numpy as np

from studio.arrays.geometry import Layout, from_positions
from studio.errors import StudioError


def _check_count(count: int, least: int = 1) -> int:
    count = int(count)
    if count < least:
        raise StudioError(f"an array needs at least {least} microphones, got {count}")
    return count


def _check_length(value: float, what: str) -> float:
    if not value > 0:
        raise StudioError(f"{what} must be positive, got {value}")
    return float(value)


def linear(count: int = 8, spacing: float = 0.04) -> Layout:
    """Uniform linear array along x."""
    count, spacing = _check_count(count), _check_length(spacing, "spacing")
    x = (np.arange(count) - (count - 1) / 2) * spacing
    return from_positions(np.column_stack([x, np.zeros(count)]), name=f"ULA {count}")


def circular(count: int = 6, radius: float = 0.0463) -> Layout:
    """Uniform circular array; microphone 1 on +x."""
    count, radius = _check_count(count), _check_length(radius, "radius")
    t = 2 * np.pi * np.arange(count) / count
    return from_positions(radius * np.column_stack([np.cos(t), np.sin(t)]), name=f"UCA {count}")


def rectangular(rows: int = 4, cols: int = 4, spacing: float = 0.04) -> Layout:
    rows, cols, spacing = _check_count(rows), _check_count(cols), _check_length(spacing, "spacing")
    x = (np.arange(cols) - (cols - 1) / 2) * spacing
    y = (np.arange(rows) - (rows - 1) / 2) * spacing
    xx, yy = np.meshgrid(x, y)
    return from_positions(np.column_stack([xx.ravel(), yy.ravel()]), name=f"URA {rows}x{cols}")


def concentric(rings: int = 3, count: int = 8, radius: float = 0.1,
               center: bool = True) -> Layout:
    """`rings` circles of `count` microphones at radius, 2 radius, ...; alternate rings are
    turned by half a step so no two microphones line up radially."""
    rings, count, radius = _check_count(rings), _check_count(count), _check_length(radius, "radius")
    pts = [np.zeros((1, 2))] if center else []
    for r in range(1, rings + 1):
        t = 2 * np.pi * (np.arange(count) + 0.5 * (r % 2 == 0)) / count
        pts.append(r * radius * np.column_stack([np.cos(t), np.sin(t)]))
    return from_positions(np.vstack(pts), name=f"concentric {rings}x{count}")


def spiral(count: int = 32, radius: float = 0.5, turns: float = 1.5) -> Layout:
    """Archimedean spiral out to `radius` (a classic aperiodic acoustic-camera layout: its
    irregular spacing spreads grating lobes into a low sidelobe floor)."""
    count, radius = _check_count(count), _check_length(radius, "radius")
    s = np.arange(1, count + 1) / count
    t = 2 * np.pi * turns * s
    return from_positions(radius * s[:, None] * np.column_stack([np.cos(t), np.sin(t)]),
                          name=f"spiral {count}")


def random_disc(count: int = 16, radius: float = 0.3, seed: int = 0,
                min_distance: float | None = None) -> Layout:
    """Uniform random points in a disc, drawn with a minimum spacing (Poisson-disc-like
    rejection) so no two microphones coincide."""
    count, radius = _check_count(count), _check_length(radius, "radius")
    rng = np.random.default_rng(seed)
    if min_distance is None:
        min_distance = 0.5 * radius * math.sqrt(math.pi / count)  # half the mean spacing
    pts: list[np.ndarray] = []
    tries = 0
    while len(pts) < count:
        tries += 1
        if tries > 200 * count:
            raise StudioError(f"could not place {count} microphones {min_distance:g} m apart "
                              f"in a disc of radius {radius:g} m")
        r, t = radius * math.sqrt(rng.random()), 2 * math.pi * rng.random()
        p = np.array([r * math.cos(t), r * math.sin(t)])
        if all(np.hypot(*(p - q)) >= min_distance for q in pts):
            pts.append(p)
    return from_positions(np.array(pts), name=f"random {count}")


# name -> (builder, default keyword arguments); the editor's Presets menu is built from this.
PRESETS = {
    "Uniform linear": (linear, {"count": 8, "spacing": 0.04}),
    "Circular": (circular, {"count": 6, "radius": 0.0463}),
    "Rectangular": (rectangular, {"rows": 4, "cols": 4, "spacing": 0.04}),
    "Concentric circles": (concentric, {"rings": 3, "count": 8, "radius": 0.1}),
    "Spiral": (spiral, {"count": 32, "radius": 0.5}),
    "Random in a disc": (random_disc, {"count": 16, "radius": 0.3}),
}


def preset(name: str, **overrides) -> Layout:
    try:
        builder, defaults = PRESETS[name]
    except KeyError:
        raise StudioError(f"unknown array preset '{name}' ({', '.join(PRESETS)})") from None
    kwargs = dict(defaults)
    kwargs.update({k: v for k, v in overrides.items() if k in defaults or k == "seed"})
    return builder(**kwargs)
