"""restore.denoise: broadband noise reduction.

The noise power per bin comes from, in order: a saved profile file the user names
(studio.dsp.noise.NoiseProfile JSON), an extra clip named "noise" (a noise-only stretch: in
the window the document's learned noise profile, on the command line a file), or a blind
estimate (minimum statistics refined MCRA-style).

The gain is Wiener's (or MMSE-LSA) on a two-step a priori SNR. The first step smooths the
maximum-likelihood speech power over time in the cepstral domain (Breithaupt, Gerkmann &
Martin 2008), little on the spectral envelope and the pitch peak, much elsewhere, forwards
and backwards in time: weak voiced speech keeps its harmonics (the decision-directed
estimate used before held them down: STOI 0.01-0.04 below noisereduce's at 0 dB), and
isolated noise peaks are averaged away. Frames that Sohn's likelihood-ratio test finds
without signal get a zero a priori SNR, so the residual there is a scaled copy of the
noise, free of "musical" tones. The second step re-estimates it from that gain applied to
the current frame (which removes the smoothing's lag). The gain is floored at the
reduction limit.

The frame size is chosen per signal: tonal music wants long frames (its partials stand
out of the noise only when resolved: 46 ms frames gain 1-4 dB of SI-SDR over 23 ms on
piano in pink noise), speech mostly shorter ones. Both are run and the one whose Stein
risk estimate (the squared error against the unknown clean signal, estimated from the
noisy signal and the noise spectrum) is lower is kept.
"""
from __future__ import annotations

import math
from typing import Callable

import torch

from studio.dsp.noise import NoiseProfile, estimate_psd, learn_profile
from studio.dsp.spectral_gain import (cepstral_xi, frame_presence, lsa_gain, smooth_bins,
                                      stein_risk, two_step_xi)
from studio.dsp.stft import frame_size_for, istft, stft
from studio.engine.operation import (Chunking, Extra, Inputs, Report, Result, operation)
from studio.engine.params import Bool, Choice, File, Float, Int
from studio.errors import StudioError, TooShort

FRAMES = ("auto", "short", "long")


def frame_sizes(sample_rate: int, frame: str = "auto") -> list[int]:
    """The candidate frame sizes: ~32 ms ("short") and twice that ("long")."""
    short = frame_size_for(sample_rate)
    return {"auto": [short, 2 * short], "short": [short], "long": [2 * short]}[frame]


def reduce_noise(x: torch.Tensor, sample_rate: int,
                 noise_psd: Callable[[int], torch.Tensor | None] | torch.Tensor | None = None,
                 frame: str = "auto", reduction_db: float = 30.0,
                 sensitivity_db: float = 0.0, smoothing_bins: int = 1,
                 residual_only: bool = False, rule: str = "wiener",
                 progress: Callable[[float], None] | None = None) -> tuple[torch.Tensor, dict]:
    """x (channels, frames). noise_psd: a function of the frame size giving the (bins,)
    noise power on that frame (None: estimate it from x), or one such PSD when a single
    frame size is asked for. `progress(fraction)` after each step of each frame size."""
    report = progress or (lambda _f: None)
    if not callable(noise_psd):
        fixed = noise_psd
        noise_psd = lambda n_fft: fixed  # noqa: E731
    best = None
    # a frame longer than the input would be mostly padding, read as noise: the level drops
    # by the full reduction (10 ms came back at -30 dB); auto keeps the sizes that fit
    sizes = [n for n in frame_sizes(sample_rate, frame) if n <= x.shape[-1]]
    if not sizes:
        raise TooShort(frames=min(frame_sizes(sample_rate, frame)))
    for k, n_fft in enumerate(sizes):
        step = lambda f, k=k: report(0.9 * (k + f) / len(sizes))  # noqa: E731
        hop = n_fft // 4
        X = stft(x, n_fft, hop)
        P = X.real ** 2 + X.imag ** 2
        psd = noise_psd(n_fft)
        if psd is None:
            lam = estimate_psd(P, hop / sample_rate)
        else:
            if psd.shape[-1] != n_fft // 2 + 1:
                raise StudioError(f"the noise profile has {psd.shape[-1]} bins, "
                                  f"expected {n_fft // 2 + 1}")
            lam = psd.to(P.dtype).to(P.device)[:, None]
        lam = (lam * 10 ** (sensitivity_db / 10)).clamp_min(1e-20)
        gamma = (P / lam).clamp(max=1e4)
        g_min = 10 ** (-reduction_db / 20)
        step(0.25)
        gain = spectral_gain(gamma, lam, sample_rate, hop, g_min, smoothing_bins, rule)
        step(0.75)
        risk = 0.0
        if len(sizes) > 1:
            # the second step makes the gain grow with its own coefficient: with xi2 = G1^2
            # |Y|^2 / lambda and G = xi2 / (1 + xi2), |Y|^2 dG/d|Y|^2 = G (1 - G) (G1 held
            # fixed; zero where the floor holds)
            div = gain + torch.where(gain > g_min, gain * (1 - gain), 0.0)
            # one choice for all channels, so a stereo image is not split between frame
            # sizes; bins below RISK_FROM_HZ are left out of it: there a 1/f noise's power
            # wanders over seconds, a profile of it is off, and the estimate with it (that
            # bias alone made short frames look best on speech in pink noise, where long
            # ones were 0.1-1.4 dB better)
            first = int(math.ceil(RISK_FROM_HZ * n_fft / sample_rate))
            risk = float(stein_risk(P, gain, lam, n_fft, hop, div, first).sum())
        if best is None or risk < best[0]:
            best = (risk, n_fft, X * gain, gain, lam)
    _, n_fft, Y, gain, lam = best
    report(0.9)
    y = istft(Y, n_fft, n_fft // 4, x.shape[-1])
    if residual_only:
        y = x - y
    info = {"frame (ms)": round(1000 * n_fft / sample_rate, 1),
            "mean gain (dB)": float(10 * torch.log10((gain ** 2).mean()).item()),
            "noise level (dBFS)": float(10 * torch.log10(
                lam.mean() / (n_fft * 0.375)).item())}  # Hann: sum(w^2) = 3/8 n_fft
    return y, info


RISK_FROM_HZ = 80.0

# Sohn's frame test looks at the band where speech and most music carry their energy: at
# 44.1 kHz the bins above 8 kHz would otherwise dilute the mean of a speech frame ~3x
PRESENCE_BAND_HZ = 8000.0
PRESENCE_HOLD_S = 0.025


def spectral_gain(gamma, noise_psd, sample_rate, hop, g_min, smoothing_bins=1, rule="wiener"):
    """The gain per bin and frame: Wiener (the MMSE estimate of the complex spectrum, best
    for SDR) or MMSE-LSA (gentler on the signal), on a two-step a priori SNR whose first
    step is the cepstro-temporal estimate (studio.dsp.spectral_gain.cepstral_xi), zeroed in
    the frames the likelihood-ratio test finds without signal."""
    xi = cepstral_xi(gamma, noise_psd, sample_rate, hop)
    # the cepstral estimate keeps weak speech but on noise alone it wanders a few dB around
    # -17 dB, and the bins where it peaks together with the noise would ring as isolated
    # tones; frames without signal get xi = 0, so there the gain sits at its floor and the
    # residual is a scaled copy of the noise (no musical noise)
    n_fft = 2 * (gamma.shape[-2] - 1)
    bins = min(gamma.shape[-2], int(PRESENCE_BAND_HZ * n_fft / sample_rate) + 1)
    xi = xi * frame_presence(gamma, xi, bins, round(PRESENCE_HOLD_S * sample_rate / hop))
    xi = smooth_bins(xi, smoothing_bins)
    # second step on the raw gamma: where the signal is, the a priori SNR follows the
    # current frame (removes the smoothing's lag at onsets); where the first gain is low
    # (noise alone) G^2 gamma stays tiny
    xi = two_step_xi(xi, gamma)
    g = lsa_gain(xi, gamma).clamp(max=1.0) if rule == "lsa" else xi / (1 + xi)
    return g.clamp_min(g_min)


def _profile_psd(inputs: Inputs, p) -> tuple[Callable[[int], torch.Tensor | None], str]:
    # a file the user names wins over the default side input (the document's profile)
    if p.profile:
        prof = NoiseProfile.from_file(p.profile)
        return (lambda n_fft: torch.from_numpy(prof.resampled(n_fft, inputs.sample_rate)),
                "profile file")
    if "noise" in inputs.extras:
        noise, rate = inputs.extras["noise"]
        if rate != inputs.sample_rate:
            raise StudioError("the noise clip must have the same sample rate as the audio")
        return (lambda n_fft: torch.from_numpy(learn_profile(noise, rate, n_fft).psd),
                "noise-only stretch")
    return (lambda n_fft: None), "estimated"


@operation(
    id="restore.denoise", title="Noise reduction", category="restore",
    params=[
        Float("reduction", default=30.0, lo=0.0, hi=60.0, unit="dB",
              help="the most a bin is attenuated (gain floor)"),
        Float("sensitivity", default=0.0, lo=-6.0, hi=12.0, unit="dB",
              help="raise to remove more (treats the noise as louder than measured)"),
        Int("smoothing", default=1, lo=1, hi=15, unit="bins", special=(1, "none"),
            help="frequency smoothing of the a priori SNR: higher, smoother residual"),
        Choice("rule", default="wiener", options=("wiener", "lsa"),
               help="wiener: least error; lsa: log-spectral amplitude, gentler"),
        Choice("frame", default="auto", options=FRAMES,
               help="analysis frame: short ~32 ms (transients), long ~64 ms (tonal "
                    "music), auto: the one with the lower estimated error"),
        Bool("residual_only", default=False, help="output only the removed noise"),
        File("profile", default="", filter="Noise profile (*.json)",
             help="a saved noise profile file; empty: the document's learned profile "
                  "(the 'noise' clip), else an estimate"),
    ],
    extras=(Extra("noise", help="a noise-only stretch to learn the profile from",
                  required=False, source="noise_profile"),),
    chunk=Chunking(seconds=30.0, overlap=0.5),
)
def run(inputs: Inputs, p, ctx) -> Result:
    """Reduce steady broadband noise (hiss, hum-free background) in speech or music."""
    x = inputs.audio
    if x.numel() == 0:
        raise StudioError("nothing to denoise: the input is empty")
    ctx.progress(0.0, "noise profile")
    psd, source = _profile_psd(inputs, p)
    ctx.progress(0.2, "noise reduction")
    y, info = reduce_noise(x, inputs.sample_rate, psd, p.frame, p.reduction, p.sensitivity,
                           p.smoothing, p.residual_only, rule=p.rule,
                           progress=lambda f: ctx.progress(0.2 + 0.8 * f, "noise reduction"))
    ctx.progress(1.0, "done")
    info["noise from"] = source
    return Result(audio=y, report=Report(values=info))
