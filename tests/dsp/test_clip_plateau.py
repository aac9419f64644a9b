"""Clipping detection when noise was added after the clipping (the demo's passage: hum and
hiss over flat tops at +-0.62), and no detection on unclipped music, speech or sines."""
import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch

from studio.dsp.spade import detect_clipping

DEMO = Path(__file__).resolve().parents[2] / "resources" / "demo"
SR = 16000


def _tones(n, seed):
    rng = np.random.default_rng(seed)
    t = np.arange(n) / SR
    x = sum(rng.uniform(0.2, 0.5) * np.sin(2 * np.pi * f * t + rng.uniform(0, 6))
            for f in rng.uniform(150, 1200, 4))
    return x / np.abs(x).max() * 0.9


def noisy_plateaus(seed=0, level=0.5):
    """Tones clipped at +-level, then 50 Hz hum and -42 dBFS hiss added (as make_demo.py
    does): (the unclipped source with the same hum and hiss, the clipped file, the mask of
    the samples the converter clipped)."""
    rng = np.random.default_rng(seed)
    x = _tones(SR, seed)
    t = np.arange(SR) / SR
    later = 0.012 * np.sin(2 * np.pi * 50 * t) + 10 ** (-42 / 20) * rng.standard_normal(SR)
    clean = (x + later).astype(np.float32)
    clipped = (np.clip(x, -level, level) + later).astype(np.float32)
    return clean, clipped, np.abs(x) >= level


def test_finds_a_plateau_that_hum_and_hiss_were_added_to():
    _, y, truly = noisy_plateaus()
    # the old rule (samples at the extreme) finds only the one sample the hiss lifted most
    assert (y == y.max()).sum() < 3 and (y == y.min()).sum() < 3
    high, low, th, tl = detect_clipping(torch.from_numpy(y))
    assert th is not None and tl is not None
    assert 0.42 < th < 0.5 and -0.5 < tl < -0.42  # below the plateau, by its spread
    found = (high | low).numpy()
    assert found[truly].mean() > 0.97  # nearly every clipped sample...
    # ...and few others: those just under the level, inside the hiss's band (a flagged
    # sample only bounds the restored one from one side, at its own value)
    assert found[~truly].mean() < 0.08


def test_finds_the_demo_passage_on_both_channels_and_polarities():
    faults = json.loads((DEMO / "faults.json").read_text())
    a, b = (int(s * faults["rate"]) for s in faults["clip_span_s"])
    y = sf.read(DEMO / "demo.flac", dtype="float32", always_2d=True)[0][a:b].T
    for ch in y:
        high, low, th, tl = detect_clipping(torch.from_numpy(np.ascontiguousarray(ch)))
        # the recipe's flat tops are at +-0.62, hum (+-0.021) and hiss spread them
        assert 0.55 < th < 0.62 and -0.62 < tl < -0.55
        tops = np.abs(ch) > 0.62  # certainly on a plateau: above the converter's level
        assert (high | low).numpy()[tops].all() and int(high.sum()) > 300 < int(low.sum())


@pytest.mark.parametrize("span", [(0.0, 4.9), (7.0, 10.0), (11.0, 15.0), (1.5, 2.3)])
def test_unclipped_demo_music_and_speech_have_no_clipping(span):
    y = sf.read(DEMO / "demo.flac", dtype="float32", always_2d=True)[0]
    a, b = (int(s * 44100) for s in span)
    for ch in y[a:b].T:
        high, low, th, tl = detect_clipping(torch.from_numpy(np.ascontiguousarray(ch)))
        assert th is None and tl is None and not bool((high | low).any())


@pytest.mark.parametrize("freq", [50.0, 441.0, 1000.0, 5000.0])
def test_a_sine_has_no_clipping(freq):
    # a whole number of periods per second repeats the peak's two equal neighbours in
    # every period: not a plateau (a run of three or more)
    t = np.arange(44100) / 44100
    x = torch.from_numpy((0.5 * np.sin(2 * np.pi * freq * t)).astype(np.float32))
    high, low, th, tl = detect_clipping(x)
    assert th is None and tl is None and not bool((high | low).any())
