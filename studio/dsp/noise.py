"""Noise power spectra: a profile learned from a noise-only selection ("Learn noise
profile"), and a blind estimate from noisy audio (minimum statistics, Martin 2001, refined
MCRA-style by averaging only the periodogram values judged noise-only, Cohen 2002).

Everything is batched over frames: the recursive smoothing of minimum statistics is an
exponential kernel applied as a convolution and the running minimum a max-pool, so no
Python loop runs per frame.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from studio.dsp.stft import frame_size_for, stft
from studio.errors import StudioError


@dataclass
class NoiseProfile:
    """Per-bin noise power (|STFT|^2 of a Hann-windowed frame), as learned from a selection."""
    psd: np.ndarray  # (n_fft // 2 + 1,) float64
    sample_rate: int
    n_fft: int

    def to_json(self) -> str:
        return json.dumps({"kind": "noise_profile", "sample_rate": self.sample_rate,
                           "n_fft": self.n_fft, "psd": [float(v) for v in self.psd]})

    @classmethod
    def from_file(cls, path) -> "NoiseProfile":
        """A profile file, read with a size bound; a damaged one is one StudioError line."""
        from studio.io import jsonfile
        return cls.from_dict(jsonfile.read(path, f"noise profile {path}", max_bytes=8 << 20))

    @classmethod
    def from_json(cls, text: str) -> "NoiseProfile":
        from studio.io import jsonfile
        return cls.from_dict(jsonfile.loads(text, "noise profile"))

    @classmethod
    def from_dict(cls, d) -> "NoiseProfile":
        try:
            prof = cls(np.asarray(d["psd"], dtype=np.float64), int(d["sample_rate"]),
                       int(d["n_fft"]))
        except (ValueError, KeyError, TypeError):
            raise StudioError("not a noise profile file") from None
        if prof.psd.shape != (prof.n_fft // 2 + 1,):
            raise StudioError("noise profile is corrupt (wrong number of bins)")
        return prof

    def resampled(self, n_fft: int, sample_rate: int) -> np.ndarray:
        """The PSD on another frame size / rate grid (linear in frequency; power scales
        with the frame length because the profile is a per-frame |X|^2)."""
        if n_fft == self.n_fft and sample_rate == self.sample_rate:
            return self.psd
        src = np.arange(len(self.psd)) * self.sample_rate / self.n_fft
        dst = np.arange(n_fft // 2 + 1) * sample_rate / n_fft
        return np.interp(dst, src, self.psd) * (n_fft / self.n_fft)


def min_noise_frames(sample_rate: int, n_fft: int | None = None) -> int:
    """The shortest noise-only stretch a profile is learned from: half a frame."""
    return (n_fft or frame_size_for(sample_rate)) // 2


def learn_profile(audio, sample_rate: int, n_fft: int | None = None) -> NoiseProfile:
    """Learn a noise profile from noise-only audio (numpy or torch, (frames,) or
    (channels, frames)): the mean periodogram over frames and channels."""
    x = torch.as_tensor(np.asarray(audio, dtype=np.float32) if not torch.is_tensor(audio)
                        else audio).float()
    if x.ndim == 1:
        x = x[None]
    n_fft = n_fft or frame_size_for(sample_rate)
    if x.shape[-1] < min_noise_frames(sample_rate, n_fft):
        raise StudioError("the noise selection is too short to learn a profile "
                          f"(need at least {n_fft / sample_rate * 0.5:.3f} s)")
    P = stft(x, n_fft, n_fft // 4).abs() ** 2  # (C, bins, frames)
    # drop the half-empty frames at both ends of the centred STFT
    if P.shape[-1] > 4:
        P = P[..., 2:-2]
    psd = P.mean(dim=(0, 2)).double().cpu().numpy()
    return NoiseProfile(np.maximum(psd, 1e-20), int(sample_rate), int(n_fft))


def _smooth_frames(P: torch.Tensor, alpha: float) -> torch.Tensor:
    """First-order recursive smoothing along the last axis as a causal convolution."""
    L = max(2, int(np.ceil(np.log(1e-3) / np.log(alpha))))
    k = (1 - alpha) * alpha ** torch.arange(L - 1, -1, -1, dtype=P.dtype, device=P.device)
    shape = P.shape
    x = P.reshape(-1, 1, shape[-1])
    x = F.pad(x, (L - 1, 0), mode="replicate")
    y = F.conv1d(x, k.reshape(1, 1, -1)) / k.sum()
    return y.reshape(shape)


def _running(P: torch.Tensor, width: int, op: str) -> torch.Tensor:
    shape = P.shape
    x = P.reshape(-1, 1, shape[-1])
    half = width // 2
    x = F.pad(x, (half, width - 1 - half), mode="replicate")
    if op == "min":
        y = -F.max_pool1d(-x, width, 1)
    else:
        y = F.avg_pool1d(x, width, 1)
    return y.reshape(shape)


def estimate_psd(P: torch.Tensor, hop_seconds: float, window_seconds: float = 1.5,
                 delta: float = 4.0) -> torch.Tensor:
    """Blind noise PSD from a periodogram P (..., bins, frames).

    1. minimum statistics: recursive smoothing (alpha ~ 0.85 at a 8 ms hop, time constant
       kept across hops), then the minimum over a sliding window of `window_seconds`,
       times the bias of the minimum of smoothed chi-square values (~1.5-2 for these
       settings; Martin 2001, Eq. 17, with the equivalent degrees of freedom);
    2. MCRA refinement: average P only over the frames whose smoothed power is within
       `delta` of the minimum (speech/music absent), falling back to step 1 elsewhere."""
    tau = 0.05  # seconds: smoothing time constant
    alpha = float(np.exp(-hop_seconds / tau))
    S = _smooth_frames(P, alpha)
    D = max(3, int(round(window_seconds / hop_seconds)))
    Smin = _running(S, D, "min")
    dof = 2 * (1 + alpha) / (1 - alpha)  # equivalent degrees of freedom of S
    bias = 1 + 2.2 * np.sqrt(2.0 / dof) + 0.5  # empirical fit of Martin's Qeq rule
    floor = Smin * bias
    absent = (S < delta * floor).to(P.dtype)
    num = _running(P * absent, D, "avg")
    den = _running(absent, D, "avg")
    refined = num / den.clamp_min(1e-6)
    return torch.where(den > 0.05, refined, floor).clamp_min(1e-20)
