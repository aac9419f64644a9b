"""A second reader for WAV files libsndfile refuses: integer PCM wider than 32 bits
(36/45/53/64-bit, which some measurement gear writes). scipy.io.wavfile reads those,
left-justified in int64, so dividing by 2**63 gives the same [-1, 1) scale libsndfile uses.
Only used after libsndfile said "unimplemented format" for a RIFF file."""
from __future__ import annotations

import warnings

import numpy as np


def read_wav(path: str) -> tuple[np.ndarray, int]:
    """(frames, channels) float32 and the rate; raises ValueError when scipy cannot read it."""
    from scipy.io import wavfile
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scipy warns about chunks it skips; not the user's problem
        rate, data = wavfile.read(path)
    data = np.asarray(data)
    if data.ndim == 1:
        data = data[:, None]
    if data.dtype.kind == "f":
        return data.astype(np.float32), int(rate)
    if data.dtype.kind == "u":  # 8-bit WAV is unsigned, centred on 128
        return ((data.astype(np.float64) - 128.0) / 128.0).astype(np.float32), int(rate)
    scale = float(2 ** (8 * data.dtype.itemsize - 1))
    return (data.astype(np.float64) / scale).astype(np.float32), int(rate)


def is_riff(path: str) -> bool:
    try:
        with open(path, "rb") as f:
            head = f.read(12)
    except OSError:
        return False
    return head[:4] in (b"RIFF", b"RIFX", b"RF64") and head[8:12] == b"WAVE"
