"""The restorer's score network: the generator's time-frequency U-Net (diffusion/stft2d.py)
with a wider stem. Besides the noisy clip it sees the damaged clip and the map of what is
missing, all on the same tight-frame grid, so a gap is a band of columns, a low-pass the rows
above a line and a spectral-repair region a rectangle: one network for the three repairs.

The diffusion stays in the waveform domain (EDM preconditioning, Heun), as the generator's:
the frame is a Parseval frame, so the loss and the noise are the same in both domains."""
from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

from studio.models.diffusion.config import NetworkConfig
from studio.models.diffusion.stft2d import Stft2d, _fold, _unfold
from studio.models.diffusion.blocks import unet_trunk
from studio.models.restoration.config import RestorerConfig

# per bin: noisy clip (re, im, log magnitude), damaged clip (re, im, log magnitude), missing
IN_FEATURES = 7


def network_config(cfg: RestorerConfig) -> NetworkConfig:
    return NetworkConfig(kind="stft2d", n_fft=cfg.n_fft, hop=cfg.hop, bin_patch=cfg.bin_patch,
                         frame_patch=cfg.frame_patch, channels=cfg.channels,
                         factors=cfg.factors, time_factors=cfg.time_factors,
                         blocks=cfg.blocks, attention=cfg.attention, heads=cfg.heads,
                         emb=cfg.emb)


def _features(c: torch.Tensor) -> torch.Tensor:
    """(B, 2, bins, frames) coefficients -> with their log magnitude (where partials stand
    out at any phase)."""
    return torch.cat([c, torch.log(c.square().sum(1, keepdim=True) + 1e-4)], dim=1)


class RestoreNet(Stft2d):
    def __init__(self, cfg: RestorerConfig):
        super().__init__(network_config(cfg), num_classes=0, sample_rate=cfg.sample_rate)
        self.stem = nn.Conv2d(IN_FEATURES * math.prod(self.patch), cfg.channels[0], 3,
                              padding=1)

    def forward(self, x: torch.Tensor, c_noise: torch.Tensor, y: torch.Tensor,
                missing: torch.Tensor) -> torch.Tensor:
        """x, y (B, T) noisy and damaged clips (scaled), missing (B, 1, bins, frames) ->
        (B, T)."""
        labels = torch.zeros(x.shape[0], dtype=torch.long, device=x.device)
        emb = self.embed(c_noise, labels, None)
        cx = self.stft.analysis(x.float())
        cy = self.stft.analysis(y.float())
        h = torch.cat([_features(cx), _features(cy), missing.float()], dim=1)
        h = self.stem(_fold(h, *self.patch))
        h = unet_trunk(self, h, emb)
        h = _unfold(self.out(F.silu(self.out_norm(h))), 2, *self.patch)
        return self.stft.synthesis(h.float()).to(x.dtype)
