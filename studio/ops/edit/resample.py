"""Resample: change the sample rate (band-limited sinc interpolation, torchaudio)."""
import torchaudio.functional as AF

from studio.engine.operation import Chunking, Result, operation
from studio.engine.params import Choice, Int

# lowpass_filter_width, rolloff, method, kaiser beta
_QUALITY = {"standard": (6, 0.99, "sinc_interp_hann", None),
            "high": (64, 0.9475937167399596, "sinc_interp_kaiser", 14.769656459379492)}


@operation(id="edit.resample", title="Resample", changes_length=True,
           chunk=Chunking(seconds=60.0, overlap=1.0), params=[
               Int("rate", default=44100, lo=1000, hi=384000, unit="Hz", help="New sample rate"),
               Choice("quality", default="standard", options=tuple(_QUALITY),
                      help="high: a longer Kaiser-windowed sinc (slower, steeper anti-aliasing)"),
           ])
def run(inputs, p, ctx) -> Result:
    """Convert to a new sample rate; the length changes by rate / old rate."""
    if p.rate == inputs.sample_rate:
        return Result(audio=inputs.audio, sample_rate=p.rate)
    width, rolloff, method, beta = _QUALITY[p.quality]
    y = AF.resample(inputs.audio, inputs.sample_rate, p.rate, lowpass_filter_width=width,
                    rolloff=rolloff, resampling_method=method, beta=beta)
    return Result(audio=y, sample_rate=p.rate)
