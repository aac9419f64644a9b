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

from studio.models.diffusion.config import NetworkConfig


def _groups(ch: int) -> int:
    for g in (32, 16, 8, 4, 2):
        if ch % g == 0 and ch // g >= 2:
            return g
    return 1


class FourierEmbedding(nn.Module):
    """Random Fourier features of the (log) noise level (EDM's noise embedding)."""

    def __init__(self, dim: int, scale: float = 16.0):
        super().__init__()
        self.register_buffer("freqs", torch.randn(dim // 2, generator=torch.Generator()
                                                  .manual_seed(0)) * scale)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.float()[:, None] * self.freqs[None, :] * (2 * math.pi)
        return torch.cat([x.cos(), x.sin()], dim=1)


class ResBlock(nn.Module):
    def __init__(self, cin: int, cout: int, emb: int, dropout: float, dilation: int = 1):
        super().__init__()
        self.norm1 = nn.GroupNorm(_groups(cin), cin)
        self.conv1 = nn.Conv1d(cin, cout, 3, padding=dilation, dilation=dilation)
        self.film = nn.Linear(emb, 2 * cout)
        self.norm2 = nn.GroupNorm(_groups(cout), cout)
        self.drop = nn.Dropout(dropout)
        self.conv2 = nn.Conv1d(cout, cout, 3, padding=1)
        nn.init.zeros_(self.conv2.weight)  # each block starts as the identity
        nn.init.zeros_(self.conv2.bias)
        self.skip = nn.Conv1d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        h = self.conv1(F.silu(self.norm1(x)))
        scale, shift = self.film(emb)[:, :, None].chunk(2, dim=1)
        h = F.silu(self.norm2(h) * (1 + scale) + shift)
        h = self.conv2(self.drop(h))
        return (self.skip(x) + h) / math.sqrt(2)


class Attention(nn.Module):
    def __init__(self, ch: int, heads: int):
        super().__init__()
        self.heads = heads
        self.norm = nn.GroupNorm(_groups(ch), ch)
        self.qkv = nn.Conv1d(ch, 3 * ch, 1)
        self.out = nn.Conv1d(ch, ch, 1)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, t = x.shape
        q, k, v = self.qkv(self.norm(x)).reshape(b, 3, self.heads, c // self.heads, t).unbind(1)
        h = F.scaled_dot_product_attention(q.transpose(-1, -2), k.transpose(-1, -2),
                                           v.transpose(-1, -2))
        return (x + self.out(h.transpose(-1, -2).reshape(b, c, t))) / math.sqrt(2)


class Level(nn.Module):
    """The residual blocks (and attention) of one resolution."""

    def __init__(self, cin: int, cout: int, n: int, emb: int, dropout: float, attn: bool,
                 heads: int):
        super().__init__()
        self.blocks = nn.ModuleList(
            ResBlock(cin if i == 0 else cout, cout, emb, dropout, dilation=1 + 2 * (i % 2))
            for i in range(n))
        self.attn = nn.ModuleList(Attention(cout, heads) if attn else nn.Identity()
                                  for _ in range(n))

    def forward(self, x, emb, skips: list | None = None, take: list | None = None):
        for block, attn in zip(self.blocks, self.attn):
            if take is not None:
                x = torch.cat([x, take.pop()], dim=1)
            x = attn(block(x, emb))
            if skips is not None:
                skips.append(x)
        return x


class UNet1d(nn.Module):
    """score-network interface: forward(x, c_noise, labels, cond) -> same shape as x, where
    x is (batch, 1, samples), c_noise (batch,), labels (batch,) long with `num_classes`
    meaning "no class", cond (batch, cond_dim) or None."""

    def __init__(self, cfg: NetworkConfig, num_classes: int):
        super().__init__()
        self.cfg, self.num_classes = cfg, num_classes
        ch, n, e = cfg.channels, cfg.blocks, cfg.emb
        self.noise_emb = FourierEmbedding(e)
        self.class_emb = nn.Embedding(num_classes + 1, e)  # the last row: unconditional
        self.cond_proj = nn.Linear(cfg.cond_dim, e) if cfg.cond_dim else None
        self.emb_mlp = nn.Sequential(nn.Linear(e, e), nn.SiLU(), nn.Linear(e, e))
        self.stem = nn.Conv1d(cfg.patch, ch[0], 3, padding=1)
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
        self.out = nn.Conv1d(ch[0], cfg.patch, 3, padding=1)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def embed(self, c_noise, labels, cond):
        e = self.noise_emb(c_noise) + self.class_emb(labels)
        if self.cond_proj is not None and cond is not None:
            e = e + self.cond_proj(cond)
        return self.emb_mlp(e)

    def forward(self, x: torch.Tensor, c_noise: torch.Tensor, labels: torch.Tensor,
                cond: torch.Tensor | None = None) -> torch.Tensor:
        b, _, t = x.shape
        p = self.cfg.patch
        emb = self.embed(c_noise, labels, cond)
        # fold: sample j of patch i goes to channel j, frame i
        h = self.stem(x.reshape(b, t // p, p).transpose(1, 2))
        skips: list[torch.Tensor] = [h]
        for i, level in enumerate(self.down):
            h = level(h, emb, skips)
            if i < len(self.samplers_down):
                h = self.samplers_down[i](h)
                skips.append(h)
        h = self.mid(h, emb)
        for j, blocks in enumerate(self.up):
            for block in blocks:
                h = block(h, emb, take=skips)
            if j < len(self.samplers_up):
                h = self.samplers_up[j](h)
        h = self.out(F.silu(self.out_norm(h)))
        return h.transpose(1, 2).reshape(b, 1, t)
