"""Spectrogram tiles for the window: pure numpy/scipy, no Qt, no torch.

A tile is `spec.frames` consecutive STFT frames (frame k is centred on sample k*hop) mapped to
`spec.rows` rows on a linear, log or mel frequency axis, in dB relative to full scale (a
full-scale sine reads 0 dB). The window computes only the tiles it can see and caches them; a
tile depends only on (audio, spec, index), so a cache keyed by those is always right.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import numpy as np
import scipy.fft
import scipy.signal

SCALES = ("linear", "log", "mel")
WINDOWS = ("hann", "hamming", "blackman", "blackmanharris", "boxcar")
FFT_SIZES = (256, 512, 1024, 2048, 4096, 8192, 16384)
LOG_MIN_HZ = 20.0
FLOOR_DB = -160.0
WORK_PER_TILE = 1 << 19  # frames * nfft per tile: ~equal work whatever the FFT size


@dataclass(frozen=True)
class TileSpec:
    rate: int
    nfft: int = 2048
    hop: int = 512
    window: str = "hann"
    scale: str = "log"
    rows: int = 512

    def __post_init__(self):
        if self.nfft not in FFT_SIZES:
            raise ValueError(f"FFT size must be one of {FFT_SIZES}")
        if self.scale not in SCALES or self.window not in WINDOWS:
            raise ValueError("unknown scale or window")
        if self.hop < 1 or self.rows < 2:
            raise ValueError("hop and rows must be positive")

    @property
    def frames(self) -> int:
        """Frames per tile."""
        return max(16, WORK_PER_TILE // self.nfft)

    @property
    def tile_frames(self) -> int:
        """Samples a tile spans."""
        return self.frames * self.hop

    def tile_range(self, index: int) -> tuple[int, int]:
        """The sample range [a, b) whose frames tile `index` holds (frame centres)."""
        a = index * self.tile_frames
        return a, a + self.tile_frames


def hop_for(nfft: int, overlap: float, samples_per_pixel: float) -> int:
    """The hop that gives about one frame per pixel but never less than the overlap asks for;
    powers of two so tiles are reused across nearby zoom levels."""
    base = max(1, int(round(nfft * (1.0 - overlap))))
    if samples_per_pixel <= base:
        return base
    return max(base, 1 << int(np.floor(np.log2(samples_per_pixel))))


# frequency axes ------------------------------------------------------------------------

def _mel(hz):
    return 2595.0 * np.log10(1.0 + np.asarray(hz, np.float64) / 700.0)


def _mel_inv(m):
    return 700.0 * (10 ** (np.asarray(m, np.float64) / 2595.0) - 1.0)


def scale_to_hz(y, scale: str, rate: int) -> np.ndarray:
    """Map y in [0, 1] (bottom to top of the view) to Hz on the given axis."""
    y = np.clip(np.asarray(y, np.float64), 0.0, 1.0)
    top = rate / 2.0
    if scale == "linear":
        return y * top
    if scale == "log":
        return LOG_MIN_HZ * (top / LOG_MIN_HZ) ** y
    return _mel_inv(y * _mel(top))


def hz_to_scale(hz, scale: str, rate: int) -> np.ndarray:
    hz = np.clip(np.asarray(hz, np.float64), 0.0, rate / 2.0)
    top = rate / 2.0
    if scale == "linear":
        return hz / top
    if scale == "log":
        return np.clip(np.log(np.maximum(hz, LOG_MIN_HZ) / LOG_MIN_HZ) / np.log(top / LOG_MIN_HZ),
                       0, 1)
    return _mel(hz) / _mel(top)


@lru_cache(maxsize=32)
def _row_map(rate: int, nfft: int, scale: str, rows: int):
    """Per output row: the first FFT bin of its band (for a max over the band) and the
    fractional bin at its centre (for rows narrower than a bin, interpolated)."""
    edges_hz = scale_to_hz(np.linspace(0, 1, rows + 1), scale, rate)
    bin_hz = rate / nfft
    nbins = nfft // 2 + 1
    first = np.clip(np.floor(edges_hz[:-1] / bin_hz).astype(np.int64), 0, nbins - 1)
    last = np.clip(np.ceil(edges_hz[1:] / bin_hz).astype(np.int64), 1, nbins)
    centre = np.clip(0.5 * (edges_hz[:-1] + edges_hz[1:]) / bin_hz, 0, nbins - 1)
    narrow = (last - first) <= 1
    return first, narrow, centre


@lru_cache(maxsize=16)
def _window(name: str, n: int) -> np.ndarray:
    return scipy.signal.get_window(name, n, fftbins=True).astype(np.float32)


def compute_tile(read: Callable[[int, int], np.ndarray], n_frames: int, spec: TileSpec,
                 index: int) -> np.ndarray:
    """dB values (spec.frames, spec.rows) of tile `index`. `read(a, b)` returns mono float32
    samples [a, b) with 0 <= a <= b <= n_frames; outside the signal counts as silence."""
    half = spec.nfft // 2
    f0 = index * spec.frames
    # samples needed: from the first frame's start to the last frame's end
    a = f0 * spec.hop - half
    b = (f0 + spec.frames - 1) * spec.hop + half
    buf = np.zeros(b - a, np.float32)
    ra, rb = max(0, a), min(n_frames, b)
    if rb > ra:
        buf[ra - a: rb - a] = read(ra, rb)
    frames = np.lib.stride_tricks.sliding_window_view(buf, spec.nfft)[:: spec.hop]
    frames = frames[: spec.frames]
    w = _window(spec.window, spec.nfft)
    spectrum = scipy.fft.rfft(frames * w, axis=1, workers=1)
    # amplitude relative to a full-scale sine: peak |X| = A * sum(w) / 2
    amp = np.abs(spectrum) * (2.0 / max(float(w.sum()), 1e-12))
    first, narrow, centre = _row_map(spec.rate, spec.nfft, spec.scale, spec.rows)
    banded = np.maximum.reduceat(amp, first, axis=1)
    if narrow.any():
        lo = np.floor(centre[narrow]).astype(np.int64)
        hi = np.minimum(lo + 1, amp.shape[1] - 1)
        frac = (centre[narrow] - lo).astype(np.float32)
        banded[:, narrow] = amp[:, lo] * (1 - frac) + amp[:, hi] * frac
    out = 20.0 * np.log10(np.maximum(banded, 1e-8))
    return np.maximum(out, FLOOR_DB).astype(np.float32)


def visible_tiles(spec: TileSpec, a: int, b: int) -> range:
    """Indices of the tiles covering samples [a, b)."""
    first = max(0, a // spec.tile_frames)
    last = max(first, (max(a, b) - 1) // spec.tile_frames)
    return range(first, last + 1)
