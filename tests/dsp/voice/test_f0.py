import math

import numpy as np
import pytest
import torch

from conftest import SR, harmonic_tone, vowel
from studio.dsp.voice.f0 import track_f0


def numpy_yin(x, sr, frame=1024, hop=80, fmin=60, fmax=800, threshold=0.15):
    """Plain YIN (de Cheveigne & Kawahara 2002) in numpy, frame k starting at k * hop;
    returns f0 per frame (0 where no dip passes the threshold) and the frames' centres."""
    max_lag, min_lag = int(sr / fmin), int(sr / fmax)
    w = frame - max_lag
    starts = np.arange(0, len(x) - frame, hop)
    segs = np.lib.stride_tricks.sliding_window_view(x.astype(np.float64), frame)[starts]
    d = np.stack([np.sum((segs[:, :w] - segs[:, tau:tau + w]) ** 2, axis=1)
                  for tau in range(max_lag)], axis=1)
    cmn = np.ones_like(d)
    cmn[:, 1:] = d[:, 1:] * np.arange(1, max_lag) / np.maximum(np.cumsum(d[:, 1:], 1), 1e-12)
    out = np.zeros(len(starts))
    for k in range(len(starts)):
        below = np.flatnonzero(cmn[k, min_lag:] < threshold)
        if len(below) == 0:
            continue
        tau = below[0] + min_lag
        while tau + 2 < max_lag and cmn[k, tau + 1] < cmn[k, tau]:
            tau += 1
        a, b, c = cmn[k, tau - 1], cmn[k, tau], cmn[k, tau + 1]
        shift = 0.5 * (a - c) / (a - 2 * b + c) if a - 2 * b + c != 0 else 0.0
        out[k] = sr / (tau + shift)
    centres = starts + (w + sr / np.maximum(out, 1)) / 2  # middle of [0, W + tau]
    return out, centres


@pytest.mark.parametrize("f0", [55.0, 261.6, 1400.0])
def test_harmonic_tone_f0_within_10_cents(f0):
    x = torch.from_numpy(harmonic_tone(f0, seconds=0.4))
    tr = track_f0(x, SR)
    mid = slice(20, -20)  # away from the edges
    assert tr.voiced[0, mid].float().mean() > 0.95
    cents = 1200 * torch.log2(tr.f0[0, mid][tr.voiced[0, mid]] / f0)
    assert cents.abs().max() < 10


def test_chirp_follows_known_f0():
    n = SR * 2
    t = np.arange(n) / SR
    f_inst = 100 * 2 ** (t * 1.5)  # 100 Hz to 283 Hz, 1.5 octaves per second
    phase = 2 * np.pi * np.cumsum(f_inst) / SR
    x = sum(np.sin(h * phase) / h for h in range(1, 5)).astype(np.float32)
    tr = track_f0(torch.from_numpy(x), SR)
    ref = 100 * 2 ** (tr.times.numpy() * 1.5)
    v = tr.voiced[0].numpy()
    v[:10] = v[-10:] = False
    cents = 1200 * np.log2(tr.f0[0].numpy()[v] / ref[v])
    assert v.mean() > 0.9
    assert np.abs(cents).mean() < 6 and np.percentile(np.abs(cents), 95) < 15


def test_agrees_with_numpy_yin_on_a_vowel_with_vibrato():
    n = int(1.2 * SR)
    f0 = 150 * 2 ** (0.05 * np.sin(2 * np.pi * 5 * np.arange(n) / SR))
    x = vowel(f0, seconds=1.2)
    ref, centres = numpy_yin(x, SR)
    tr = track_f0(torch.from_numpy(x), SR)
    ours = tr.f0[0].numpy()
    idx = np.clip(np.round(centres / tr.hop).astype(int), 0, len(ours) - 1)
    assert (ref > 0).mean() > 0.8
    both = (ref > 0) & (ours[idx] > 0)
    assert both.mean() > 0.8
    cents = 1200 * np.log2(ours[idx][both] / ref[both])
    assert np.median(np.abs(cents)) < 8 and np.percentile(np.abs(cents), 95) < 30


def test_white_noise_is_unvoiced_and_silence_too():
    g = torch.Generator().manual_seed(1)
    noise = 0.1 * torch.randn(SR, generator=g)
    assert track_f0(noise, SR).voiced.float().mean() < 0.05
    silent = track_f0(torch.zeros(SR // 2), SR)
    assert not silent.voiced.any()
    assert torch.isfinite(silent.f0).all()


def test_batched_channels_are_independent():
    a = torch.from_numpy(harmonic_tone(200.0, seconds=0.5))
    b = torch.from_numpy(harmonic_tone(300.0, seconds=0.5))
    tr = track_f0(torch.stack([a, b]), SR)
    med = [float(tr.f0[i][tr.voiced[i]].median()) for i in range(2)]
    assert abs(med[0] - 200) < 1 and abs(med[1] - 300) < 1.5
