"""Sample-rate conversion: polyphase (scipy.signal.resample_poly) with a long Kaiser-windowed
sinc, the "kaiser_best" design (64 zero crossings, roll-off 0.9475, beta 14.77).

Measured against torchaudio's resample with the same design (tests/bench/resample_quality.py):
scipy's float64 polyphase filter reaches ~ -150 dB error on a 1 kHz tone and -140 dB aliasing
where torchaudio's float32 kernel stops near -110 dB, at a few times its CPU cost (still
hundreds of times real time). It is also exact to stream: `StreamResampler` fed any chunk
sizes gives the same samples as resampling the whole signal at once, which export needs.
It keeps io free of torch.
"""
from __future__ import annotations

from functools import lru_cache
from math import gcd

import numpy as np

# scipy.signal is imported inside the functions: it costs about a second at start-up, and
# most exports and every `studio info` never resample.

ZERO_CROSSINGS = 64
ROLLOFF = 0.9475
KAISER_BETA = 14.769656459379492


def ratio(rate_in: int, rate_out: int) -> tuple[int, int]:
    g = gcd(int(rate_in), int(rate_out))
    return int(rate_out) // g, int(rate_in) // g


@lru_cache(maxsize=16)
def _filter(up: int, down: int) -> np.ndarray:
    from scipy import signal
    m = max(up, down)
    h = signal.firwin(2 * ZERO_CROSSINGS * m + 1, ROLLOFF / m, window=("kaiser", KAISER_BETA))
    h.setflags(write=False)
    return h


def resample(x: np.ndarray, rate_in: int, rate_out: int, axis: int = -1) -> np.ndarray:
    """Resample along `axis`; output length is ceil(n * rate_out / rate_in); float32 out."""
    if rate_in == rate_out:
        return np.asarray(x, dtype=np.float32)
    from scipy import signal
    up, down = ratio(rate_in, rate_out)
    y = signal.resample_poly(np.asarray(x, dtype=np.float64), up, down, axis=axis,
                             window=_filter(up, down))
    return y.astype(np.float32)


def output_length(frames: int, rate_in: int, rate_out: int) -> int:
    up, down = ratio(rate_in, rate_out)
    return -(-int(frames) * up // down)


class StreamResampler:
    """Resample a (channels, frames) stream chunk by chunk, identical to `resample` of the
    whole. `feed(chunk)` returns the output that is final so far; `finish()` the rest.

    resample_poly of a segment that starts on a multiple of `down` input samples lands on the
    same output grid as the whole signal, and an output sample depends only on inputs within
    the filter's half length; so each call recomputes a short overlap (2 half lengths) and
    emits only the outputs whose inputs have all arrived."""

    def __init__(self, rate_in: int, rate_out: int, channels: int):
        self.up, self.down = ratio(rate_in, rate_out)
        self.identity = rate_in == rate_out
        self.half = -(-ZERO_CROSSINGS * max(self.up, self.down) // self.up) + 1  # input samples
        self.buf = np.zeros((channels, 0), dtype=np.float64)
        self.base = 0       # global input index of buf[:, 0]; a multiple of `down`
        self.received = 0   # input samples fed so far
        self.emitted = 0    # output samples returned so far

    def _segment(self, k_end: int) -> np.ndarray:
        from scipy import signal
        y = signal.resample_poly(self.buf, self.up, self.down, axis=1,
                                 window=_filter(self.up, self.down))
        first = self.base * self.up // self.down
        out = y[:, self.emitted - first:k_end - first]
        self.emitted = k_end
        return out.astype(np.float32)

    def feed(self, chunk: np.ndarray) -> np.ndarray:
        chunk = np.asarray(chunk, dtype=np.float32)
        if self.identity:
            return chunk
        self.buf = np.concatenate([self.buf, chunk.astype(np.float64)], axis=1)
        self.received += chunk.shape[1]
        k_safe = max(0, (self.received - self.half) * self.up // self.down)
        if k_safe <= self.emitted:
            return np.zeros((self.buf.shape[0], 0), np.float32)
        out = self._segment(k_safe)
        # keep the inputs the next outputs still need, from a multiple of `down`
        need = max(0, self.emitted * self.down // self.up - self.half - 1)
        new_base = need - need % self.down
        if new_base > self.base:
            self.buf = self.buf[:, new_base - self.base:]
            self.base = new_base
        return out

    def finish(self) -> np.ndarray:
        if self.identity:
            return np.zeros((self.buf.shape[0], 0), np.float32)
        total = -(-self.received * self.up // self.down)
        if total <= self.emitted:
            return np.zeros((self.buf.shape[0], 0), np.float32)
        return self._segment(total)
