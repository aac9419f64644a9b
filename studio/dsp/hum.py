"""Mains hum: find the fundamental (near 50 or 60 Hz, with drift) and remove it and its
harmonics, either with an adaptive harmonic canceller (a least-squares fit of the
harmonics, block by block, on the tracked fundamental, subtracted with cross-faded
blocks) or with zero-phase notches.
"""
from __future__ import annotations

import math

import torch
import torchaudio.functional as AF

ANALYSIS_RATE = 4000  # hum harmonics below 2 kHz are found on a decimated copy


def _decimate(x: torch.Tensor, sr: int) -> tuple[torch.Tensor, int]:
    if sr <= ANALYSIS_RATE:
        return x, sr
    return AF.resample(x, sr, ANALYSIS_RATE), ANALYSIS_RATE


def _harmonic_power(x: torch.Tensor, sr: int, freqs: torch.Tensor, harmonics: int,
                    window: torch.Tensor) -> torch.Tensor:
    """|windowed DFT|^2 of x (B, N) at h*f for every candidate f: (B, F, H)."""
    n = torch.arange(x.shape[-1], device=x.device, dtype=torch.float64)
    h = torch.arange(1, harmonics + 1, device=x.device, dtype=torch.float64)
    f = (freqs.double()[:, None] * h[None, :]).reshape(-1)  # (F*H,)
    phase = 2 * math.pi * f[None, :] * n[:, None] / sr  # (N, F*H)
    xw = (x * window).double()
    c = xw @ torch.cos(phase)
    s = xw @ torch.sin(phase)
    return (c * c + s * s).reshape(x.shape[0], len(freqs), harmonics).float()


def detect_fundamental(x: torch.Tensor, sr: int, nominal: float | None = None,
                       harmonics: int = 6, drift: float = 1.5) -> tuple[float, float]:
    """(fundamental in Hz, strength in dB above the neighbouring spectrum) of the hum in a
    (channels, frames) signal. `nominal` 50 or 60 restricts the search; None tries both."""
    mono = x.mean(0, keepdim=True)
    y, r = _decimate(mono, sr)
    y = y[:, : 30 * r]  # 30 s are plenty to find a stationary tone
    win = torch.hann_window(y.shape[-1], periodic=False, device=y.device, dtype=y.dtype)
    step = 0.01  # Hz: the zero-padded spectrum is sampled this finely
    n_fft = int(round(r / step))
    spec = torch.fft.rfft((y[0] * win).double(), n=max(n_fft, y.shape[-1])).abs() ** 2
    df = r / max(n_fft, y.shape[-1])
    best = (0.0, -math.inf, 0.0)
    h = torch.arange(1, harmonics + 1, device=y.device, dtype=torch.float64)
    for nom in ([nominal] if nominal else [50.0, 60.0]):
        grid = torch.arange(nom - drift, nom + drift + 1e-9, step, device=y.device,
                            dtype=torch.float64)
        bins = torch.round(grid[:, None] * h[None, :] / df).long().clamp_max(len(spec) - 1)
        P = spec[bins].float()  # (F, H)
        # the peak at each harmonic relative to the median over the candidate band: a tone
        # stands out of the (music, noise) floor around it
        score = torch.log10(P / P.median(dim=0, keepdim=True).values.clamp_min(1e-20))
        total = score.clamp_min(0).sum(-1)
        i = int(total.argmax())
        strength = float(10 * score[i].max())
        if total[i] > best[1]:
            best = (float(grid[i]), float(total[i]), strength)
    return best[0], best[2]


def hum_phase(x: torch.Tensor, sr: int, f0: float, bandwidth: float = 1.5) -> torch.Tensor:
    """The instantaneous phase (radians, unwrapped) of the hum fundamental at every sample:
    the analytic signal of the band f0 +- bandwidth (an FFT mask on a decimated mono copy),
    its unwrapped angle, interpolated back to the full rate. Harmonic h then has phase
    h * phase + constant, so the canceller follows any drift exactly."""
    mono = x.mean(0)
    y, r = _decimate(mono[None], sr)
    y = y[0].double()
    n = y.shape[-1]
    nfft = 1 << math.ceil(math.log2(n + 1))
    Y = torch.fft.fft(y, n=nfft)
    f = torch.fft.fftfreq(nfft, 1 / r, device=y.device, dtype=torch.float64)
    band = ((f - f0).abs() <= bandwidth).to(Y.dtype)
    z = torch.fft.ifft(Y * band * 2)[:n]
    ang = torch.angle(z)
    d = torch.diff(ang)
    d = d - 2 * math.pi * torch.round((d - 2 * math.pi * f0 / r) / (2 * math.pi))
    phase = torch.cat([ang[:1], ang[:1] + torch.cumsum(d, 0)])
    # back to the full rate: linear interpolation of a smooth phase
    t_full = torch.arange(mono.shape[-1], device=x.device, dtype=torch.float64) * (r / sr)
    i0 = t_full.floor().long().clamp(0, n - 2)
    frac = t_full - i0
    return phase[i0] * (1 - frac) + phase[i0 + 1] * frac


def cancel_harmonics(x: torch.Tensor, phase: torch.Tensor, block: int, harmonics: int,
                     sr: int, f0: float) -> torch.Tensor:
    """The hum estimate (channels, frames). The fit runs on a copy decimated to a rate that
    still holds every harmonic (the hum is band-limited), and its result is resampled back."""
    rate = min(sr, max(ANALYSIS_RATE, int(math.ceil(2.5 * harmonics * f0 / 1000)) * 1000))
    if rate >= sr:
        return _fit_harmonics(x, phase, block, harmonics, sr, f0)
    xd = AF.resample(x, sr, rate)
    ph = phase[(torch.arange(xd.shape[-1], device=x.device) * sr // rate).clamp_max(
        phase.shape[-1] - 1)]
    hum = _fit_harmonics(xd, ph, max(64, block * rate // sr // 2 * 2), harmonics, rate, f0)
    return AF.resample(hum, rate, sr)[..., : x.shape[-1]]


def _fit_harmonics(x: torch.Tensor, phase: torch.Tensor, block: int, harmonics: int,
                   sr: int, f0: float) -> torch.Tensor:
    """Per block (Hann, 50 % overlap, which sums to one), a weighted least-squares fit of
    cos/sin(h * phase) with constant amplitudes, overlap-added."""
    C, N = x.shape
    hop = block // 2
    # half a block of padding in front so the first samples are covered by two blocks
    n_blocks = max(2, math.ceil(max(0, N + hop - block) / hop) + 1)
    total = (n_blocks - 1) * hop + block
    pad = (hop, total - N - hop)
    xp = torch.nn.functional.pad(x.double(), pad)
    rate = 2 * math.pi * f0 / sr  # the phase continues linearly into the padding
    ph = torch.cat([phase[0] - rate * torch.arange(pad[0], 0, -1, device=x.device),
                    phase, phase[-1] + rate * torch.arange(1, pad[1] + 1, device=x.device)])
    blocks = xp.unfold(-1, block, hop)[:, :n_blocks]  # (C, B, L)
    phb = ph.unfold(-1, block, hop)[:n_blocks]  # (B, L)
    h = torch.arange(1, harmonics + 1, device=x.device, dtype=torch.float64)
    keep = (h * f0 < sr / 2 - 20).double()  # (H,)
    arg = h[None, :, None] * phb[:, None, :]  # (B, H, L)
    # constant amplitude per block (the overlap-add of Hann blocks makes it vary slowly):
    # a linear-in-time term doubled the fit's bandwidth, and with it how much of the
    # music or speech beside a harmonic leaks into the hum estimate (-3 dB on piano)
    basis = torch.cat([torch.cos(arg), torch.sin(arg)], 1) * keep.repeat(2)[None, :, None]
    w = torch.hann_window(block, periodic=True, device=x.device, dtype=torch.float64)
    # the fit sees only real samples: the zero padding at both ends is not data (fitting
    # it pulled the edge blocks' amplitudes towards zero: 16 dB instead of 32 on pure hum)
    valid = torch.nn.functional.pad(torch.ones(N, dtype=torch.float64, device=x.device), pad)
    wfit = w * valid.unfold(-1, block, hop)[:n_blocks]  # (B, L)
    G = torch.einsum("bkl,bjl->bkj", basis * wfit[:, None], basis)
    eye = torch.eye(G.shape[-1], dtype=G.dtype, device=G.device)
    G = G + eye * (1e-9 * G.diagonal(dim1=1, dim2=2).mean(-1)[:, None, None]
                   + (1 - keep.repeat(2))[None, :, None])
    rhs = torch.einsum("bkl,cbl->cbk", basis * wfit[:, None], blocks)
    coef = torch.linalg.solve(G[None].expand(C, -1, -1, -1), rhs[..., None])[..., 0]
    fit = torch.einsum("cbk,bkl->cbl", coef, basis) * w  # (C, B, L)
    out = torch.nn.functional.fold(fit.transpose(1, 2), (1, total), (1, block),
                                   stride=(1, hop))
    return out.reshape(C, total)[:, pad[0]:pad[0] + N].to(x.dtype)


def notch(x: torch.Tensor, sr: int, freqs: list[float], q: float) -> torch.Tensor:
    """Zero-phase second-order notches (the RBJ/iirnotch design) at each frequency."""
    y = x
    for f in freqs:
        w0 = 2 * math.pi * f / sr
        bw = w0 / q
        g = 1 / (1 + math.tan(bw / 2))
        b = torch.tensor([g, -2 * g * math.cos(w0), g], dtype=x.dtype, device=x.device)
        a = torch.tensor([1.0, -2 * g * math.cos(w0), 2 * g - 1], dtype=x.dtype, device=x.device)
        y = AF.filtfilt(y, a, b, clamp=False)
    return y
