"""Scalar figures of an array read off its patterns and geometry (numpy): 3 dB beamwidth,
sidelobe level, spatial-aliasing frequency, grating-lobe directions, front-back ambiguity
of linear arrays and the conditioning of a steering matrix."""
from __future__ import annotations

import math

import numpy as np

from studio.arrays.geometry import SPEED_OF_SOUND
from studio.arrays.validate import pairwise_distances


def _peak_index(power: np.ndarray, azimuth_deg: np.ndarray, steer_deg: float) -> int:
    """The local maximum of a circular pattern nearest the steering direction (uphill walk)."""
    n = len(power)
    i = int(np.argmin(np.abs((azimuth_deg - steer_deg + 180) % 360 - 180)))
    for _ in range(n):
        left, right = power[(i - 1) % n], power[(i + 1) % n]
        if right > power[i] and right >= left:
            i = (i + 1) % n
        elif left > power[i]:
            i = (i - 1) % n
        else:
            break
    return i


def _walk(power: np.ndarray, start: int, step: int, stop) -> tuple[int, int]:
    n = len(power)
    i = start
    for k in range(1, n):
        j = (start + step * k) % n
        if stop(power[j], power[(j - step) % n]):
            return (j - step) % n, j
        i = j
    return i, i


def beamwidth_3db(power_db: np.ndarray, azimuth_deg: np.ndarray, steer_deg: float) -> float:
    """Width in degrees of the main lobe where it stays within 3 dB of its peak, on a
    uniform circular azimuth grid, with linear interpolation of the crossings; nan if the
    pattern never falls 3 dB (an omni or aliased array)."""
    p = np.asarray(power_db, dtype=float)
    step = 360.0 / len(p)
    i = _peak_index(p, azimuth_deg, steer_deg)
    level = p[i] - 3.0
    widths = []
    for direction in (-1, 1):
        inside, outside = _walk(p, i, direction, lambda v, prev: v < level)
        if inside == outside:
            return float("nan")
        k = ((outside - i) * direction) % len(p)  # samples from the peak to the first one below
        frac = (p[inside] - level) / (p[inside] - p[outside])
        widths.append((k - 1 + frac) * step)
    return float(sum(widths))


def _outside_lobes(p: np.ndarray, peaks: list[int]) -> np.ndarray:
    """Mask of the samples outside the lobes around `peaks` (each bounded by the first
    minima on both sides; flat tops belong to their lobe)."""
    n = len(p)
    mask = np.ones(n, dtype=bool)
    for i in peaks:
        lo, _ = _walk(p, i, -1, lambda v, prev: v > prev)
        hi, _ = _walk(p, i, 1, lambda v, prev: v > prev)
        k = i
        while True:
            mask[k] = False
            if k == hi:
                break
            k = (k + 1) % n
        k = i
        while k != lo:
            k = (k - 1) % n
            mask[k] = False
    return mask


def sidelobe_level(power_db: np.ndarray, azimuth_deg: np.ndarray, steer_deg: float,
                   exclude: list[float] = ()) -> float:
    """Highest lobe outside the main lobe (bounded by its first minima on both sides), in dB
    relative to the main-lobe peak. Directions in `exclude` (the mirror lobe of a linear
    array) have their own lobes excluded too. -inf if there is no other lobe."""
    p = np.asarray(power_db, dtype=float)
    peaks = [_peak_index(p, azimuth_deg, steer_deg)]
    peaks += [_peak_index(p, azimuth_deg, d) for d in exclude]
    mask = _outside_lobes(p, peaks)
    if not mask.any():
        return float("-inf")
    return float(p[mask].max() - p[peaks[0]])


def nearest_neighbour_distances(positions: np.ndarray) -> np.ndarray:
    d = pairwise_distances(np.asarray(positions, dtype=float))
    np.fill_diagonal(d, np.inf)
    return d.min(axis=1)


def aliasing_frequency(positions: np.ndarray, c: float = SPEED_OF_SOUND) -> float:
    """c / (2 d): above it some steering direction has a grating lobe, with d the largest
    nearest-neighbour spacing (the half-wavelength rule; exact for uniform linear arrays,
    the usual rule of thumb for circular and planar ones)."""
    positions = np.asarray(positions, dtype=float)
    if len(positions) < 2:
        return float("inf")
    return float(c / (2 * nearest_neighbour_distances(positions).max()))


def linear_axis(positions: np.ndarray, tol: float = 1e-6) -> np.ndarray | None:
    """The unit axis if every microphone lies on one line, else None."""
    p = np.asarray(positions, dtype=float)
    if len(p) < 2:
        return None
    centred = p - p.mean(0)
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    if s[0] == 0 or (len(s) > 1 and s[1] > tol * s[0]):
        return None
    return vt[0]


def mirror_direction(u: np.ndarray, axis: np.ndarray) -> np.ndarray:
    """The direction a linear array cannot tell from u: u turned half a turn about the axis."""
    u = np.asarray(u, dtype=float)
    return 2 * np.dot(u, axis) * axis - u


def front_back_mirror_azimuth(positions: np.ndarray, steer_deg: float) -> float | None:
    """For a linear array in the horizontal plane, the azimuth (degrees) that mirrors the
    steering azimuth across the array's axis; None when the array is not linear (or when
    the mirror is the steering direction itself, i.e. endfire)."""
    axis = linear_axis(positions)
    if axis is None:
        return None
    t = math.radians(steer_deg)
    m = mirror_direction(np.array([math.cos(t), math.sin(t), 0.0]), axis)
    az = math.degrees(math.atan2(m[1], m[0]))
    if abs((az - steer_deg + 180) % 360 - 180) < 1e-6:
        return None
    return az


def grating_lobes(power_db: np.ndarray, azimuth_deg: np.ndarray, steer_deg: float,
                  threshold_db: float = -1.0, mirror_deg: float | None = None) -> list[float]:
    """Azimuths of lobes (local maxima) within `threshold_db` of the main lobe other than the
    main lobe itself and the front-back mirror of a linear array."""
    p = np.asarray(power_db, dtype=float)
    n = len(p)
    main = _peak_index(p, azimuth_deg, steer_deg)
    peaks = [main] if mirror_deg is None else [main, _peak_index(p, azimuth_deg, mirror_deg)]
    outside = _outside_lobes(p, peaks)
    out = []
    for i in np.flatnonzero(outside & (p >= p[main] + threshold_db)):
        if p[i] >= p[(i - 1) % n] and p[i] > p[(i + 1) % n]:
            # parabolic refinement of the peak position
            y0, y1, y2 = p[(i - 1) % n], p[i], p[(i + 1) % n]
            den = y0 - 2 * y1 + y2
            off = 0.5 * (y0 - y2) / den if den != 0 else 0.0
            out.append(float((azimuth_deg[i] + off * 360.0 / n + 180) % 360 - 180))
    return out


def condition_number(steering: np.ndarray) -> np.ndarray:
    """(F,) 2-norm condition numbers of steering matrices A (F, M, N): how badly the A D = I
    solution amplifies noise (inf when sources are in directions the array cannot tell apart)."""
    s = np.linalg.svd(np.asarray(steering), compute_uv=False)
    with np.errstate(divide="ignore"):
        return s[..., 0] / s[..., -1]
