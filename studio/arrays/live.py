"""The array's figures for the layout editor, recomputed while a microphone is dragged.

`ArrayFigures.compute(layout, ...)` returns plain numpy (`Figures`) so the Qt layer never
touches torch. A one-microphone move updates the delay-and-sum pattern by one term per
direction and frequency (O(F D), not O(F D M)); the superdirective weights change in every
entry, so its pattern is one batched real product against the cached steering block (the
floor), with the inverse coherence kept by rank-2 updates (see `studio bench arrays`).
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
    """Figures of one layout at a time, with caches that make a one-microphone move cheap:

    * `_sum` (F, D) complex64, delay-and-sum only: S = sum_m conj(a0_m) a_m(d). Moving
      microphone m changes one term, so S is updated by subtracting its old term and adding
      the new one, O(F D) instead of the O(F D M) product (power = |S|^2 / (sum |a0|^2)^2).
      It is rebuilt after REBUILD_AFTER updates (float32 drift) or when the look changes.
    * `_steer` (F, M, D) complex64, superdirective only: the pattern W^H A is one batched
      (1 x M)(M x D) product, the floor for weights that change in every entry. Moved
      microphones' rows are refreshed lazily, when that product is next needed.
    * `_gamma64` (F, M, M) float64 diffuse coherence (rows/columns of moved microphones
      updated) and `_ginv`, (Gamma + loading I)^-1 kept by rank-2 Woodbury updates.
    """
    REBUILD_AFTER = 256

    def __init__(self, n_azimuth: int = 360, n_freqs: int = 257, f_max: float = 8000.0,
                 c: float = SPEED_OF_SOUND, dtype: torch.dtype = torch.float32):
        # torch's thread count is process-wide, shared with the engine's running job, so it
        # is not changed here (it once was, around compute(); since OMP_WAIT_POLICY=PASSIVE
        # is set at start-up, 2 threads cost about what 1 does: tests/bench/arrays.py).
        self.c = c
        self.dtype = dtype
        self.azimuth = np.arange(n_azimuth) * (360.0 / n_azimuth) - 180.0
        self.freqs = np.arange(1, n_freqs + 1) * (f_max / n_freqs)
        self._dirs = beam.unit_vectors(self.azimuth, 0.0, dtype)
        self._f = torch.as_tensor(self.freqs, dtype=dtype)
        self._f64 = torch.as_tensor(self.freqs, dtype=torch.float64)
        self._k = (2 * math.pi / c) * self._f          # (F,) wavenumbers
        self._key = None
        self._pos: np.ndarray | None = None
        self._gains = None
        self._gamma64: torch.Tensor | None = None
        self._gamma: torch.Tensor | None = None   # what DI is computed against
        self._ginv: torch.Tensor | None = None
        self._ginv_loading = None
        self._ginv_updates = 0
        self._steer: torch.Tensor | None = None   # (F, M, D) complex, see above
        self._stale: set[int] = set()             # microphones whose _steer columns are old
        self._sum: torch.Tensor | None = None     # (F, D) complex, see above
        self._sum_look = None
        self._sum_updates = 0
        self._omni = False

    # ---- cache ----------------------------------------------------------------------------
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
        if len(moved) > max(1, len(p) // 8) or not self._omni:
            self._build(p, alpha, axes, gains)
            return
        old = self._pos
        if self._sum is not None:
            o = self._origin
            self._sum += self._terms(p[moved] - o, moved) - self._terms(old[moved] - o, moved)
            self._sum_updates += 1
        self._stale.update(moved.tolist())
        d = torch.cdist(torch.as_tensor(p[moved]), torch.as_tensor(p))   # (K, M) float64
        rows = torch.sinc((2.0 / self.c) * self._f64[:, None, None] * d[None])
        g = torch.as_tensor(gains)
        rows = rows * (g[moved][:, None] * g[None, :])[None]             # (F, K, M)
        for k, m in enumerate(moved.tolist()):
            if self._ginv is not None:
                self._woodbury(m, rows[:, k] - self._gamma64[:, m, :])
            self._gamma64[:, m, :] = rows[:, k]
            self._gamma64[:, :, m] = rows[:, k]
        self._pos = p.copy()

    def _terms(self, positions: np.ndarray, idx: np.ndarray) -> torch.Tensor:
        """(F, D) sum over the given omni microphones of conj(a0_m) a_m(d) for the cached look
        direction u0: g_m^2 exp(j k p_m.(u_d - u0))."""
        p = torch.as_tensor(positions, dtype=self.dtype)
        proj = (self._dirs - self._sum_look) @ p.T                     # (D, K)
        g2 = self._gains[idx] ** 2
        out = None
        for k in range(len(idx)):  # K is 1 in a drag: plain (F, D) element-wise work
            phase = torch.outer(self._k, proj[:, k])                    # (F, D)
            term = torch.complex(torch.cos(phase), torch.sin(phase))
            term = term if g2[k] == 1 else term * float(g2[k])
            out = term if out is None else out.add_(term)
        return out

    def _woodbury(self, m: int, delta: torch.Tensor) -> None:
        """Update _ginv for Gamma += e_m delta^T + delta e_m^T (delta[:, m] = 0), i.e.
        U V^T with U = [e_m, delta], V = [delta, e_m]: G -= [g, h] S^-1 [h; g]^T with g = G e_m,
        h = G delta and the 2 x 2 S = I + V^T G U inverted in closed form (G symmetric)."""
        delta = delta.clone()
        delta[:, m] = 0
        G = self._ginv
        g = G[:, :, m].clone()                                   # (F, M)
        h = torch.bmm(G, delta.unsqueeze(-1)).squeeze(-1)        # (F, M)
        s11, s12 = 1 + (delta * g).sum(-1), (delta * h).sum(-1)
        s21, s22 = g[:, m], 1 + h[:, m]
        det = s11 * s22 - s12 * s21
        p1 = (s22 / det)[:, None] * h - (s12 / det)[:, None] * g
        p2 = (s11 / det)[:, None] * g - (s21 / det)[:, None] * h
        G.baddbmm_(torch.stack([g, h], -1), torch.stack([p1, p2], 1), alpha=-1)
        self._ginv_updates += 1

    def _build(self, p, alpha, axes, gains) -> None:
        self._pos = p.copy()
        # phases are taken relative to this point (the centroid when the cache was built): a
        # common offset does not change any figure, and float32 phases of an array 5 m from
        # the room's corner would lose 1e-4 rad
        self._origin = p.mean(0) if len(p) else np.zeros(3)
        self._gains = np.asarray(gains, dtype=float)
        self._omni = bool((alpha == 1).all())
        self._steer, self._stale = None, set()
        self._sum = None
        if self._omni:
            self._gamma64 = beam.diffuse_coherence(p, self._f64, self.c, gains)
            self._gamma = self._gamma64  # DI is computed in float64 against it
        else:
            self._gamma64 = None
            self._gamma = beam.diffuse_coherence_quadrature(
                p, self.freqs, self.c, alpha, axes, gains).to(beam.complex_of(self.dtype))
        self._ginv = None

    def _steering_block(self, layout: Layout) -> torch.Tensor:
        """_steer, built or with its stale columns refreshed."""
        t = lambda x: torch.as_tensor(x, dtype=self.dtype)  # noqa: E731
        alpha, axes, gains = self._resp(layout)
        if self._steer is None:
            a = beam.far_field_steering(t(self._pos - self._origin), self._dirs, self._f, self.c,
                                        t(alpha), t(axes), t(gains))
            self._steer = a.transpose(1, 2).contiguous()                   # (F, M, D)
        elif self._stale:
            idx = sorted(self._stale)
            cols = beam.far_field_steering(t(self._pos[idx] - self._origin), self._dirs, self._f,
                                           self.c, t(alpha[idx]), t(axes[idx]), t(gains[idx]))
            for k, m in enumerate(idx):  # basic slicing: far cheaper than index_put
                self._steer[:, m, :] = cols[:, :, k]
        self._stale = set()
        return self._steer

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

    def _pattern(self, w: torch.Tensor, layout: Layout) -> torch.Tensor:
        """(F, D) complex w^H a: one batched (1 x M)(M x D) complex64 product per frequency
        (2.4x faster here than the same product on real and imaginary blocks)."""
        steer = self._steering_block(layout)
        return torch.matmul(w.conj().unsqueeze(1), steer).squeeze(1)

    def _das_power(self, a0: torch.Tensor, u0: torch.Tensor, layout: Layout) -> torch.Tensor:
        """(F, D) delay-and-sum power |a0^H a|^2 / (a0^H a0)^2 from the running sum."""
        if (self._sum is None or not torch.equal(self._sum_look, u0[0])
                or self._sum_updates >= self.REBUILD_AFTER):
            self._sum_look = u0[0].clone()
            self._sum = self._pattern(a0, layout)           # w = a0: S = a0^H a
            self._sum_updates = 0
        norm = beam.power(a0).sum(-1)                       # (F,)
        return beam.power(self._sum) / (norm * norm)[:, None]

    def compute(self, layout: Layout, steer_deg: float = 0.0, method: str = "delay-and-sum",
                loading: float = 1e-2, polar_hz: float = 1000.0) -> Figures:
        t0 = time.perf_counter()
        self._check(method)
        issues = validate(layout)
        errors = [str(i.message) for i in issues if i.level == "error"]
        if errors:
            return self._empty(polar_hz, errors, t0)
        self._refresh(layout)
        u0 = beam.unit_vectors([steer_deg], 0.0, self.dtype)
        alpha, axes, gains = self._resp(layout)
        p = torch.as_tensor(self._pos - self._origin, dtype=self.dtype)
        resp = [torch.as_tensor(x, dtype=self.dtype) for x in (alpha, axes, gains)]
        with torch.no_grad():
            a0 = beam.far_field_steering(p, u0, self._f, self.c, *resp)[:, 0]   # (F, M)
            if method == "delay-and-sum":
                w = beam.delay_and_sum(a0)
                power = self._das_power(a0, u0, layout)
            else:
                w = self._superdirective(a0, loading)
                power = beam.power(self._pattern(w, layout))                   # (F, D)
            map_db = beam.to_db(power, FLOOR_DB).numpy()
            wng = beam.to_db(beam.white_noise_gain(w, a0)).numpy()
            di = beam.to_db(beam.directivity_factor(w, a0, self._gamma)).numpy()
            polar_db = self._polar(layout, p, u0, resp, method, loading, polar_hz)
        out = Figures(self.azimuth, self.freqs, map_db, polar_db, polar_hz, wng, di)
        self._scalars(out, layout, steer_deg, issues)
        out.compute_ms = (time.perf_counter() - t0) * 1e3
        return out

    def _polar(self, layout, p, u0, resp, method, loading, polar_hz) -> np.ndarray:
        """(D,) the polar pattern in dB at exactly polar_hz (not the nearest bin)."""
        fp = torch.tensor([polar_hz], dtype=self.dtype)
        steer_p = beam.far_field_steering(p, self._dirs, fp, self.c, *resp)
        a0p = beam.far_field_steering(p, u0, fp, self.c, *resp)[:, 0]
        if method == "delay-and-sum":
            wp = beam.delay_and_sum(a0p)
        else:
            alpha, axes, gains = self._resp(layout)
            gamma_p = (beam.diffuse_coherence(p, fp, self.c, resp[2]) if self._omni else
                       beam.diffuse_coherence_quadrature(self._pos, [polar_hz], self.c, alpha,
                                                         axes, gains).to(a0p.dtype))
            wp = beam.mvdr(a0p, gamma_p, loading)
        return beam.to_db(beam.power(beam.pattern(wp, steer_p)), FLOOR_DB)[0].numpy()

    def _scalars(self, out: Figures, layout: Layout, steer_deg: float, issues=None) -> None:
        pos = self._pos
        out.mirror_deg = figures.front_back_mirror_azimuth(pos, steer_deg)
        excl = [] if out.mirror_deg is None else [out.mirror_deg]
        out.beamwidth_deg = figures.beamwidth_3db(out.polar_db, self.azimuth, steer_deg)
        out.sidelobe_db = figures.sidelobe_level(out.polar_db, self.azimuth, steer_deg, excl)
        out.aliasing_hz = figures.aliasing_frequency(pos, self.c)
        out.grating_deg = figures.grating_lobes(out.polar_db, self.azimuth, steer_deg,
                                                mirror_deg=out.mirror_deg)
        warn = out.warnings
        issues = validate(layout) if issues is None else issues
        warn += [str(i) for i in issues if i.level == "warning"]
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
