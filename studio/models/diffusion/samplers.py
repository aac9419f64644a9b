"""Samplers that run the variance-exploding SDE backwards with a denoiser D(x, sigma):

- `euler_maruyama`: the reverse-time SDE, first order, stochastic (Song et al. 2021);
- `heun`: EDM's second-order sampler on the probability-flow ODE, with optional churn
  (Karras et al. 2022, Algorithm 2);
- `dpmpp_2m`: DPM-Solver++(2M), a multistep solver good in 10-20 steps (Lu et al. 2022).

Every sampler takes the noise levels to visit (a descending tensor ending at 0) and draws its
randomness from the generator it is given, so the same seed on the same device gives the same
audio. `invert` runs the ODE the other way, from a clip to its noise latent.
"""
from __future__ import annotations

import math
from typing import Callable

import torch

DenoiseFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
ProgressFn = Callable[[float], None]

SAMPLERS = ("heun", "euler_maruyama", "dpmpp_2m")


def karras_sigmas(steps: int, sigma_min: float, sigma_max: float, rho: float = 7.0,
                  device=None) -> torch.Tensor:
    """`steps` noise levels from sigma_max down to sigma_min, spaced as EDM's eq. 5, then 0."""
    i = torch.arange(steps, dtype=torch.float64) / max(steps - 1, 1)
    lo, hi = sigma_min ** (1 / rho), sigma_max ** (1 / rho)
    s = (hi + i * (lo - hi)) ** rho
    return torch.cat([s, s.new_zeros(1)]).to(device=device, dtype=torch.float32)


def _sigma(x: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
    return s.reshape(1).expand(x.shape[0]).to(x.device)


def _noop(_: float) -> None:
    pass


def _heun_step(denoise: DenoiseFn, x: torch.Tensor, s, s_next) -> torch.Tensor:
    """One step of Heun's method on the probability-flow ODE dx/dsigma = (x - D(x))/sigma,
    from level s to s_next (either way); Euler on a last step to 0."""
    d = (x - denoise(x, _sigma(x, s))) / s
    x_next = x + (s_next - s) * d
    if s_next > 0:  # second-order correction (not on the last step to 0)
        d2 = (x_next - denoise(x_next, _sigma(x, s_next))) / s_next
        x_next = x + (s_next - s) * (d + d2) / 2
    return x_next


@torch.no_grad()
def heun(denoise: DenoiseFn, x: torch.Tensor, sigmas: torch.Tensor,
         generator: torch.Generator | None = None, churn: float = 0.0,
         s_tmin: float = 0.0, s_tmax: float = float("inf"), s_noise: float = 1.0,
         progress: ProgressFn = _noop) -> torch.Tensor:
    n = len(sigmas) - 1
    for i in range(n):
        s, s_next = sigmas[i], sigmas[i + 1]
        gamma = min(churn / n, math.sqrt(2) - 1) if s_tmin <= s <= s_tmax else 0.0
        if gamma > 0:  # churn: add a little noise back, then step from the higher level
            s_hat = s * (1 + gamma)
            eps = torch.randn(x.shape, generator=generator, device=x.device, dtype=x.dtype)
            x = x + (s_hat ** 2 - s ** 2).sqrt() * s_noise * eps
            s = s_hat
        x = _heun_step(denoise, x, s, s_next)
        progress((i + 1) / n)
    return x


@torch.no_grad()
def euler_maruyama(denoise: DenoiseFn, x: torch.Tensor, sigmas: torch.Tensor,
                   generator: torch.Generator | None = None,
                   progress: ProgressFn = _noop) -> torch.Tensor:
    """x <- x + (s^2 - s'^2) score + sqrt(s^2 - s'^2) z: the reverse VE SDE over one step,
    with score = (D(x, s) - x) / s^2; the last step (to 0) adds no noise."""
    n = len(sigmas) - 1
    for i in range(n):
        s, s_next = sigmas[i], sigmas[i + 1]
        var = s ** 2 - s_next ** 2
        denoised = denoise(x, _sigma(x, s))
        x = x + var * (denoised - x) / s ** 2
        if s_next > 0:
            z = torch.randn(x.shape, generator=generator, device=x.device, dtype=x.dtype)
            x = x + var.sqrt() * z
        progress((i + 1) / n)
    return x


@torch.no_grad()
def dpmpp_2m(denoise: DenoiseFn, x: torch.Tensor, sigmas: torch.Tensor,
             generator: torch.Generator | None = None,
             progress: ProgressFn = _noop) -> torch.Tensor:
    """DPM-Solver++(2M) in the log-sigma variable t = -ln(sigma)."""
    n = len(sigmas) - 1
    old = None
    for i in range(n):
        s, s_next = sigmas[i], sigmas[i + 1]
        denoised = denoise(x, _sigma(x, s))
        if s_next == 0:
            x = denoised
        else:
            t, t_next = -s.log(), -s_next.log()
            h = t_next - t
            if old is None:
                d = denoised
            else:
                r = (t - (-sigmas[i - 1].log())) / h
                d = (1 + 1 / (2 * r)) * denoised - (1 / (2 * r)) * old
            x = (s_next / s) * x - torch.expm1(-h) * d
        old = denoised
        progress((i + 1) / n)
    return x


def run_sampler(name: str, denoise: DenoiseFn, x: torch.Tensor, sigmas: torch.Tensor,
                generator: torch.Generator | None = None, churn: float = 0.0,
                progress: ProgressFn = _noop) -> torch.Tensor:
    if name == "heun":
        return heun(denoise, x, sigmas, generator, churn=churn, progress=progress)
    if name == "euler_maruyama":
        return euler_maruyama(denoise, x, sigmas, generator, progress=progress)
    if name == "dpmpp_2m":
        return dpmpp_2m(denoise, x, sigmas, generator, progress=progress)
    raise ValueError(f"unknown sampler {name!r}; choose one of {', '.join(SAMPLERS)}")


def evaluations(name: str, steps: int) -> int:
    """How many network evaluations a sampler makes for `steps` noise levels."""
    return 2 * steps - 1 if name == "heun" else steps


@torch.no_grad()
def invert(denoise: DenoiseFn, x0: torch.Tensor, sigmas_up: torch.Tensor,
           progress: ProgressFn = _noop) -> torch.Tensor:
    """Heun on the probability-flow ODE from a clean clip up the ascending levels `sigmas_up`
    (starting at a small sigma, where x0 is taken as x(sigma)): the deterministic latent that
    `heun` with the same levels reversed maps back to x0. The round trip is exact only in
    the limit of many steps: a step up and a step down have different discretisation errors
    (fixed-point refinement of each step, tried on the bundled model, diverged where the
    learned denoiser is stiff; doubling the steps is what helps)."""
    x = x0
    n = len(sigmas_up) - 1
    for i in range(n):
        x = _heun_step(denoise, x, sigmas_up[i], sigmas_up[i + 1])
        progress((i + 1) / n)
    return x


def slerp(a: torch.Tensor, b: torch.Tensor, t: float) -> torch.Tensor:
    """Spherical interpolation between two noise latents (their norms are nearly equal, and
    a straight line between them would pass through low-norm, unlikely noise)."""
    af, bf = a.flatten(1).double(), b.flatten(1).double()
    cos = (af * bf).sum(1) / (af.norm(dim=1) * bf.norm(dim=1)).clamp_min(1e-12)
    omega = cos.clamp(-1, 1).acos()[:, None]
    so = omega.sin()
    small = so.abs() < 1e-6
    wa = torch.where(small, 1 - t + 0 * so, ((1 - t) * omega).sin() / so.clamp_min(1e-12))
    wb = torch.where(small, t + 0 * so, (t * omega).sin() / so.clamp_min(1e-12))
    return (wa * af + wb * bf).reshape(a.shape).to(a.dtype)


def strength_to_sigma(strength: float, sigma_max: float) -> float:
    """SDEdit strength 0-1 as a VE noise level: strength t is the variance-preserving angle
    t*pi/2 of Dance Diffusion (x = cos a x0 + sin a n), i.e. sigma = tan(t*pi/2) relative to
    the clip, capped at the model's sigma_max."""
    if strength >= 1.0:
        return sigma_max
    return min(math.tan(strength * math.pi / 2), sigma_max)
