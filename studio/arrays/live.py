"""The array's figures for the layout editor, recomputed while a microphone is dragged.

`ArrayFigures.compute(layout, ...)` returns plain numpy (`Figures`) so the Qt layer never
touches torch. The (F, D, M) steering tensor and the (F, M, M) diffuse coherence are cached
and, when only a few microphones moved, updated in their columns alone; the superdirective
inverse follows by rank-2 updates. A drag then costs one batched real matrix product for the
pattern and a few O(F M^2) products, well under a frame (see `studio bench arrays`).
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
import torch

from studio.arrays import beam, figures
from studio.arrays.geometry import SPEED_OF_SOUND, Layout
from studio.arrays.validate import validate

METHODS = ("delay-and-sum", "superdirective")
FLOOR_DB = -60.0


@dataclass
class Figures:
    azimuth: np.ndarray            # (D,) degrees
    freqs: np.ndarray              # (F,) Hz
    map_db: np.ndarray             # (F, D) power response, 0 dB toward the steering direction
    polar_db: np.ndarray           # (D,) at polar_hz
    polar_hz: float
    wng_db: np.ndarray             # (F,)
    di_db: np.ndarray              # (F,)
    beamwidth_deg: float = float("nan")
    sidelobe_db: float = float("nan")
    aliasing_hz: float = float("inf")
    grating_deg: list[float] = field(default_factory=list)
    mirror_deg: float | None = None     # front-back twin of the steering direction
    condition: float | None = None      # of the steering matrix toward the layout's sources
    warnings: list[str] = field(default_factory=list)
    compute_ms: float = 0.0


class ArrayFigures:
    def __init__(self, n_azimuth: int = 360, n_freqs: int = 257, f_max: float = 8000.0,
                 c: float = SPEED_OF_SOUND, dtype: torch.dtype = torch.float32):
        self.c = c
        self.dtype = dtype
        self.azimuth = np.arange(n_azimuth) * (360.0 / n_azimuth) - 180.0
        self.freqs = np.arange(1, n_freqs + 1) * (f_max / n_freqs)
        self._dirs = beam.unit_vectors(self.azimuth, 0.0, dtype)
        self._f = torch.as_tensor(self.freqs, dtype=dtype)
        self._f64 = torch.as_tensor(self.freqs, dtype=torch.float64)
        self._key = None
        self._gamma64: torch.Tensor | None = None
        self._ginv: torch.Tensor | None = None
        self._ginv_loading = None
        self._ginv_updates = 0
        self._pos: np.ndarray | None = None
        self._steer: torch.Tensor | None = None   # (F, 2M, D) real
        self._gamma: torch.Tensor | None = None   # (F, M, M)

    # ---- cache ----------------------------------------------------------------------------
    # _steer holds the steering vectors as real (F, 2M, D): rows 0..M-1 the real parts, rows
    # M..2M-1 the imaginary parts, so the pattern is one real batched (2 x 2M)(2M x D)
    # product (several times faster than the complex matrix-vector form on a CPU).
    # _ginv holds (Gamma + loading I)^-1 in float64, kept current across drags by rank-2
    # Woodbury updates (a moved microphone changes one row and column of Gamma) instead of
    # a fresh batched Cholesky per frame; it is rebuilt every REBUILD_AFTER updates.
    REBUILD_AFTER = 64

    def _resp(self, layout: Layout):
        alpha, axes = layout.directivity()
        return alpha, axes, layout.gains()

    def _refresh(self, layout: Layout) -> None:
        p = layout.positions(enabled_only=True)
        alpha, axes, gains = self._resp(layout)
        key = (p.shape, alpha.tobytes(), axes.tobytes(), gains.tobytes())
        if key != self._key or self._pos is None:
            self._build(p, alpha, axes, gains)
            self._key = key
            return
        moved = np.flatnonzero((p != self._pos).any(axis=1))
        if len(moved) == 0:
            return
        if len(moved) > max(1, len(p) // 8) or not layout.is_omni():
            self._build(p, alpha, axes, gains)
            return
        t = lambda x: torch.as_tensor(x, dtype=self.dtype)  # noqa: E731
        m_all = len(p)
        cols = beam.far_field_steering(
            t(p[moved]), self._dirs, self._f, self.c, t(alpha[moved]), t(axes[moved]),
            t(gains[moved])).transpose(1, 2)                              # (F, K, D)
        d = torch.cdist(torch.as_tensor(p[moved]), torch.as_tensor(p))   # (K, M) float64
        rows = torch.sinc((2.0 / self.c) * self._f64[:, None, None] * d[None])
        g = torch.as_tensor(gains)
        rows = rows * (g[moved][:, None] * g[None, :])[None]             # (F, K, M)
        for k, m in enumerate(moved.tolist()):  # basic slicing: far cheaper than index_put
            self._steer[:, m, :] = cols[:, k].real
            self._steer[:, m_all + m, :] = cols[:, k].imag
            if self._ginv is not None:
                self._woodbury(m, rows[:, k] - self._gamma64[:, m, :])
            self._gamma64[:, m, :] = rows[:, k]
            self._gamma64[:, :, m] = rows[:, k]
        self._gamma = self._gamma64
        self._pos = p.copy()

    def _woodbury(self, m: int, delta: torch.Tensor) -> None:
        """Update _ginv for Gamma += e_m delta^T + delta e_m^T (delta[:, m] = 0)."""
        delta = delta.clone()
        delta[:, m] = 0
        ginv = self._ginv
        b = torch.stack([ginv[:, :, m], (ginv @ delta.unsqueeze(-1)).squeeze(-1)], -1)  # (F, M, 2)
        u_t_b = torch.stack([b[:, m, :], (delta.unsqueeze(1) @ b).squeeze(1)], 1)    # (F, 2, 2)
        swap = torch.tensor([[0.0, 1.0], [1.0, 0.0]], dtype=ginv.dtype)
        s = swap + u_t_b
        ginv -= b @ torch.linalg.solve(s, b.transpose(1, 2))
        self._ginv_updates += 1

    def _build(self, p, alpha, axes, gains) -> None:
        t = lambda x: torch.as_tensor(x, dtype=self.dtype)  # noqa: E731
        a = beam.far_field_steering(t(p), self._dirs, self._f, self.c, t(alpha), t(axes),
                                    t(gains)).transpose(1, 2)              # (F, M, D)
        self._steer = torch.cat([a.real, a.imag], 1).contiguous()
        if (alpha == 1).all():
            self._gamma64 = beam.diffuse_coherence(p, self._f64, self.c, gains)
            self._gamma = self._gamma64  # DI is computed in float64 against it
        else:
            self._gamma64 = None
            self._gamma = beam.diffuse_coherence_quadrature(
                p, self.freqs, self.c, alpha, axes, gains).to(beam.complex_of(self.dtype))
        self._ginv = None
        self._pos = p.copy()

    def _superdirective(self, a0: torch.Tensor, loading: float) -> torch.Tensor:
        if self._gamma64 is None:  # directional microphones: a direct complex solve
            return beam.mvdr(a0, self._gamma, loading)
        if (self._ginv is None or self._ginv_loading != loading
                or self._ginv_updates >= self.REBUILD_AFTER):
            r = beam.loaded(self._gamma64, loading)
            self._ginv = torch.cholesky_inverse(torch.linalg.cholesky(r))
            self._ginv_loading, self._ginv_updates = loading, 0
        x = torch.view_as_complex(
            (self._ginv @ torch.view_as_real(a0).to(torch.float64)).to(self.dtype).contiguous())
        return x / (a0.conj() * x).sum(-1, keepdim=True)

    # ---- figures --------------------------------------------------------------------------
    @staticmethod
    def _check(method: str) -> None:
        if method not in METHODS:
            raise ValueError(f"unknown method {method!r} ({', '.join(METHODS)})")

    def _pattern_power(self, w: torch.Tensor) -> torch.Tensor:
        """(F, D) |w^H a|^2 from the cached real steering block."""
        wr, wi = w.real, w.imag
        rows = torch.stack([torch.cat([wr, wi], -1), torch.cat([-wi, wr], -1)], 1)  # (F, 2, 2M)
        b = rows @ self._steer                                                       # (F, 2, D)
        return b[:, 0].square() + b[:, 1].square()

    def compute(self, layout: Layout, steer_deg: float = 0.0, method: str = "delay-and-sum",
                loading: float = 1e-2, polar_hz: float = 1000.0) -> Figures:
        t0 = time.perf_counter()
        issues = [i for i in validate(layout) if i.level == "error"]
        if issues:
            return self._empty(polar_hz, [str(i.message) for i in issues], t0)
        self._refresh(layout)
        u0 = beam.unit_vectors([steer_deg], 0.0, self.dtype)
        alpha, axes, gains = self._resp(layout)
        p = torch.as_tensor(self._pos, dtype=self.dtype)
        resp = [torch.as_tensor(x, dtype=self.dtype) for x in (alpha, axes, gains)]
        with torch.no_grad():
            a0 = beam.far_field_steering(p, u0, self._f, self.c, *resp)[:, 0]   # (F, M)
            self._check(method)
            w = (beam.delay_and_sum(a0) if method == "delay-and-sum"
                 else self._superdirective(a0, loading))
            power = self._pattern_power(w)                                 # (F, D)
            map_db = beam.to_db(power, FLOOR_DB).numpy()
            wng = beam.to_db(beam.white_noise_gain(w, a0)).numpy()
            di = beam.to_db(beam.directivity_factor(w, a0, self._gamma)).numpy()
            # the polar pattern at exactly polar_hz (not the nearest bin)
            fp = torch.tensor([polar_hz], dtype=self.dtype)
            steer_p = beam.far_field_steering(p, self._dirs, fp, self.c, *resp)
            a0p = beam.far_field_steering(p, u0, fp, self.c, *resp)[:, 0]
            gamma_p = (beam.diffuse_coherence(p, fp, self.c, resp[2]) if layout.is_omni() else
                       beam.diffuse_coherence_quadrature(self._pos, [polar_hz], self.c, alpha,
                                                         axes, gains).to(a0p.dtype))
            wp = (beam.delay_and_sum(a0p) if method == "delay-and-sum"
                  else beam.mvdr(a0p, gamma_p, loading))
            polar_db = beam.to_db(beam.power(beam.pattern(wp, steer_p)), FLOOR_DB)[0].numpy()
        out = Figures(self.azimuth, self.freqs, map_db, polar_db, polar_hz, wng, di)
        self._scalars(out, layout, steer_deg)
        out.compute_ms = (time.perf_counter() - t0) * 1e3
        return out

    def _scalars(self, out: Figures, layout: Layout, steer_deg: float) -> None:
        pos = self._pos
        out.mirror_deg = figures.front_back_mirror_azimuth(pos, steer_deg)
        excl = [] if out.mirror_deg is None else [out.mirror_deg]
        out.beamwidth_deg = figures.beamwidth_3db(out.polar_db, self.azimuth, steer_deg)
        out.sidelobe_db = figures.sidelobe_level(out.polar_db, self.azimuth, steer_deg, excl)
        out.aliasing_hz = figures.aliasing_frequency(pos, self.c)
        out.grating_deg = figures.grating_lobes(out.polar_db, self.azimuth, steer_deg,
                                                mirror_deg=out.mirror_deg)
        warn = out.warnings
        warn += [str(i) for i in validate(layout) if i.level == "warning"]
        if out.aliasing_hz < self.freqs[-1]:
            warn.append(f"spatial aliasing above {out.aliasing_hz:.0f} Hz")
        if out.grating_deg:
            warn.append(f"grating lobe(s) at {', '.join(f'{g:.0f}°' for g in out.grating_deg)} "
                        f"at {out.polar_hz:.0f} Hz")
        if out.mirror_deg is not None:
            warn.append(f"linear array: front-back ambiguity ({steer_deg:.0f}° = "
                        f"{out.mirror_deg:.0f}°)")
        if len(layout.sources) >= 1:
            out.condition = self.source_condition(layout, out.aliasing_hz)
            if out.condition > 10:
                warn.append(f"ill-conditioned A toward the sources (condition "
                            f"{out.condition:.3g}): separation will amplify noise")

    def source_condition(self, layout: Layout, f_hi: float) -> float:
        """Median condition number of the far-field steering matrix toward the layout's
        sources over the band 300 Hz .. min(aliasing, f_max)."""
        c = layout.centroid()
        dirs = np.array([s.position - c for s in layout.sources], dtype=float)
        norms = np.linalg.norm(dirs, axis=1, keepdims=True)
        if (norms == 0).any():
            return math.inf
        band = self.freqs[(self.freqs >= 300) & (self.freqs <= min(f_hi, self.freqs[-1]))]
        if len(band) == 0:
            band = self.freqs[-1:]
        alpha, axes, gains = self._resp(layout)
        a = beam.far_field_steering(self._pos, dirs / norms, band, self.c, alpha, axes, gains)
        return float(np.median(figures.condition_number(a.transpose(1, 2).numpy())))

    def _empty(self, polar_hz, warnings, t0) -> Figures:
        nf, nd = len(self.freqs), len(self.azimuth)
        out = Figures(self.azimuth, self.freqs, np.full((nf, nd), FLOOR_DB),
                      np.full(nd, FLOOR_DB), polar_hz, np.full(nf, np.nan), np.full(nf, np.nan),
                      warnings=warnings)
        out.compute_ms = (time.perf_counter() - t0) * 1e3
        return out
