"""Integrated loudness (LUFS) after ITU-R BS.1770-4: K-weighting, 400 ms blocks overlapping by
75 %, an absolute gate at -70 LKFS and a relative gate 10 LU below the ungated level.

The two K-weighting biquads are designed from their analog prototypes for any sample rate (the
method of libebur128), which reproduces the coefficients tabled in BS.1770 at 48 kHz. The meter
streams: feed it chunks of any size; it keeps the filter state and per-100 ms energies only, so
measuring an hour of audio needs no copy of it.

Channel weights default to 1.0 (left, right, centre and anything else); pass `weights` for the
1.41 of surround channels.
"""
from __future__ import annotations

import math

import numpy as np
from scipy import signal

ABSOLUTE_GATE_LUFS = -70.0
RELATIVE_GATE_LU = -10.0
BLOCK_S = 0.4
STEP_S = 0.1  # 75 % overlap: a gating block is 4 consecutive 100 ms segments


def k_weighting_sos(fs: float) -> np.ndarray:
    """Second-order sections (shelf, then high-pass) of the K-weighting filter at rate fs."""
    # stage 1: high shelf (head acoustics), analog prototype parameters from libebur128
    f0, gain_db, q = 1681.974450955533, 3.999843853973347, 0.7071752369554196
    k = math.tan(math.pi * f0 / fs)
    vh = 10.0 ** (gain_db / 20.0)
    vb = vh ** 0.4996667741545416
    a0 = 1.0 + k / q + k * k
    shelf_b = [(vh + vb * k / q + k * k) / a0, 2.0 * (k * k - vh) / a0, (vh - vb * k / q + k * k) / a0]
    shelf_a = [1.0, 2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0]
    # stage 2: RLB high-pass
    f0, q = 38.13547087602444, 0.5003270373238773
    k = math.tan(math.pi * f0 / fs)
    a0 = 1.0 + k / q + k * k
    hp_b = [1.0, -2.0, 1.0]
    hp_a = [1.0, 2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0]
    return np.array([shelf_b + shelf_a, hp_b + hp_a], dtype=np.float64)


class LoudnessMeter:
    """Streaming BS.1770-4 integrated loudness of (channels, frames) chunks."""

    def __init__(self, fs: float, n_channels: int, weights=None):
        self.fs = float(fs)
        self.n_channels = int(n_channels)
        self.weights = (np.ones(n_channels) if weights is None
                        else np.asarray(weights, dtype=np.float64))
        if self.weights.shape != (n_channels,):
            raise ValueError("one weight per channel")
        self._sos = k_weighting_sos(self.fs)
        self._zi = np.zeros((self._sos.shape[0], n_channels, 2))
        self._pos = 0                       # frames fed so far
        self._acc = np.zeros(n_channels)    # energy of the unfinished segment
        self._segments: list[np.ndarray] = []  # energy per channel of each finished segment
        self._seg_lengths: list[int] = []

    def _boundary(self, k: int) -> int:
        """Frame where 100 ms segment k starts (exact for any rate)."""
        if self.fs.is_integer():  # integer arithmetic: no drift over hours of segments
            return (k * int(self.fs)) // 10
        return int(k * self.fs / 10.0)

    def feed(self, chunk) -> None:
        x = np.asarray(chunk, dtype=np.float64)
        if x.ndim != 2 or x.shape[0] != self.n_channels:
            raise ValueError("feed (channels, frames) chunks")
        n = x.shape[1]
        if n == 0:
            return
        y, self._zi = signal.sosfilt(self._sos, x, axis=-1, zi=self._zi)
        sq = y * y
        start, end = self._pos, self._pos + n
        k = len(self._segments) + 1  # the next segment boundary to reach
        cuts = []
        while self._boundary(k) <= end:
            cuts.append(self._boundary(k) - start)
            k += 1
        idx = [0] + [c for c in cuts if c < n]
        sums = np.add.reduceat(sq, idx, axis=1) if n else np.zeros((self.n_channels, 0))
        for i, c in enumerate(cuts):  # each cut closes a segment
            self._acc += sums[:, i]
            seg_k = len(self._segments)
            self._segments.append(self._acc)
            self._seg_lengths.append(self._boundary(seg_k + 1) - self._boundary(seg_k))
            self._acc = np.zeros(self.n_channels)
        if len(idx) > len(cuts):  # samples after the last cut start the next segment
            self._acc += sums[:, len(cuts)]
        self._pos = end

    def block_energies(self) -> np.ndarray:
        """(blocks, channels) mean square of each complete 400 ms gating block."""
        per = int(round(BLOCK_S / STEP_S))
        if len(self._segments) < per:
            return np.zeros((0, self.n_channels))
        seg = np.array(self._segments)
        lens = np.array(self._seg_lengths, dtype=np.float64)
        cs = np.vstack([np.zeros((1, self.n_channels)), np.cumsum(seg, axis=0)])
        cl = np.concatenate([[0.0], np.cumsum(lens)])
        energy = cs[per:] - cs[:-per]
        return energy / (cl[per:] - cl[:-per])[:, None]

    def integrated(self) -> float:
        """Gated loudness in LUFS; -inf when every block is below the absolute gate."""
        z = self.block_energies()
        if not len(z):
            return float("-inf")
        with np.errstate(divide="ignore"):
            block_lufs = -0.691 + 10.0 * np.log10(z @ self.weights)
        above_abs = block_lufs > ABSOLUTE_GATE_LUFS
        if not above_abs.any():
            return float("-inf")
        relative = -0.691 + 10.0 * math.log10(z[above_abs].mean(axis=0) @ self.weights) + RELATIVE_GATE_LU
        gated = above_abs & (block_lufs > relative)
        return float(-0.691 + 10.0 * math.log10(z[gated].mean(axis=0) @ self.weights))


def integrated_loudness(data, fs: float, weights=None, chunk: int = 1 << 16) -> float:
    """Integrated loudness of a (channels, frames) array (1-D = mono) in LUFS."""
    data = np.asarray(data)
    if data.ndim == 1:
        data = data[None, :]
    meter = LoudnessMeter(fs, data.shape[0], weights)
    for s in range(0, data.shape[1], chunk):
        meter.feed(data[:, s:s + chunk])
    return meter.integrated()
