"""The restorer: EDM's preconditioned denoiser around RestoreNet, with the damaged clip and
its missing map as conditions and data consistency on every estimate; its training loss; and
its sampler (EDM's Heun on the probability-flow ODE, 4-16 steps)."""
from __future__ import annotations

from typing import Callable

import torch
from torch import nn

from studio.models.diffusion.edm import edm_scalings
from studio.models.diffusion.samplers import heun, karras_sigmas
from studio.models.restoration.config import RestorerConfig
from studio.models.restoration.damage import Damage, keep_known, missing_map
from studio.models.restoration.network import RestoreNet


class Restorer(nn.Module):
    def __init__(self, cfg: RestorerConfig):
        super().__init__()
        self.cfg = cfg
        self.net = RestoreNet(cfg)

    @property
    def stft(self):
        return self.net.stft

    def condition(self, y: torch.Tensor, d: Damage) -> tuple[torch.Tensor, torch.Tensor]:
        """The damaged clip as the network sees it (the missing part zeroed, whatever the
        recording had there) and its missing map."""
        y = keep_known(self.stft, torch.zeros_like(y), y, d, self.cfg.sample_rate)
        return y, missing_map(self.stft, d, self.cfg.sample_rate)

    def forward(self, x: torch.Tensor, sigma: torch.Tensor, y: torch.Tensor,
                missing: torch.Tensor, d: Damage) -> torch.Tensor:
        """D(x; sigma): the clean clip's estimate from the noisy `x` (B, T), with the known
        part of `y` put back."""
        sigma = sigma.to(x.dtype).reshape(-1, 1).expand(x.shape[0], 1)
        c_skip, c_out, c_in, c_noise = edm_scalings(sigma, self.cfg.sigma_data)
        f = self.net(c_in * x, c_noise, y, missing)
        return keep_known(self.stft, c_skip * x + c_out * f, y, d, self.cfg.sample_rate)


def restoration_loss(model: Restorer, x0: torch.Tensor, d: Damage,
                     generator: torch.Generator) -> torch.Tensor:
    """EDM's weighted denoising loss over the missing part only (the known part is put back,
    so its error is zero), divided by the share missing, so that a clip with a 20 ms gap
    weighs as much as one with half of its band gone."""
    cfg = model.cfg
    b = x0.shape[0]
    sigma = (torch.randn(b, generator=generator) * cfg.p_std + cfg.p_mean).exp()
    noise = torch.randn(x0.shape, generator=generator)
    y, missing = model.condition(x0, d)
    est = model(x0 + sigma[:, None] * noise, sigma, y, missing, d)
    weight = (sigma ** 2 + cfg.sigma_data ** 2) / (sigma * cfg.sigma_data) ** 2
    share = missing.mean(dim=(1, 2, 3)).clamp_min(1e-3)
    err = (est - x0).square().mean(dim=1) / share
    return (weight * err).mean()


@torch.no_grad()
def restore(model: Restorer, y: torch.Tensor, d: Damage, steps: int = 8,
            generator: torch.Generator | None = None,
            progress: Callable[[float], None] = lambda f: None,
            init: torch.Tensor | None = None, start_sigma: float = 0.0) -> torch.Tensor:
    """Sample the whole clips given damaged `y` (B, T), already scaled (known part at about
    sigma_data rms): Heun over `steps` noise levels, data consistency at every estimate.

    With `init` (a first fill, e.g. the classical one) and `start_sigma`, the sampler starts
    from that fill noised to `start_sigma` instead of from pure noise (SDEdit, Meng et al.
    2022): what the fill got right at scales the noise does not drown (the phase of the
    partials it continued from both sides) is kept, and the model redraws the rest."""
    cfg = model.cfg
    yc, missing = model.condition(y, d)
    top = start_sigma if init is not None and 0 < start_sigma < cfg.sigma_max else cfg.sigma_max
    sig = karras_sigmas(steps, cfg.sigma_min, top, device=y.device)
    x = torch.randn(y.shape, generator=generator, device=y.device) * sig[0]
    if init is not None and top < cfg.sigma_max:
        x = x + init

    def denoise(xx, s):
        return model(xx, s, yc, missing, d)

    out = heun(lambda xx, s: denoise(xx[:, 0], s)[:, None], x[:, None], sig,
               generator=generator, progress=progress)[:, 0]
    return keep_known(model.stft, out, y, d, cfg.sample_rate)
