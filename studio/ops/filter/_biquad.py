"""Biquad sections (RBJ audio-EQ cookbook) applied with torchaudio's `lfilter` / `filtfilt`.

torchaudio's own `*_biquad` helpers clamp their output to [-1, 1], which would clip any
overshoot of a near-full-scale recording; here every section runs with `clamp=False`, in
float64 (a float32 direct-form IIR at a low cutoff loses precision), and the result is float32.
"""
from __future__ import annotations

import math

import torch
import torchaudio.functional as AF

from studio.errors import StudioError

KINDS = ("lowpass", "highpass", "bandpass", "notch", "highshelf")


def design(kind: str, sample_rate: int, freq: float, q: float,
           gain_db: float = 0.0) -> tuple[list[float], list[float]]:
    """(b, a) of one section, normalised so a[0] == 1."""
    nyquist = sample_rate / 2
    if not 0 < freq < nyquist:
        raise StudioError(f"frequency {freq:g} Hz must be between 0 and half the sample rate "
                          f"({nyquist:g} Hz)")
    w0 = 2 * math.pi * freq / sample_rate
    cw, alpha = math.cos(w0), math.sin(w0) / (2 * q)
    if kind == "lowpass":
        b = [(1 - cw) / 2, 1 - cw, (1 - cw) / 2]
        a = [1 + alpha, -2 * cw, 1 - alpha]
    elif kind == "highpass":
        b = [(1 + cw) / 2, -(1 + cw), (1 + cw) / 2]
        a = [1 + alpha, -2 * cw, 1 - alpha]
    elif kind == "bandpass":  # constant 0 dB peak gain
        b = [alpha, 0.0, -alpha]
        a = [1 + alpha, -2 * cw, 1 - alpha]
    elif kind == "notch":
        b = [1.0, -2 * cw, 1.0]
        a = [1 + alpha, -2 * cw, 1 - alpha]
    elif kind == "highshelf":
        A = 10 ** (gain_db / 40)
        t1, t2, t3 = 2 * math.sqrt(A) * alpha, (A - 1) * cw, (A + 1) * cw
        b = [A * ((A + 1) + t2 + t1), -2 * A * ((A - 1) + t3), A * ((A + 1) + t2 - t1)]
        a = [(A + 1) - t2 + t1, 2 * ((A - 1) - t3), (A + 1) - t2 - t1]
    else:
        raise ValueError(f"unknown biquad kind {kind!r}")
    return [x / a[0] for x in b], [x / a[0] for x in a]


def apply(x: torch.Tensor, sections: list[tuple[list[float], list[float]]],
          zero_phase: bool = False) -> torch.Tensor:
    """Run the sections in cascade over (channels, frames) audio; float32 out."""
    y = x.to(torch.float64)
    for b, a in sections:
        bt = torch.tensor(b, dtype=torch.float64, device=x.device)
        at = torch.tensor(a, dtype=torch.float64, device=x.device)
        y = AF.filtfilt(y, at, bt, clamp=False) if zero_phase else AF.lfilter(y, at, bt,
                                                                                clamp=False)
    return y.to(torch.float32)
