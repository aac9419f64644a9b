"""Array geometry: microphones (3-D position in metres, enable, gain, directivity with an
orientation), the sources and shoebox room drawn with them, and the dict form the session
stores (`{"array_layout": layout.to_dict()}`).

Plain Python and numpy only: the layout editor (Qt) and the operations (torch) both read it.
"""
from __future__ import annotations

import copy
import math
from dataclasses import asdict, dataclass, field
from typing import Any, Iterable

import numpy as np

from studio.errors import StudioError

# First-order directivity: g(theta) = alpha + (1 - alpha) cos(theta), theta measured from the
# microphone's axis. Omni alpha = 1, cardioid 1/2, figure-8 0 (supercardioid/hypercardioid
# would be 0.37 / 0.25; kept to the three the brief names).
DIRECTIVITY_ALPHA = {"omni": 1.0, "cardioid": 0.5, "figure8": 0.0}

SPEED_OF_SOUND = 343.0  # m/s at about 20 °C
LAYOUT_VERSION = 1


@dataclass
class Microphone:
    x: float
    y: float
    z: float = 0.0
    enabled: bool = True
    gain: float = 1.0               # linear sensitivity
    directivity: str = "omni"       # one of DIRECTIVITY_ALPHA
    azimuth: float = 0.0            # orientation of the axis, degrees from +x toward +y
    elevation: float = 0.0          # degrees above the x-y plane
    name: str = ""

    @property
    def position(self) -> np.ndarray:
        return np.array([self.x, self.y, self.z], dtype=float)

    def axis(self) -> np.ndarray:
        az, el = math.radians(self.azimuth), math.radians(self.elevation)
        return np.array([math.cos(el) * math.cos(az), math.cos(el) * math.sin(az), math.sin(el)])


@dataclass
class Source:
    x: float
    y: float
    z: float = 0.0
    name: str = ""

    @property
    def position(self) -> np.ndarray:
        return np.array([self.x, self.y, self.z], dtype=float)


@dataclass
class Room:
    """A shoebox with one corner at the origin; `rt60` = 0 means anechoic."""
    size: tuple[float, float, float] = (6.0, 5.0, 3.0)
    rt60: float = 0.3


@dataclass
class Layout:
    mics: list[Microphone] = field(default_factory=list)
    name: str = "array"
    sources: list[Source] = field(default_factory=list)
    room: Room | None = None

    # ---- numpy views -------------------------------------------------------------------
    def positions(self, enabled_only: bool = False) -> np.ndarray:
        """(M, 3) positions in metres."""
        mics = self.enabled_mics() if enabled_only else self.mics
        if not mics:
            return np.zeros((0, 3))
        return np.array([[m.x, m.y, m.z] for m in mics], dtype=float)

    def enabled_mics(self) -> list[Microphone]:
        return [m for m in self.mics if m.enabled]

    def gains(self, enabled_only: bool = True) -> np.ndarray:
        mics = self.enabled_mics() if enabled_only else self.mics
        return np.array([m.gain for m in mics], dtype=float)

    def directivity(self, enabled_only: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """(alpha (M,), axis (M, 3)) of the first-order directivity of each microphone."""
        mics = self.enabled_mics() if enabled_only else self.mics
        alpha = np.array([DIRECTIVITY_ALPHA[m.directivity] for m in mics], dtype=float)
        axes = np.array([m.axis() for m in mics], dtype=float).reshape(-1, 3)
        return alpha, axes

    def is_omni(self) -> bool:
        return all(m.directivity == "omni" for m in self.enabled_mics())

    def centroid(self) -> np.ndarray:
        p = self.positions(enabled_only=True)
        return p.mean(axis=0) if len(p) else np.zeros(3)

    def set_positions(self, positions: np.ndarray, indices: Iterable[int] | None = None) -> None:
        idx = range(len(self.mics)) if indices is None else list(indices)
        positions = np.asarray(positions, dtype=float).reshape(-1, 3)
        for row, i in zip(positions, idx):
            self.mics[i].x, self.mics[i].y, self.mics[i].z = (float(v) for v in row)

    def copy(self) -> "Layout":
        return copy.deepcopy(self)

    # ---- transforms of the whole array or a selection ---------------------------------
    def translated(self, offset, indices=None) -> "Layout":
        out = self.copy()
        idx = list(range(len(self.mics))) if indices is None else list(indices)
        out.set_positions(self.positions()[idx] + np.asarray(offset, dtype=float), idx)
        return out

    def _selection(self, indices, center):
        """(indices, their positions, the centre to transform about: `center` or their
        centroid) for rotated/scaled; empty indices give ([], None, None)."""
        idx = list(range(len(self.mics))) if indices is None else list(indices)
        if not idx:
            return idx, None, None
        p = self.positions()[idx]
        c = p.mean(axis=0) if center is None else np.asarray(center, dtype=float)
        return idx, p, c

    def rotated(self, degrees: float, indices=None, center=None) -> "Layout":
        """Rotate about the vertical axis through `center` (the selection's centroid);
        directional microphones turn with the array."""
        out = self.copy()
        idx, p, c = self._selection(indices, center)
        if not idx:
            return out
        t = math.radians(degrees)
        rot = np.array([[math.cos(t), -math.sin(t), 0.0], [math.sin(t), math.cos(t), 0.0],
                        [0.0, 0.0, 1.0]])
        out.set_positions((p - c) @ rot.T + c, idx)
        for i in idx:
            out.mics[i].azimuth = (out.mics[i].azimuth + degrees + 180.0) % 360.0 - 180.0
        return out

    def scaled(self, factor: float, indices=None, center=None) -> "Layout":
        if not factor > 0:
            raise StudioError(f"scale factor must be positive, got {factor}")
        out = self.copy()
        idx, p, c = self._selection(indices, center)
        if not idx:
            return out
        out.set_positions((p - c) * factor + c, idx)
        return out

    # ---- dict form (JSON, session) -----------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "version": LAYOUT_VERSION,
            "name": self.name,
            "units": "m",
            "mics": [asdict(m) for m in self.mics],
            "sources": [asdict(s) for s in self.sources],
            "room": None if self.room is None else {"size": list(self.room.size),
                                                    "rt60": self.room.rt60},
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Layout":
        if not isinstance(d, dict) or "mics" not in d:
            raise StudioError("array layout: expected an object with a 'mics' list")
        scale = {"m": 1.0, "cm": 0.01, "mm": 0.001}.get(d.get("units", "m"))
        if scale is None:
            raise StudioError(f"array layout: unknown units {d.get('units')!r} (m, cm or mm)")
        mics = []
        for i, m in enumerate(d["mics"]):
            try:
                if isinstance(m, (list, tuple)):  # a bare [x, y, z] row
                    m = {"x": m[0], "y": m[1], "z": m[2] if len(m) > 2 else 0.0}
                mic = Microphone(**{k: m[k] for k in m if k in Microphone.__dataclass_fields__})
                mic.x, mic.y, mic.z = (float(v) * scale for v in (mic.x, mic.y, mic.z))
                mic.gain, mic.azimuth, mic.elevation = (float(mic.gain), float(mic.azimuth),
                                                        float(mic.elevation))
                mic.enabled = bool(mic.enabled)
            except (TypeError, ValueError, KeyError, IndexError):
                raise StudioError(f"array layout: microphone {i + 1} is not x, y, z "
                                  f"numbers: {m!r}") from None
            if mic.directivity not in DIRECTIVITY_ALPHA:
                raise StudioError(f"array layout: microphone {i + 1} has directivity "
                                  f"{mic.directivity!r} (omni, cardioid or figure8)")
            if not all(math.isfinite(v) for v in (mic.x, mic.y, mic.z, mic.gain)):
                raise StudioError(f"array layout: microphone {i + 1} has a non-finite value")
            mics.append(mic)
        sources = []
        for i, s in enumerate(d.get("sources") or []):
            try:
                if isinstance(s, (list, tuple)):
                    s = {"x": s[0], "y": s[1], "z": s[2] if len(s) > 2 else 0.0}
                sources.append(Source(float(s["x"]) * scale, float(s["y"]) * scale,
                                      float(s.get("z", 0.0)) * scale, str(s.get("name", ""))))
            except (TypeError, ValueError, KeyError, IndexError):
                raise StudioError(f"array layout: source {i + 1} is not x, y, z numbers") from None
        room = None
        if d.get("room"):
            try:
                size = tuple(float(v) * scale for v in d["room"]["size"])
                room = Room(size=size, rt60=float(d["room"].get("rt60", 0.0)))  # type: ignore[arg-type]
            except (TypeError, ValueError, KeyError):
                raise StudioError("array layout: room needs 'size': [x, y, z]") from None
            if len(room.size) != 3 or min(room.size) <= 0:
                raise StudioError("array layout: room size must be three positive lengths")
        return cls(mics=mics, name=str(d.get("name", "array")), sources=sources, room=room)


def from_positions(positions, name: str = "array", **mic_kwargs) -> Layout:
    """A layout of omni microphones at the rows of an (M, 2) or (M, 3) array (metres)."""
    p = np.asarray(positions, dtype=float)
    if p.ndim != 2 or p.shape[1] not in (2, 3):
        raise StudioError(f"positions must be (M, 2) or (M, 3), got shape {p.shape}")
    if p.shape[1] == 2:
        p = np.column_stack([p, np.zeros(len(p))])
    return Layout([Microphone(*map(float, row), **mic_kwargs) for row in p], name=name)
