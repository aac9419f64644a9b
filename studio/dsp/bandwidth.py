"""Where a recording's band ends: the cutoff of a low-pass (a telephone line, an old MP3, a
tape), found in the long-term spectrum as the steepest fall that stays down."""
from __future__ import annotations

import math

import torch

# a band edge must fall at least this far (dB), and what lies above it stay that far below
# what lies below it, to be called a cutoff: natural roll-offs of music fall a few dB per
# kHz; a low-pass filter's edge falls tens of dB within a few hundred hertz
MIN_DROP_DB = 25.0


def long_term_spectrum(x: torch.Tensor, sample_rate: int, n_fft: int | None = None
                       ) -> tuple[torch.Tensor, torch.Tensor]:
    """Welch's average power spectrum of x (channels, frames) over all channels, in dB,
    and its frequencies (Hz)."""
    n_fft = n_fft or 1 << max(8, round(math.log2(sample_rate / 20)))  # about 20 Hz bins
    mono = x.double().reshape(-1, x.shape[-1])
    if mono.shape[-1] < n_fft:
        mono = torch.nn.functional.pad(mono, (0, n_fft - mono.shape[-1]))
    spec = torch.stft(mono, n_fft, n_fft // 2, window=torch.hann_window(n_fft, dtype=mono.dtype),
                      center=False, return_complex=True)
    power = spec.abs().square().mean(dim=(0, 2))
    return 10 * torch.log10(power + 1e-20), torch.fft.rfftfreq(n_fft, 1 / sample_rate)


def detect_cutoff(x: torch.Tensor, sample_rate: int, lo: float = 500.0) -> float | None:
    """The frequency (Hz) above `lo` where the band ends, or None when the recording has no
    such edge (full band, or only a natural roll-off).

    An edge at f: everything from f + 300 Hz up is at least MIN_DROP_DB below the typical
    level of the octave under f (a natural roll-off keeps some partials near that level).
    The lowest such f bounds the edge from above; the band ends where the spectrum last
    stands within 10 dB of that octave's level (the -10 dB point of the filter)."""
    db, f = long_term_spectrum(x, sample_rate)
    df = float(f[1])
    w = max(1, int(round(100 / df)))  # smooth over ~200 Hz so single partials make no edge
    sm = torch.nn.functional.avg_pool1d(db[None, None], 2 * w + 1, 1, w,
                                        count_include_pad=False)[0, 0]
    nyq = sample_rate / 2
    gap = int(round(300 / df))
    # the top 100 Hz: resamplers roll off there in every recording
    top = int((nyq - 100) / df)
    for i in range(int(math.ceil(lo / df)), top - gap):
        below = sm[int(f[i] / 2 / df):i]
        if below.numel() < 2:
            continue
        level = float(below.median())
        if level - float(sm[i + gap:top].max()) >= MIN_DROP_DB:
            j = i + gap
            while j > 0 and float(sm[j]) < level - 10.0:
                j -= 1
            return round(float(f[j]), 1)
    return None
