"""analyze.noise_profile: learn the noise from a noise-only selection (Audacity's "Get Noise
Profile", RX's "Learn").

The report carries the learned spectrum as a curve (level per bin in dBFS: white noise of
RMS -42 dBFS sits on -42 dB), its mean level, and the profile itself (`data`: psd, n_fft,
sample_rate) in studio.dsp.noise.NoiseProfile's terms. The window keeps the selection it
was learned from with the document, as the side input of Noise reduction.
"""
from __future__ import annotations

import numpy as np

from studio.dsp.noise import learn_profile, min_noise_frames
from studio.engine.operation import Curve, Report, Result, operation

HANN_POWER = 0.375  # sum(w^2) / n for a Hann window: white noise of variance s^2 has psd s^2 n 3/8


def level_db(psd: np.ndarray, n_fft: int) -> np.ndarray:
    """Per-bin noise power as a level in dBFS (the variance of white noise of that power)."""
    return 10 * np.log10(np.maximum(psd / (n_fft * HANN_POWER), 1e-20))


@operation(id="analyze.noise_profile", title="Learn noise profile", category="analyze",
           returns_audio=False)
def run(inputs, p, ctx) -> Result:
    """Learn the noise spectrum of a noise-only selection, for Noise reduction to remove."""
    from studio.errors import TooShort
    sr = inputs.sample_rate
    if inputs.audio.shape[-1] < min_noise_frames(sr):  # the selection is the noise here
        raise TooShort(frames=min_noise_frames(sr))
    ctx.progress(0.1, "noise spectrum")
    prof = learn_profile(inputs.audio, sr)
    db = level_db(prof.psd, prof.n_fft)
    freqs = np.arange(len(prof.psd)) * sr / prof.n_fft
    mean = float(10 * np.log10(prof.psd.mean() / (prof.n_fft * HANN_POWER)))
    start = inputs.offset / sr
    end = start + inputs.audio.shape[-1] / sr
    ctx.progress(1.0, "done")
    return Result(report=Report(
        values={"noise level (dBFS)": round(mean, 1),
                "learned from (s)": f"{start:.2f}–{end:.2f}"},
        curves=[Curve(x=freqs[1:], y=db[1:], x_label="frequency (Hz)",
                      y_label="noise level (dBFS per bin)", name="noise profile", log_x=True)],
        data={"psd": prof.psd, "n_fft": prof.n_fft, "sample_rate": sr}))
