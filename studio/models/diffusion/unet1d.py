"""A 1-D U-Net score network on the waveform.

The waveform is first folded into `patch` channels (a lossless reshape, as in
audio-diffusion-pytorch's patching), so the finest level already runs at sample_rate/patch
frames: on a CPU that is what makes training and sampling affordable. Each level has residual
blocks whose normalisation is modulated by the noise/class embedding (FiLM, as in the
ADM/EDM U-Nets); the coarsest levels add self-attention, which is where a clip's global
shape (attack, decay) is decided.
"""
from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

from studio.models.diffusion import pitch
from studio.models.diffusion.blocks import Level, ScoreNet, _groups, unet_trunk
from studio.models.diffusion.config import NetworkConfig


def positions(n: int, frames: int, frame_rate: float, like: torch.Tensor) -> torch.Tensor:
    """(1, n, frames) absolute time: seconds from the start / 4, then sines and cosines of it
    at periods of 0.08 s, 0.32 s, 1.28 s, 5.12 s, ... (as many pairs as n - 1 allows)."""
    t = torch.arange(frames, device=like.device, dtype=torch.float32) / frame_rate
    rows = [t / 4]
    k = 0
    while len(rows) < n:
        w = 2 * math.pi / (0.08 * 4 ** (k // 2))
        rows.append(torch.sin(w * t) if k % 2 == 0 else torch.cos(w * t))
        k += 1
    return torch.stack(rows[:n])[None].to(like.dtype)


class UNet1d(ScoreNet):
    """score-network interface: forward(x, c_noise, labels, cond) -> same shape as x, where
    x is (batch, features, samples) (features 1 for a waveform), c_noise (batch,), labels
    (batch,) long with `num_classes`
    meaning "no class", cond (batch, cond_dim) or None."""

    def __init__(self, cfg: NetworkConfig, num_classes: int, sample_rate: int = 16000):
        super().__init__()
        self.cfg, self.num_classes, self.sample_rate = cfg, num_classes, sample_rate
        ch, n, e = cfg.channels, cfg.blocks, cfg.emb
        if cfg.pitch_taps and cfg.cond_dim < 2:
            raise ValueError("pitch_taps needs the pitch conditioning (cond_dim 2)")
        self.init_embedding(cfg, num_classes, e)
        # the waveform, and with pitch taps its copies whole periods away, each patched
        self.stem = nn.Conv1d(cfg.patch * cfg.features * (1 + 2 * cfg.pitch_taps)
                              + cfg.positions, ch[0], 3, padding=1)
        self.down = nn.ModuleList()
        self.samplers_down = nn.ModuleList()
        widths = [ch[0]]  # the width of every skip the encoder keeps, in push order
        for i, c in enumerate(ch):
            self.down.append(Level(ch[i - 1] if i else ch[0], c, n, e, cfg.dropout,
                                   i in cfg.attention, cfg.heads))
            widths += [c] * n
            if i < len(ch) - 1:
                f = cfg.factors[i]
                self.samplers_down.append(nn.Conv1d(c, c, 2 * f, stride=f, padding=f // 2))
                widths.append(c)
        self.mid = Level(ch[-1], ch[-1], 2, e, cfg.dropout, True, cfg.heads)
        self.up = nn.ModuleList()
        self.samplers_up = nn.ModuleList()
        h = ch[-1]
        for i in reversed(range(len(ch))):
            c = ch[i]
            # the decoder has n + 1 blocks per level, each fed the next skip
            blocks = nn.ModuleList()
            for _ in range(n + 1):
                blocks.append(Level(h + widths.pop(), c, 1, e, cfg.dropout,
                                    i in cfg.attention, cfg.heads))
                h = c
            self.up.append(blocks)
            if i > 0:
                f = cfg.factors[i - 1]
                self.samplers_up.append(nn.ConvTranspose1d(c, c, 2 * f, stride=f,
                                                           padding=f // 2))
        assert not widths
        self.out_norm = nn.GroupNorm(_groups(ch[0]), ch[0])
        self.out = nn.Conv1d(ch[0], cfg.patch * cfg.features, 3, padding=1)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(self, x: torch.Tensor, c_noise: torch.Tensor, labels: torch.Tensor,
                cond: torch.Tensor | None = None) -> torch.Tensor:
        b, _, t = x.shape
        p = self.cfg.patch
        emb = self.embed(c_noise, labels, cond)
        if self.cfg.pitch_taps:
            hz = pitch.decode(cond) if cond is not None else x.new_zeros(b)
            x_in = torch.cat([x, pitch.period_taps(x, hz, self.sample_rate,
                                                   self.cfg.pitch_taps)], dim=1)
        else:
            x_in = x
        # fold: sample j of patch i of input channel c goes to channel c * p + j, frame i
        c = x_in.shape[1]
        folded = x_in.reshape(b, c, t // p, p).transpose(2, 3).reshape(b, c * p, t // p)
        if self.cfg.positions:
            folded = torch.cat([folded, positions(self.cfg.positions, t // p,
                                                  self.cfg.frame_rate / p, x)
                                .expand(b, -1, -1)], dim=1)
        h = self.stem(folded)
        h = unet_trunk(self, h, emb)
        h = self.out(F.silu(self.out_norm(h)))
        # unfold: channel c * p + j, frame i -> feature c, sample i * p + j
        f = self.cfg.features
        return h.reshape(b, f, p, t // p).transpose(2, 3).reshape(b, f, t)
