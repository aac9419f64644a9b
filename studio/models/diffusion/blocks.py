"""The building blocks both score networks share, for 1-D (waveform: channels x time) and 2-D
(spectrogram: channels x frequency x time) maps: the noise-level embedding, a residual block
whose normalisation is modulated by the noise/class embedding (FiLM, as in the ADM/EDM
U-Nets), self-attention over every position, and a level of blocks that keeps its outputs as
the U-Net's skips. On a 2-D map the dilated convolution dilates time only."""
from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F


def _groups(ch: int) -> int:
    for g in (32, 16, 8, 4, 2):
        if ch % g == 0 and ch // g >= 2:
            return g
    return 1


def _conv(dims: int):
    return nn.Conv1d if dims == 1 else nn.Conv2d


class FourierEmbedding(nn.Module):
    """Random Fourier features of the (log) noise level (EDM's noise embedding)."""

    def __init__(self, dim: int, scale: float = 16.0):
        super().__init__()
        self.register_buffer("freqs", torch.randn(dim // 2, generator=torch.Generator()
                                                  .manual_seed(0)) * scale)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.float()[:, None] * self.freqs[None, :] * (2 * math.pi)
        return torch.cat([x.cos(), x.sin()], dim=1)


class CondEmbedding(nn.Module):
    """Continuous conditioning values (each in about [0, 1]; pitch, for instance) into the
    embedding: random Fourier features of every value, so that the network can respond
    sharply to small changes (a semitone is 0.014 of the pitch range), then an MLP whose last
    layer starts at zero, so that adding conditioning to a trained model starts from exactly
    that model."""

    def __init__(self, dims: int, emb: int, features: int = 64, scale: float = 8.0):
        super().__init__()
        g = torch.Generator().manual_seed(1)
        self.register_buffer("freqs", torch.randn(dims, features // 2, generator=g) * scale)
        self.mlp = nn.Sequential(nn.Linear(dims * features, emb), nn.SiLU(),
                                 nn.Linear(emb, emb))
        nn.init.zeros_(self.mlp[-1].weight)
        nn.init.zeros_(self.mlp[-1].bias)

    def forward(self, cond: torch.Tensor) -> torch.Tensor:
        x = cond.float()[:, :, None] * self.freqs[None] * (2 * math.pi)
        return self.mlp(torch.cat([x.cos(), x.sin()], dim=2).flatten(1))


class ResBlock(nn.Module):
    def __init__(self, cin: int, cout: int, emb: int, dropout: float, dilation: int = 1,
                 dims: int = 1):
        super().__init__()
        conv = _conv(dims)
        along_time = dilation if dims == 1 else (1, dilation)  # (padding = dilation for 3)
        self.dims = dims
        self.norm1 = nn.GroupNorm(_groups(cin), cin)
        self.conv1 = conv(cin, cout, 3, padding=along_time, dilation=along_time)
        self.film = nn.Linear(emb, 2 * cout)
        self.norm2 = nn.GroupNorm(_groups(cout), cout)
        self.drop = nn.Dropout(dropout)
        self.conv2 = conv(cout, cout, 3, padding=1)
        nn.init.zeros_(self.conv2.weight)  # each block starts as the identity
        nn.init.zeros_(self.conv2.bias)
        self.skip = conv(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        h = self.conv1(F.silu(self.norm1(x)))
        film = self.film(emb)
        scale, shift = film.reshape(*film.shape, *([1] * self.dims)).chunk(2, dim=1)
        h = F.silu(self.norm2(h) * (1 + scale) + shift)
        h = self.conv2(self.drop(h))
        return (self.skip(x) + h) / math.sqrt(2)


class Attention(nn.Module):
    """Multi-head self-attention over every position of the map."""

    def __init__(self, ch: int, heads: int, dims: int = 1):
        super().__init__()
        conv = _conv(dims)
        self.heads = heads
        self.norm = nn.GroupNorm(_groups(ch), ch)
        self.qkv = conv(ch, 3 * ch, 1)
        self.out = conv(ch, ch, 1)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c = x.shape[:2]
        q, k, v = (self.qkv(self.norm(x)).reshape(b, 3, self.heads, c // self.heads, -1)
                   .transpose(-1, -2).unbind(1))
        h = F.scaled_dot_product_attention(q, k, v).transpose(-1, -2).reshape(x.shape)
        return (x + self.out(h)) / math.sqrt(2)


class Level(nn.Module):
    """The residual blocks (and attention) of one resolution."""

    def __init__(self, cin: int, cout: int, n: int, emb: int, dropout: float, attn: bool,
                 heads: int, dims: int = 1):
        super().__init__()
        self.blocks = nn.ModuleList(
            ResBlock(cin if i == 0 else cout, cout, emb, dropout, dilation=1 + 2 * (i % 2),
                     dims=dims)
            for i in range(n))
        self.attn = nn.ModuleList(Attention(cout, heads, dims) if attn else nn.Identity()
                                  for _ in range(n))

    def forward(self, x, emb, skips: list | None = None, take: list | None = None):
        for block, attn in zip(self.blocks, self.attn):
            if take is not None:
                x = torch.cat([x, take.pop()], dim=1)
            x = attn(block(x, emb))
            if skips is not None:
                skips.append(x)
        return x


def unet_trunk(net: nn.Module, h: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
    """The U-Net between stem and output head: `net.down` levels (each followed by one of
    `net.samplers_down` but the last) keep their outputs as skips, `net.mid`, then each of
    `net.up`'s groups of levels takes the skips back in reverse, followed by one of
    `net.samplers_up` but the last."""
    skips: list[torch.Tensor] = [h]
    for i, level in enumerate(net.down):
        h = level(h, emb, skips)
        if i < len(net.samplers_down):
            h = net.samplers_down[i](h)
            skips.append(h)
    h = net.mid(h, emb)
    for j, blocks in enumerate(net.up):
        for block in blocks:
            h = block(h, emb, take=skips)
        if j < len(net.samplers_up):
            h = net.samplers_up[j](h)
    return h


class ScoreNet(nn.Module):
    """What every score network shares: the embedding of the noise level, the class (the
    last row: unconditional) and optional continuous conditioning that every level's FiLM
    reads."""

    def init_embedding(self, cfg, num_classes: int, e: int) -> None:
        self.noise_emb = FourierEmbedding(e)
        self.class_emb = nn.Embedding(num_classes + 1, e)
        self.cond_proj = CondEmbedding(cfg.cond_dim, e) if cfg.cond_dim else None
        self.emb_mlp = nn.Sequential(nn.Linear(e, e), nn.SiLU(), nn.Linear(e, e))

    def embed(self, c_noise, labels, cond):
        e = self.noise_emb(c_noise) + self.class_emb(labels)
        if self.cond_proj is not None:
            # no values given: the all-zero "absent" values training substitutes at times
            if cond is None:
                cond = c_noise.new_zeros(c_noise.shape[0], self.cfg.cond_dim)
            e = e + self.cond_proj(cond)
        return self.emb_mlp(e)
