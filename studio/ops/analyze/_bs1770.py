"""Loudness after ITU-R BS.1770-4 and EBU Tech 3341/3342: K-weighting, gated integrated
loudness, momentary (400 ms) and short-term (3 s) loudness, loudness range, true peak.

The K-weighting and gating follow `torchaudio.functional.loudness` (the tests compare with it)
but run without its output clamp (which clips K-weighted full-scale material) and for any
channel count. Energies are kept per 100 ms segment, so 400 ms blocks (75 % overlap) and 3 s
windows are sums of whole segments.
"""
from __future__ import annotations

import math

import torch

from studio.core.loudness import k_weighting_sos
from studio.errors import TooShort
from studio.ops.filter import _biquad

ABS_GATE = -70.0
BLOCK_SECONDS = 0.4  # the gating block: the shortest audio with an integrated loudness
BIAS = -0.691  # K-filter gain at 1 kHz: a 0 dBFS 1 kHz sine in L and R reads 0 LUFS


def channel_weights(n: int, dtype, device) -> torch.Tensor:
    """BS.1770 weights: 1.0 for L, R, C and 1.41 for the surround pair (channels 4 and 5)."""
    g = [1.0, 1.0, 1.0, 1.41, 1.41] + [1.0] * max(0, n - 5)
    return torch.tensor(g[:n], dtype=dtype, device=device)


def k_weight(x: torch.Tensor, sample_rate: int) -> torch.Tensor:
    # the filters of BS.1770 itself (core.loudness: libebur128's analog prototypes, which give
    # the tabled 48 kHz coefficients), not torchaudio's 1500 Hz / 4 dB shelf: that one reads
    # a 997 Hz tone 0.04 LU low, and the window's readout and the loudness normaliser must
    # agree with the meter that `normalize_loudness` uses
    sos = k_weighting_sos(sample_rate)
    return _biquad.apply(x, [(list(s[:3]), list(s[3:])) for s in sos])


def segment_energy(x: torch.Tensor, sample_rate: int) -> tuple[torch.Tensor, int]:
    """Mean square of the K-weighted signal per 100 ms segment: (channels, segments), step."""
    step = max(1, int(round(0.1 * sample_rate)))
    n = x.shape[-1] // step
    y = k_weight(x[:, : n * step], sample_rate).to(torch.float64)
    return y.reshape(x.shape[0], n, step).square().mean(-1), step


def window_loudness(seg: torch.Tensor, segments: int) -> torch.Tensor:
    """Loudness (LUFS) of every window of `segments` consecutive segments, hop one segment."""
    if seg.shape[-1] < segments:
        return seg.new_zeros(0)
    energy = seg.unfold(-1, segments, 1).mean(-1)  # (channels, windows)
    g = channel_weights(seg.shape[0], seg.dtype, seg.device)
    return BIAS + 10 * torch.log10((g[:, None] * energy).sum(0))


def integrated(seg: torch.Tensor) -> float:
    """Gated integrated loudness (LUFS); -inf for silence."""
    if seg.shape[-1] < 4:
        raise TooShort(seconds=BLOCK_SECONDS)
    energy = seg.unfold(-1, 4, 1).mean(-1)  # 400 ms blocks, 75 % overlap
    g = channel_weights(seg.shape[0], seg.dtype, seg.device)
    block = BIAS + 10 * torch.log10((g[:, None] * energy).sum(0))
    gated = block > ABS_GATE
    if not bool(gated.any()):
        return -math.inf
    rel = BIAS + 10 * math.log10(float((g * energy[:, gated].mean(-1)).sum())) - 10.0
    gated &= block > rel
    return BIAS + 10 * math.log10(float((g * energy[:, gated].mean(-1)).sum()))


def loudness_range(short_term: torch.Tensor) -> float:
    """EBU Tech 3342 LRA (LU): spread (10th to 95th percentile) of gated short-term values."""
    st = short_term[short_term > ABS_GATE]
    if st.numel() == 0:
        return 0.0
    energy = torch.pow(10.0, st / 10).mean()
    st = st[st > 10 * math.log10(float(energy)) - 20.0]
    if st.numel() < 2:
        return 0.0
    lo, hi = torch.quantile(st, torch.tensor([0.10, 0.95], dtype=st.dtype, device=st.device))
    return float(hi - lo)


def true_peak(x: torch.Tensor, sample_rate: int, block_seconds: float = 10.0,
              progress=None) -> float:
    """Largest absolute value after 4x oversampling (2x at 96 kHz and above), per BS.1770-4
    Annex 2; processed in blocks so a long input never oversamples all at once."""
    import torchaudio.functional as AF
    factor = 4 if sample_rate < 96000 else 2 if sample_rate < 192000 else 1
    if factor == 1:
        return float(x.abs().max())
    n, block, pad = x.shape[-1], int(block_seconds * sample_rate), 64
    peak = 0.0
    for a in range(0, n, block):
        lo, hi = max(0, a - pad), min(n, a + block + pad)
        up = AF.resample(x[:, lo:hi], 1, factor)
        keep = up[:, (a - lo) * factor:(min(n, a + block) - lo) * factor]
        peak = max(peak, float(keep.abs().max()))
        if progress is not None:
            progress(min(1.0, (a + block) / n))
    return peak


def db(v: float) -> float:
    return 20 * math.log10(v) if v > 0 else -math.inf
