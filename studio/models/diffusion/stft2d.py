"""A time-frequency score network: a 2-D U-Net over the STFT of the noisy waveform.

The diffusion itself stays in the waveform domain (same SDE, preconditioning and samplers);
only the network looks at the clip through a tight frame, in the spirit of CQT-diff (Moliner
et al. 2023). A sustained harmonic partial is a horizontal line there, which 2-D convolutions
can continue and share across pitch, where a waveform U-Net has to build every sinusoid from
local convolutions of 2 ms patches.

The frame: frames every `hop` samples, read circularly (the clip's end wraps to its start, so
every sample lies under exactly n_fft/hop windows and there are length/hop frames), a periodic
Hann window scaled so that the squared windows sum to one, the DFT divided by sqrt(n_fft) and
the bins between DC and Nyquist multiplied by sqrt(2) (each stands for its mirror too). With
that scaling the analysis A is a Parseval frame on the real and imaginary parts (A^T A = I), so
white noise stays white with the same variance in every coefficient, and the synthesis A^T
(the network's way back) is both the exact inverse on real spectrograms and the orthogonal
projection of whatever the network outputs onto them. The Nyquist bin (real for a real
signal) rides in the imaginary part of the DC bin, which leaves n_fft/2 bins: a power of two.
"""
from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

from studio.models.diffusion.blocks import Level, ScoreNet, _groups, unet_trunk
from studio.models.diffusion.config import NetworkConfig


class Stft(nn.Module):
    """The tight frame: analysis (B, T) -> (B, 2, n_fft/2, T/hop) real/imag; synthesis back."""

    def __init__(self, n_fft: int, hop: int):
        super().__init__()
        if n_fft % hop or n_fft // hop < 2:
            raise ValueError(f"n_fft {n_fft} must be a multiple (>= 2) of hop {hop}")
        self.n_fft, self.hop = n_fft, hop
        # on the CPU explicitly: a loader builds the network on torch's meta device to
        # compare shapes with the weights first, and this check needs real numbers
        w = torch.hann_window(n_fft, periodic=True, dtype=torch.float64, device="cpu")
        # the sum of the squared windows over all hops is constant (Hann at overlaps of 2 or
        # more windows); divide it out so that sum_m w^2(n - m hop) = 1
        envelope = (w ** 2).reshape(n_fft // hop, hop).sum(0)
        if (envelope.max() - envelope.min()) > 1e-9 * envelope.mean():
            raise ValueError(f"a Hann window of {n_fft} at hop {hop} is no tight frame; "
                             f"use a hop of n_fft/3 or less")
        w = w / envelope.mean().sqrt()
        # one-sided spectrum: the inner bins stand for two (themselves and their mirror)
        scale = torch.full((n_fft // 2 + 1,), math.sqrt(2.0), dtype=torch.float64, device="cpu")
        scale[0] = scale[-1] = 1.0
        scale = scale / math.sqrt(n_fft)
        # irfft counts the inner bins twice (as themselves and their mirror) and divides by
        # n_fft; the adjoint wants each once
        synth = scale * n_fft * torch.where(scale == scale[0], 1.0, 0.5)
        # kept in float64 (not saved: they follow from n_fft and hop), cast to the input's
        self.register_buffer("window", w, persistent=False)
        self.register_buffer("scale", scale, persistent=False)
        self.register_buffer("synth_scale", synth, persistent=False)

    def analysis(self, x: torch.Tensor) -> torch.Tensor:
        n, h = self.n_fft, self.hop
        t = x.shape[-1]
        if t % h or t < n:
            raise ValueError(f"length {t} is not a multiple of the hop {h} of at least "
                             f"n_fft {n}")
        # frame m covers samples m*hop - n/2 ... m*hop + n/2 - 1, read circularly
        xp = torch.cat([x[..., t - n // 2:], x, x[..., : n // 2 - h]], dim=-1)
        spec = torch.stft(xp, n, h, window=self.window.to(x.dtype), center=False,
                          return_complex=True)
        spec = spec * self.scale.to(x.dtype)[:, None]
        # Nyquist's real part into DC's imaginary part (both are real for a real signal)
        packed = torch.complex(spec[:, 0].real, spec[:, -1].real)[:, None]
        spec = torch.cat([packed, spec[:, 1:-1]], dim=1)
        return torch.stack([spec.real, spec.imag], dim=1)

    def synthesis(self, c: torch.Tensor) -> torch.Tensor:
        """The adjoint of `analysis` (hence its inverse on its range)."""
        n, h = self.n_fft, self.hop
        b, _, bins, frames = c.shape
        re, im = c[:, 0], c[:, 1]
        zero = torch.zeros_like(re[:, :1])
        spec = torch.complex(torch.cat([re[:, :1], re[:, 1:], im[:, :1]], dim=1),
                             torch.cat([zero, im[:, 1:], zero], dim=1))
        spec = spec * self.synth_scale.to(c.dtype)[:, None]
        seg = torch.fft.irfft(spec, n=n, dim=1) * self.window.to(c.dtype)[:, None]
        t = frames * h
        ola = F.fold(seg, (1, t + n - h), (1, n), stride=(1, h)).reshape(b, t + n - h)
        out = ola[:, n // 2: n // 2 + t].clone()
        out[:, t - n // 2:] += ola[:, : n // 2]           # wrap the circular head ...
        out[:, : n // 2 - h] += ola[:, n // 2 + t:]       # ... and tail back
        return out


def _fold(x: torch.Tensor, pf: int, pt: int) -> torch.Tensor:
    """(B, C, F, T) -> (B, C*pf*pt, F/pf, T/pt): each pf x pt tile of the map into channels."""
    b, c, f, t = x.shape
    x = x.reshape(b, c, f // pf, pf, t // pt, pt).permute(0, 1, 3, 5, 2, 4)
    return x.reshape(b, c * pf * pt, f // pf, t // pt)


def _unfold(x: torch.Tensor, c: int, pf: int, pt: int) -> torch.Tensor:
    """The inverse of `_fold` for `c` features."""
    b, _, f, t = x.shape
    x = x.reshape(b, c, pf, pt, f, t).permute(0, 1, 4, 2, 5, 3)
    return x.reshape(b, c, f * pf, t * pt)


def _resampler(c: int, ff: int, ft: int, up: bool) -> nn.Module:
    """Strided (transposed) convolution by ff in frequency and ft in time (1: not that axis)."""
    kind = nn.ConvTranspose2d if up else nn.Conv2d
    return kind(c, c, (2 * ff if ff > 1 else 1, 2 * ft if ft > 1 else 1), stride=(ff, ft),
                padding=(ff // 2, ft // 2))


class Stft2d(ScoreNet):
    """score-network interface of UNet1d: forward(x (B, 1, T), c_noise (B,), labels (B,) long
    with `num_classes` meaning "no class", cond (B, cond_dim) or None) -> (B, 1, T).

    The stem sees, per bin, the real and imaginary parts and a log magnitude (where partials
    stand out at any phase), with tiles of `bin_patch` bins x `frame_patch` frames folded
    into channels (what makes it affordable on a CPU, as unet1d's patch does); the levels
    then down-sample frequency by `factors` and time by `time_factors`."""

    def __init__(self, cfg: NetworkConfig, num_classes: int, sample_rate: int = 16000):
        super().__init__()
        self.cfg, self.num_classes = cfg, num_classes
        bins = cfg.n_fft // 2
        fold = cfg.bin_patch * math.prod(cfg.factors)
        if len(cfg.factors) != len(cfg.channels) - 1 or \
                len(cfg.time_factors) != len(cfg.channels) - 1:
            raise ValueError(f"{len(cfg.channels)} levels need {len(cfg.channels) - 1} "
                             f"factors and time_factors")
        if cfg.hop * cfg.frame_patch * math.prod(cfg.time_factors) < cfg.n_fft:
            raise ValueError("hop x frame_patch x time_factors (the shortest clip) must be at "
                             "least n_fft")
        if bins % fold:
            raise ValueError(f"{bins} bins do not divide into bin_patch x factors = {fold}")
        self.stft = Stft(cfg.n_fft, cfg.hop)
        ch, n, e = cfg.channels, cfg.blocks, cfg.emb
        self.init_embedding(cfg, num_classes, e)
        self.patch = (cfg.bin_patch, cfg.frame_patch)
        self.stem = nn.Conv2d(3 * math.prod(self.patch), ch[0], 3, padding=1)
        self.down, self.samplers_down = nn.ModuleList(), nn.ModuleList()
        widths = [ch[0]]
        for i, c in enumerate(ch):
            self.down.append(Level(ch[i - 1] if i else ch[0], c, n, e, cfg.dropout,
                                   i in cfg.attention, cfg.heads, dims=2))
            widths += [c] * n
            if i < len(ch) - 1:
                self.samplers_down.append(_resampler(c, cfg.factors[i], cfg.time_factors[i],
                                                     up=False))
                widths.append(c)
        self.mid = Level(ch[-1], ch[-1], 2, e, cfg.dropout, True, cfg.heads, dims=2)
        self.up, self.samplers_up = nn.ModuleList(), nn.ModuleList()
        h = ch[-1]
        for i in reversed(range(len(ch))):
            c = ch[i]
            blocks = nn.ModuleList()
            for _ in range(n + 1):
                blocks.append(Level(h + widths.pop(), c, 1, e, cfg.dropout,
                                    i in cfg.attention, cfg.heads, dims=2))
                h = c
            self.up.append(blocks)
            if i > 0:
                self.samplers_up.append(_resampler(c, cfg.factors[i - 1],
                                                   cfg.time_factors[i - 1], up=True))
        assert not widths
        self.out_norm = nn.GroupNorm(_groups(ch[0]), ch[0])
        self.out = nn.Conv2d(ch[0], 2 * math.prod(self.patch), 3, padding=1)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(self, x: torch.Tensor, c_noise: torch.Tensor, labels: torch.Tensor,
                cond: torch.Tensor | None = None) -> torch.Tensor:
        emb = self.embed(c_noise, labels, cond)
        c = self.stft.analysis(x[:, 0].float())                     # (B, 2, bins, frames)
        # the input has about unit variance, so its coefficients have hop/n_fft each (the
        # same energy in n_fft/hop times as many values); the stem's GroupNorm-fed blocks
        # do not mind that scale, and the log's floor sits far below it
        logmag = torch.log(c.square().sum(1, keepdim=True) + 1e-4)
        h = torch.cat([c, logmag], dim=1)
        h = self.stem(_fold(h, *self.patch))
        h = unet_trunk(self, h, emb)
        h = _unfold(self.out(F.silu(self.out_norm(h))), 2, *self.patch)
        # back in float32 (no complex bfloat16 under a GPU's autocast)
        return self.stft.synthesis(h.float()).to(x.dtype)[:, None]
