"""Spectral gains for noise reduction: the decision-directed a priori SNR (Ephraim & Malah
1984) and the MMSE log-spectral amplitude gain (Ephraim & Malah 1985), with the
speech-presence weighting of OM-LSA (Cohen & Berdugo 2001).

The decision-directed recursion xi(t) = a G(t-1)^2 gamma(t-1) + (1-a) max(gamma(t)-1, 0)
runs frame after frame; each step is a handful of vector operations over all bins and
channels at once (`decision_directed_xi`). `decision_directed_xi_jacobi` solves the same
recursion by sweeps over all frames at once (sweep j is exact for the first j frames), for
devices where a per-frame loop costs more than a few extra passes.

`stein_risk` estimates, from the noisy signal and the noise spectrum alone, the squared
error that a gain leaves against the unknown clean signal (Stein's unbiased risk estimate),
so that settings such as the frame size can be chosen per signal by the error they leave.
"""
from __future__ import annotations

import numpy as np
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
    gain inside the recursion is Wiener's unless given. With Wiener's gain the recursion
    runs in numpy on one contiguous (frames, channels*bins) float32 array: a handful of
    in-place vector operations per frame, where torch's per-call overhead dominated."""
    if gain is not None or gamma.device.type != "cpu":
        return _decision_directed_torch(gamma, alpha, xi_min, gain)
    shape = gamma.shape
    g = np.ascontiguousarray(gamma.detach().reshape(-1, shape[-1]).T.numpy(), np.float32)
    ml = np.maximum(g - 1, 0) * np.float32(1 - alpha)  # (frames, K), already weighted
    out = np.empty_like(g)
    prev = np.full(g.shape[1], xi_min, np.float32)
    a = np.float32(alpha)
    xi = np.empty_like(prev)
    den = np.empty_like(prev)
    for t in range(g.shape[0]):
        np.multiply(prev, a, out=xi)
        xi += ml[t]
        np.maximum(xi, xi_min, out=xi)
        out[t] = xi
        # Wiener gain G = xi / (1 + xi); the next frame's prior is G^2 * gamma
        np.add(xi, 1, out=den)
        np.divide(xi, den, out=prev)
        prev *= prev
        prev *= g[t]
    return torch.from_numpy(out.T.reshape(shape)).to(gamma.dtype)


def _decision_directed_torch(gamma, alpha, xi_min, gain):
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


def box_smooth(x: torch.Tensor, bins: int, frames: int) -> torch.Tensor:
    """Centred moving average over (bins, frames) of x (..., bins, frames)."""
    if bins <= 1 and frames <= 1:
        return x
    shape = x.shape
    y = x.reshape(-1, 1, shape[-2], shape[-1])
    pad = (frames // 2, frames - 1 - frames // 2, bins // 2, bins - 1 - bins // 2)
    y = F.avg_pool2d(F.pad(y, pad, mode="replicate"), (bins, frames), 1)
    return y.reshape(shape)


def two_step_xi(xi: torch.Tensor, gamma: torch.Tensor) -> torch.Tensor:
    """Second step of two-step noise reduction (Plapous, Marro & Scalart 2006): the
    decision-directed estimate lags the signal by a frame (and overestimates just after an
    offset); the a priori SNR is re-estimated as G(xi)^2 gamma from the first gain applied
    to the current frame, which removes the lag without the variance of gamma alone."""
    g1 = xi / (1 + xi)
    return g1 * g1 * gamma


def stein_risk(noisy: torch.Tensor, estimate: torch.Tensor, gain: torch.Tensor,
               noise_psd: torch.Tensor, n_fft: int, hop: int) -> torch.Tensor:
    """Stein's unbiased estimate of ||estimate - clean||^2 per channel, for an estimate
    made by applying `gain` (..., bins, frames) to the Hann STFT of `noisy` (..., samples),
    with Gaussian noise of power `noise_psd` (bins, 1) per STFT coefficient.

    SURE = ||f(y) - y||^2 + 2 tr(C df/dy) - tr(C). With the gain taken as fixed (in the
    decision-directed estimates a coefficient weighs little in its own gain), f is linear
    and the trace is a sum over coefficients of g * lambda times the share of the identity
    each coefficient carries: with hop = n_fft / 4 and bins 1 .. n_fft/2 - 1 counted once
    (DC and Nyquist half), sum over coefficients of that share is the number of samples,
    i.e. 2 hop / n_fft per coefficient, and lambda / (3/8 n_fft) is the noise variance per
    sample it stands for (Hann: sum w^2 = 3/8 n_fft)."""
    weight = torch.ones(gain.shape[-2], 1, dtype=gain.dtype, device=gain.device)
    weight[0] = weight[-1] = 0.5
    share = (2 * hop / n_fft) / (0.375 * n_fft)
    trace = share * ((2 * gain - 1) * noise_psd * weight).sum(dim=(-2, -1))
    return ((estimate - noisy) ** 2).sum(-1) + trace
