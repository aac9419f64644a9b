"""EDM preconditioning and loss (Karras et al. 2022, "Elucidating the design space of
diffusion-based generative models"), around any score network.

The denoiser D(x; sigma) = c_skip x + c_out F(c_in x; c_noise) is what the samplers call;
its score is (D(x; sigma) - x) / sigma^2. Training draws ln(sigma) ~ N(p_mean, p_std^2) and
weights the squared error by lambda(sigma) = (sigma^2 + sigma_data^2) / (sigma sigma_data)^2,
which makes every noise level's loss start at about one.
"""
from __future__ import annotations

import torch
from torch import nn

from studio.models.diffusion.config import ModelConfig
from studio.models.diffusion.networks import build_network


def edm_scalings(sigma: torch.Tensor, sd: float):
    """EDM's preconditioning (their Table 1) for noise levels `sigma` (any shape) and data
    std `sd`: c_skip, c_out, c_in, and the network's noise input c_noise (flattened)."""
    c_skip = sd ** 2 / (sigma ** 2 + sd ** 2)
    c_out = sigma * sd / (sigma ** 2 + sd ** 2).sqrt()
    c_in = 1 / (sd ** 2 + sigma ** 2).sqrt()
    return c_skip, c_out, c_in, sigma.log().flatten() / 4


class Denoiser(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        self.net = build_network(cfg)
        self.num_classes = len(cfg.audio.classes)

    @property
    def sigma_data(self) -> float:
        return self.cfg.diffusion.sigma_data

    def unconditional_labels(self, n: int, device) -> torch.Tensor:
        return torch.full((n,), self.num_classes, dtype=torch.long, device=device)

    def forward(self, x: torch.Tensor, sigma: torch.Tensor, labels: torch.Tensor | None = None,
                cond: torch.Tensor | None = None) -> torch.Tensor:
        sd = self.sigma_data
        sigma = sigma.to(x.dtype).reshape(-1, 1, 1).expand(x.shape[0], 1, 1)
        if labels is None:
            labels = self.unconditional_labels(x.shape[0], x.device)
        c_skip, c_out, c_in, c_noise = edm_scalings(sigma, sd)
        f = self.net(c_in * x, c_noise, labels, cond)
        return c_skip * x + c_out * f.to(x.dtype)

    def guided(self, x: torch.Tensor, sigma: torch.Tensor, labels: torch.Tensor | None,
               guidance: float = 1.0, cond: torch.Tensor | None = None,
               guide_values: bool = False) -> torch.Tensor:
        """Classifier-free guidance (Ho & Salimans 2022): the conditional denoiser pushed away
        from the unconditional one by `guidance` (1 = plain conditional). The unconditional
        branch drops the class, and with `guide_values` the conditioning values too (all
        zeros: "absent", as training drops them), so that guidance strengthens the pitch as
        well as the class."""
        guide_cond = guide_values and cond is not None
        if (labels is None and not guide_cond) or guidance == 1.0:
            return self(x, sigma, labels, cond)
        n = x.shape[0]
        uncond = self.unconditional_labels(n, x.device)
        cond_u = torch.zeros_like(cond) if guide_cond else cond
        both = self(torch.cat([x, x]), torch.cat([sigma.reshape(-1).expand(n)] * 2),
                    torch.cat([uncond if labels is None else labels, uncond]),
                    None if cond is None else torch.cat([cond, cond_u]))
        d_cond, d_uncond = both.chunk(2)
        return d_uncond + guidance * (d_cond - d_uncond)


def edm_loss(model: Denoiser, x0: torch.Tensor, labels: torch.Tensor,
             generator: torch.Generator, cond: torch.Tensor | None = None,
             forward=None, part: slice | None = None) -> torch.Tensor:
    """The weighted denoising loss of one batch; randomness only from `generator`, so a
    resumed run draws exactly what an uninterrupted one would. `forward` calls the model
    through a wrapper (DistributedDataParallel, which all-reduces the gradients). With `part`,
    the draws are made for the whole (global) batch and only that slice of it is run: each
    process of a distributed run takes its slice of what one process would have drawn."""
    d = model.cfg.diffusion
    b = x0.shape[0]
    rnd = torch.randn(b, generator=generator, device=x0.device)
    sigma = (rnd * d.p_std + d.p_mean).exp()
    noise = torch.randn(x0.shape, generator=generator, device=x0.device)
    # classifier-free guidance needs the model to know the unconditional case too
    drop = torch.rand(b, generator=generator, device=x0.device) < d.cond_drop
    labels = torch.where(drop, torch.full_like(labels, model.num_classes), labels)
    if cond is not None:  # zeros are "absent": the model must also do without them
        keep = torch.rand(b, generator=generator, device=x0.device) >= d.values_drop
        cond = cond * keep[:, None].to(cond.dtype)
    if part is not None:
        x0, sigma, noise, labels = x0[part], sigma[part], noise[part], labels[part]
        cond = None if cond is None else cond[part]
    weight = (sigma ** 2 + d.sigma_data ** 2) / (sigma * d.sigma_data) ** 2
    denoised = (forward or model)(x0 + noise * sigma.reshape(-1, 1, 1), sigma, labels, cond)
    per_clip = (denoised.float() - x0).square().mean(dim=(1, 2))
    return (weight * per_clip).mean()
