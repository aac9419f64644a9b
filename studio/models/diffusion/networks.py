"""The score networks a config may name. A new kind (a spectrogram-domain network, say) is a
class with the same forward(x, c_noise, labels, cond) signature added here (stft2d is one); the
preconditioning, samplers, trainer and operations never see the difference."""
from __future__ import annotations

from torch import nn

from studio.errors import StudioError
from studio.models.diffusion.config import ModelConfig
from studio.models.diffusion.stft2d import Stft2d
from studio.models.diffusion.unet1d import UNet1d

NETWORKS = {"unet1d": UNet1d, "stft2d": Stft2d}


def build_network(cfg: ModelConfig) -> nn.Module:
    try:
        kind = NETWORKS[cfg.network.kind]
    except KeyError:
        raise StudioError(f"unknown network kind {cfg.network.kind!r} "
                          f"(this app knows {', '.join(NETWORKS)})") from None
    if cfg.audio.length % cfg.stride():
        raise StudioError(f"clip length {cfg.audio.length} is not a multiple of the network's "
                          f"stride {cfg.stride()}")
    try:
        return kind(cfg.network, len(cfg.audio.classes), cfg.audio.sample_rate)
    except ValueError as e:  # a config whose fields do not fit together
        raise StudioError(f"network config does not fit: {e}") from None
