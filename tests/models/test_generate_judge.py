"""The generation benchmark's statistics (studio.bench._judge): the Fréchet distance against an
independent eigen-decomposition formula, and log-mel statistics that ignore level."""
import numpy as np
import pytest
import torch

from studio.bench import _judge as J


def reference_frechet(a, b):
    """|mu_a - mu_b|^2 + tr S_a + tr S_b - 2 sum sqrt(eig(S_a^1/2 S_b S_a^1/2)), by eigh."""
    s_a, s_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    w, v = np.linalg.eigh(s_a)
    root_a = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    lam = np.linalg.eigvalsh(root_a @ s_b @ root_a)
    return float(np.sum((a.mean(0) - b.mean(0)) ** 2) + np.trace(s_a) + np.trace(s_b)
                 - 2 * np.sum(np.sqrt(np.clip(lam, 0, None))))


def test_frechet_matches_the_eigen_formula_and_the_diagonal_closed_form():
    rng = np.random.default_rng(0)
    mix = rng.standard_normal((6, 6))
    a = rng.standard_normal((400, 6)) @ mix
    b = rng.standard_normal((300, 6)) @ (mix + 0.3 * rng.standard_normal((6, 6))) + 0.5
    assert J.frechet(a, b) == pytest.approx(reference_frechet(a, b), rel=1e-6)
    assert J.frechet(a, a) == pytest.approx(0.0, abs=1e-6)
    # independent diagonal Gaussians: |dmu|^2 + sum (sigma_a - sigma_b)^2, up to sampling
    x = rng.standard_normal((200_000, 3)) * [1.0, 2.0, 0.5]
    y = rng.standard_normal((200_000, 3)) * [2.0, 2.0, 1.5] + [1.0, 0.0, 0.0]
    assert J.frechet(x, y) == pytest.approx(1.0 + 1.0 + 0.0 + 1.0, abs=0.05)


def test_mel_stats_ignore_level_and_tell_sounds_apart():
    t = torch.arange(J.LENGTH) / J.RATE
    tone = torch.sin(2 * torch.pi * 440 * t) * torch.exp(-3 * t)
    noise = torch.randn(J.LENGTH, generator=torch.Generator().manual_seed(0)) * torch.exp(-3 * t)
    s = J.mel_stats(torch.stack([tone, 0.01 * tone, noise]))
    assert s.shape == (3, 2 * J.N_MELS)
    np.testing.assert_allclose(s[0], s[1], atol=1e-3)
    # the tone's energy sits in the band around 440 Hz; the noise spreads over all bands
    assert s[0, :J.N_MELS].std() > 2 * s[2, :J.N_MELS].std()
    # a floor 100 dB down is digital silence to these statistics; one 30 dB down is not
    rng = torch.Generator().manual_seed(1)
    hiss = [tone + 10 ** (-db / 20) * torch.randn(J.LENGTH, generator=rng) for db in (100, 30)]
    quiet, loud = J.mel_stats(torch.stack(hiss))
    assert np.abs(quiet - s[0]).max() < 0.05 * np.abs(s[0]).max()
    assert np.abs(loud - s[0]).max() > 0.2 * np.abs(s[0]).max()
