"""Checks on a layout, as (level, message) issues the editor shows inline and the
operations raise on ("error")."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from studio.arrays.geometry import Layout
from studio.errors import StudioError

COINCIDENT_M = 1e-3      # closer than 1 mm: the same point for any audio wavelength
MILLIMETRE_HINT_M = 20.0  # a hand-held or room array spanning more than 20 m is most likely mm


@dataclass(frozen=True)
class Issue:
    level: str  # "error" or "warning"
    message: str

    def __str__(self) -> str:
        return f"{self.level}: {self.message}"


def pairwise_distances(p: np.ndarray) -> np.ndarray:
    d = p[:, None, :] - p[None, :, :]
    return np.sqrt((d * d).sum(-1))


def validate(layout: Layout, least: int = 2) -> list[Issue]:
    issues: list[Issue] = []
    p = layout.positions(enabled_only=True)
    if len(p) < least:
        issues.append(Issue("error", f"{len(p)} enabled microphone{'s' * (len(p) != 1)}: "
                                     f"an array needs at least {least}"))
    if len(p) and not np.isfinite(p).all():
        issues.append(Issue("error", "a microphone position is not a finite number"))
        return issues
    if len(p) >= 2:
        d = pairwise_distances(p)
        i, j = np.triu_indices(len(p), 1)
        close = d[i, j] < COINCIDENT_M
        if close.any():
            names = _enabled_numbers(layout)
            pairs = [f"{names[a]}&{names[b]}" for a, b in zip(i[close], j[close])][:4]
            issues.append(Issue("error", f"coincident microphones (< 1 mm apart): "
                                         f"{', '.join(pairs)}"))
        aperture = d.max()
        if aperture > MILLIMETRE_HINT_M:
            issues.append(Issue("warning", f"aperture {aperture:.4g} m: positions look like "
                                           f"millimetres or centimetres, not metres"))
    dead = [k for k, g in zip(_enabled_numbers(layout), layout.gains()) if not g > 0]
    if dead:
        issues.append(Issue("warning", f"microphone(s) {_short(dead)} have zero gain"))
    if layout.room is not None:
        size = np.asarray(layout.room.size, dtype=float)
        outside = [k + 1 for k, q in enumerate(layout.positions()) if
                   not ((q > 0).all() and (q < size).all())]
        if outside:
            issues.append(Issue("warning", f"microphone(s) {_short(outside)} outside the room"))
        out_src = [k + 1 for k, s in enumerate(layout.sources) if
                   not ((s.position > 0).all() and (s.position < size).all())]
        if out_src:
            issues.append(Issue("warning", f"source(s) {_short(out_src)} outside the room"))
    return issues


def _enabled_numbers(layout: Layout) -> list[int]:
    return [k + 1 for k, m in enumerate(layout.mics) if m.enabled]


def _short(items: list[int]) -> str:
    return ", ".join(map(str, items[:6])) + ("…" if len(items) > 6 else "")


def require_valid(layout: Layout, least: int = 2) -> Layout:
    """Raise the first error as a StudioError (operations call this)."""
    for issue in validate(layout, least):
        if issue.level == "error":
            raise StudioError(f"array layout: {issue.message}")
    return layout
