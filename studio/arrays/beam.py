"""Beamforming figures in torch, vectorised over frequencies x directions x microphones.

Conventions: a direction is a unit vector u pointing from the array toward the source
(azimuth from +x toward +y, elevation above the x-y plane). A plane wave from u reaches the
microphone at p earlier by p.u / c than the origin, so its far-field steering entry is
a_m(u, f) = g_m(u) exp(+j 2 pi f p_m.u / c), with g_m the microphone's gain times its
first-order directivity alpha + (1 - alpha) u.axis. Tensors are laid out (F, D, M) so one
batched matrix-vector product gives the pattern B(f, u) = w(f)^H a(u, f).

Weights w (F, M) are applied as y = w^H x.
"""
from __future__ import annotations

import math

import numpy as np
import torch

from studio.arrays.geometry import SPEED_OF_SOUND, Layout


def as_tensor(x, dtype=None, device=None) -> torch.Tensor:
    """A real tensor: a tensor keeps its dtype unless one is given; numpy becomes float64."""
    if isinstance(x, torch.Tensor):
        return x.to(dtype=dtype or x.dtype, device=device or x.device)
    return torch.as_tensor(np.asarray(x), dtype=dtype or torch.float64, device=device)


def complex_of(real_dtype: torch.dtype) -> torch.dtype:
    return torch.complex128 if real_dtype == torch.float64 else torch.complex64


def unit_vectors(azimuth_deg, elevation_deg=0.0, dtype=torch.float64) -> torch.Tensor:
    """(D, 3) unit vectors for matching azimuth/elevation lists (degrees)."""
    az = torch.deg2rad(as_tensor(azimuth_deg, dtype).reshape(-1))
    el = torch.deg2rad(as_tensor(elevation_deg, dtype).reshape(-1)).expand_as(az)
    return torch.stack([torch.cos(el) * torch.cos(az), torch.cos(el) * torch.sin(az),
                        torch.sin(el)], dim=-1)


def direction_grid(azimuth_deg, elevation_deg, dtype=torch.float64) -> torch.Tensor:
    """(E * A, 3): every azimuth at every elevation, elevation-major (reshape to (E, A))."""
    az = as_tensor(azimuth_deg, dtype).reshape(1, -1)
    el = as_tensor(elevation_deg, dtype).reshape(-1, 1)
    return unit_vectors(az.expand(el.shape[0], -1).reshape(-1),
                        el.expand(-1, az.shape[1]).reshape(-1), dtype)


def mic_response(directions: torch.Tensor, alpha=None, axes=None, gains=None) -> torch.Tensor | None:
    """(D, M) real gain of each microphone toward each direction, or None for unit omnis."""
    resp = None
    if alpha is not None and axes is not None:
        alpha = as_tensor(alpha, directions.dtype, directions.device)
        axes = as_tensor(axes, directions.dtype, directions.device)
        if not bool((alpha == 1).all()):
            resp = alpha + (1 - alpha) * (directions @ axes.T)
    if gains is not None:
        gains = as_tensor(gains, directions.dtype, directions.device)
        if not bool((gains == 1).all()):
            resp = gains.expand(directions.shape[0], -1) if resp is None else resp * gains
    return resp


def far_field_steering(positions, directions, freqs, c: float = SPEED_OF_SOUND,
                       alpha=None, axes=None, gains=None) -> torch.Tensor:
    """(F, D, M) complex far-field steering vectors."""
    dtype = positions.dtype if isinstance(positions, torch.Tensor) else torch.float64
    p = as_tensor(positions, dtype)
    u = as_tensor(directions, dtype, p.device)
    f = as_tensor(freqs, dtype, p.device).reshape(-1)
    delay = u @ p.T / c                                      # (D, M) seconds of advance
    phase = (2 * math.pi) * f[:, None, None] * delay[None]   # (F, D, M)
    a = torch.polar(torch.ones_like(phase), phase)
    resp = mic_response(u, alpha, axes, gains)
    return a if resp is None else a * resp[None]


def near_field_steering(positions, points, freqs, c: float = SPEED_OF_SOUND,
                        reference=None) -> torch.Tensor:
    """(F, D, M) spherical-wave steering vectors toward source points (D, 3), normalised to
    the distance from `reference` (default the array centroid): a_m = r0/r_m e^{-jk(r_m-r0)}."""
    p = as_tensor(positions)
    s = as_tensor(points, p.dtype, p.device).reshape(-1, 3)
    f = as_tensor(freqs, p.dtype, p.device).reshape(-1)
    ref = p.mean(0) if reference is None else as_tensor(reference, p.dtype, p.device)
    r = torch.cdist(s, p)                                     # (D, M)
    r0 = torch.linalg.vector_norm(s - ref, dim=-1)[:, None]   # (D, 1)
    phase = -(2 * math.pi) * f[:, None, None] * ((r - r0) / c)[None]
    return torch.polar((r0 / r)[None].expand_as(phase), phase)


def diffuse_coherence(positions, freqs, c: float = SPEED_OF_SOUND, gains=None) -> torch.Tensor:
    """(F, M, M) real coherence of a spherically isotropic field between omni microphones:
    sin(k d) / (k d) (times the gains' outer product)."""
    p = as_tensor(positions)
    f = as_tensor(freqs, p.dtype, p.device).reshape(-1)
    d = torch.cdist(p, p)
    gamma = torch.sinc((2.0 / c) * f[:, None, None] * d[None])  # torch.sinc(x) = sin(pi x)/(pi x)
    if gains is not None:
        g = as_tensor(gains, p.dtype, p.device)
        gamma = gamma * (g[:, None] * g[None, :])
    return gamma


def diffuse_coherence_quadrature(positions, freqs, c=SPEED_OF_SOUND, alpha=None, axes=None,
                                 gains=None, points: int = 400) -> torch.Tensor:
    """(F, M, M) complex diffuse coherence for directional microphones, by averaging a a^H
    over a Fibonacci sphere (slower; the omni case has the closed form above)."""
    n = torch.arange(points, dtype=torch.float64) + 0.5
    z = 1 - 2 * n / points
    phi = math.pi * (1 + math.sqrt(5)) * n
    rho = torch.sqrt(1 - z * z)
    u = torch.stack([rho * torch.cos(phi), rho * torch.sin(phi), z], -1)
    a = far_field_steering(positions, u, freqs, c, alpha, axes, gains)  # (F, Q, M)
    return torch.einsum("fqm,fqn->fmn", a, a.conj()) / points


# ---- weights ------------------------------------------------------------------------------
def delay_and_sum(a0: torch.Tensor) -> torch.Tensor:
    """(F, M) distortionless delay-and-sum weights for steering vectors a0 (F, M)."""
    return a0 / (a0.abs() ** 2).sum(-1, keepdim=True)


def loaded(cov: torch.Tensor, loading: float) -> torch.Tensor:
    """cov + loading * (trace / M) I: loading is relative to the mean diagonal."""
    m = cov.shape[-1]
    scale = torch.diagonal(cov, dim1=-2, dim2=-1).real.mean(-1).clamp_min(1e-30)
    eye = torch.eye(m, dtype=cov.dtype, device=cov.device)
    return cov + (loading * scale)[..., None, None] * eye


def mvdr(a0: torch.Tensor, cov: torch.Tensor, loading: float = 1e-3) -> torch.Tensor:
    """(F, M) MVDR weights R^-1 a0 / (a0^H R^-1 a0) with diagonal loading. With the diffuse
    coherence as R this is the superdirective beamformer; loading trades directivity for
    white-noise gain (loading -> inf gives delay-and-sum)."""
    r = loaded(cov, loading)
    if not r.is_complex():
        # a real symmetric R (diffuse omni field): Cholesky on real and imaginary parts at once
        chol, info = torch.linalg.cholesky_ex(r)
        if int(info.max()) == 0:
            rhs = torch.stack([a0.real, a0.imag], -1)           # (F, M, 2)
            sol = torch.cholesky_solve(rhs, chol)
            x = torch.complex(sol[..., 0], sol[..., 1])
        else:
            x = torch.linalg.solve(r.to(a0.dtype), a0)
    else:
        x = torch.linalg.solve(r, a0.unsqueeze(-1)).squeeze(-1)
    return x / (a0.conj() * x).sum(-1, keepdim=True)


def lcmv(constraints: torch.Tensor, cov: torch.Tensor | None = None, loading: float = 1e-3,
         regularisation: float = 1e-6) -> torch.Tensor:
    """(F, M, N) weights, one column per constraint direction: unit response toward that
    direction and nulls toward the N - 1 others (the one-forcing / A D = I solution with
    D = W^H, A = constraints). W = R^-1 C (C^H R^-1 C + lambda I)^-1, Tikhonov-regularised
    relative to the mean diagonal of C^H R^-1 C; R = identity when cov is None."""
    c = constraints
    if cov is None:
        rc = c
    else:
        rc = torch.linalg.solve(loaded(cov, loading).to(c.dtype), c)
    g = c.conj().transpose(-1, -2) @ rc                           # (F, N, N)
    g = loaded(g, regularisation)
    return rc @ torch.linalg.inv(g)


# ---- figures ------------------------------------------------------------------------------
def pattern(weights: torch.Tensor, steering: torch.Tensor) -> torch.Tensor:
    """(F, D) complex response w^H a for weights (F, M) and steering vectors (F, D, M)."""
    return torch.matmul(steering, weights.conj().unsqueeze(-1)).squeeze(-1)


def power(x: torch.Tensor) -> torch.Tensor:
    """|x|^2 of a complex tensor (cheaper than abs().square(), no square root)."""
    r = torch.view_as_real(x)
    return r[..., 0].square() + r[..., 1].square()


def to_db(power: torch.Tensor, floor_db: float = -100.0) -> torch.Tensor:
    return 10 * torch.log10(power.clamp_min(10 ** (floor_db / 10)))


def white_noise_gain(weights: torch.Tensor, a0: torch.Tensor) -> torch.Tensor:
    """(F,) |w^H a0|^2 / (w^H w), linear."""
    num = (weights.conj() * a0).sum(-1).abs() ** 2
    return num / (weights.abs() ** 2).sum(-1)


def directivity_factor(weights: torch.Tensor, a0: torch.Tensor, gamma: torch.Tensor) -> torch.Tensor:
    """(F,) |w^H a0|^2 / (w^H Gamma w) against a diffuse field of coherence Gamma (F, M, M)."""
    num = (weights.conj() * a0).sum(-1).abs() ** 2
    if gamma.is_complex():
        gw = torch.matmul(gamma, weights.unsqueeze(-1)).squeeze(-1)
    else:  # a real coherence: multiply the real and imaginary parts together, no casting
        wr = torch.view_as_real(weights).to(gamma.dtype)
        gw = torch.view_as_complex(torch.matmul(gamma, wr).to(wr.dtype).contiguous())
        gw = gw.to(weights.dtype)
    return num / (weights.conj() * gw).sum(-1).real.clamp_min(1e-30)


def layout_tensors(layout: Layout, dtype=torch.float64):
    """(positions, alpha, axes, gains) of the enabled microphones, as tensors."""
    alpha, axes = layout.directivity()
    return (as_tensor(layout.positions(enabled_only=True), dtype), as_tensor(alpha, dtype),
            as_tensor(axes, dtype), as_tensor(layout.gains(), dtype))
