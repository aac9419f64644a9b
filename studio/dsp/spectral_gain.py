"""Spectral gains for noise reduction: the decision-directed a priori SNR (Ephraim & Malah
1984) and the MMSE log-spectral amplitude gain (Ephraim & Malah 1985), with the
speech-presence weighting of OM-LSA (Cohen & Berdugo 2001).

The decision-directed recursion xi(t) = a G(t-1)^2 gamma(t-1) + (1-a) max(gamma(t)-1, 0)
runs frame after frame; each step is a handful of vector operations over all bins and
channels at once (`decision_directed_xi`). `decision_directed_xi_jacobi` solves the same
recursion by sweeps over all frames at once (sweep j is exact for the first j frames), for
devices where a per-frame loop costs more than a few extra passes.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from studio.dsp.special import exp1


def lsa_gain(xi: torch.Tensor, gamma: torch.Tensor) -> torch.Tensor:
    v = (xi / (1 + xi) * gamma).clamp(1e-8, 80.0)
    return xi / (1 + xi) * torch.exp(0.5 * exp1(v))


def presence_probability(xi: torch.Tensor, gamma: torch.Tensor, q: float = 0.5) -> torch.Tensor:
    """A posteriori probability of signal presence for a prior absence probability q."""
    v = (xi / (1 + xi) * gamma).clamp(max=80.0)
    return 1.0 / (1.0 + q / (1 - q) * (1 + xi) * torch.exp(-v))


def _shift_frames(x: torch.Tensor, first: torch.Tensor) -> torch.Tensor:
    return torch.cat([first, x[..., :-1]], dim=-1)


def decision_directed_xi(gamma: torch.Tensor, alpha: float = 0.98,
                         xi_min: float = 10 ** -2.5, gain=None) -> torch.Tensor:
    """A priori SNR for a posteriori SNR gamma (..., bins, frames), exact recursion; the
    gain inside the recursion is Wiener's unless given."""
    ml = (gamma - 1).clamp_min(0)
    out = torch.empty_like(gamma)
    prev = torch.full_like(gamma[..., 0], xi_min)
    for t in range(gamma.shape[-1]):
        xi = torch.clamp_min(alpha * prev + (1 - alpha) * ml[..., t], xi_min)
        out[..., t] = xi
        g = xi / (1 + xi) if gain is None else gain(xi, gamma[..., t])
        prev = g * g * gamma[..., t]
    return out


def decision_directed_xi_jacobi(gamma: torch.Tensor, alpha: float = 0.98, xi_min: float = 10 ** -2.5,
                         sweeps: int = 4, gain=lsa_gain) -> torch.Tensor:
    """A priori SNR for a posteriori SNR gamma (..., bins, frames)."""
    ml = (gamma - 1).clamp_min(0)
    xi = torch.maximum(ml, torch.full_like(ml, xi_min))
    first = torch.full_like(gamma[..., :1], xi_min)
    for _ in range(sweeps):
        prev = gain(xi, gamma) ** 2 * gamma
        xi = (alpha * _shift_frames(prev, first) + (1 - alpha) * ml).clamp_min(xi_min)
    return xi


def smooth_bins(x: torch.Tensor, width: int) -> torch.Tensor:
    """Moving average over the frequency axis (..., bins, frames)."""
    if width <= 1:
        return x
    shape = x.shape
    y = x.movedim(-2, -1).reshape(-1, 1, shape[-2])
    y = F.avg_pool1d(F.pad(y, (width // 2, width - 1 - width // 2), mode="replicate"),
                     width, 1)
    return y.reshape(*shape[:-2], shape[-1], shape[-2]).movedim(-1, -2)
