"""Averaged spectrum (Welch's method) of the selection, drawn on a log frequency axis."""
import math

import torch

from studio.engine.operation import Curve, Report, Result, operation
from studio.engine.params import Choice, Float

_WINDOWS = {"hann": torch.hann_window, "hamming": torch.hamming_window,
            "blackman": torch.blackman_window,
            "rectangular": lambda n, **kw: torch.ones(n, **kw)}
_BATCH = 512  # segments transformed at once: bounds memory on a long selection


def welch(x: torch.Tensor, sample_rate: int, size: int, window: str, overlap: float,
          progress=None) -> tuple[torch.Tensor, torch.Tensor]:
    """(frequencies, power spectral density (channels, bins)) in units²/Hz, one-sided,
    averaged over segments (no detrending)."""
    size = min(size, 1 << int(math.log2(max(x.shape[-1], 16))))
    hop = max(1, int(round(size * (1 - overlap))))
    w = _WINDOWS[window](size, periodic=True, dtype=torch.float64, device=x.device)
    frames = x.to(torch.float64).unfold(-1, size, hop)  # a view: (channels, segments, size)
    total = frames.shape[1]
    acc = torch.zeros(x.shape[0], size // 2 + 1, dtype=torch.float64, device=x.device)
    for a in range(0, total, _BATCH):
        spec = torch.fft.rfft(frames[:, a:a + _BATCH] * w, dim=-1)
        acc += (spec.real.square() + spec.imag.square()).sum(1)
        if progress is not None:
            progress(min(1.0, (a + _BATCH) / total))
    psd = acc / (total * sample_rate * w.square().sum())
    psd[:, 1:size // 2 + (size % 2)] *= 2  # one-sided: fold negative frequencies (not DC/Nyquist)
    freqs = torch.fft.rfftfreq(size, 1 / sample_rate, dtype=torch.float64)
    return freqs, psd


@operation(id="analyze.spectrum", title="Spectrum", returns_audio=False, params=[
    Choice("fft_size", default="4096",
           options=("512", "1024", "2048", "4096", "8192", "16384", "32768"),
           help="Segment length: longer resolves finer frequency detail"),
    Choice("window", default="hann", options=tuple(_WINDOWS)),
    Float("overlap", default=0.5, lo=0.0, hi=0.95, help="Fraction shared by segments"),
])
def run(inputs, p, ctx) -> Result:
    """Welch-averaged power spectrum per channel, in dB, on a log frequency axis."""
    freqs, psd = welch(inputs.audio, inputs.sample_rate, int(p.fft_size), p.window, p.overlap,
                       progress=lambda f: ctx.progress(f, "spectrum"))
    db = 10 * torch.log10(psd.clamp_min(1e-30))
    f = freqs[1:].numpy()  # no DC on a log axis
    curves = [Curve(x=f, y=db[c, 1:].cpu().numpy(), x_label="frequency (Hz)",
                    y_label="power density (dB/Hz)", name=f"channel {c + 1}", log_x=True)
              for c in range(db.shape[0])]
    mean = psd.mean(0)
    peak_bin = int(torch.argmax(mean[1:])) + 1
    return Result(report=Report(
        values={"peak_frequency_hz": round(float(freqs[peak_bin]), 2),
                "resolution_hz": round(float(freqs[1]), 3)},
        curves=curves,
        data={"frequencies": freqs.numpy(), "psd_db": db.cpu().numpy()}))
