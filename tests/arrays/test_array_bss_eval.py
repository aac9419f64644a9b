"""The projection SDR against closed forms: filters of the reference are free, independent
noise costs exactly its power ratio, and permutations are found."""
import numpy as np
import pytest
from scipy.signal import lfilter

from studio.arrays.bss_eval import sdr, sdr_images


def test_sdr_forgives_short_filters_and_charges_noise():
    rng = np.random.default_rng(0)
    s = rng.standard_normal(20000)
    filtered = lfilter([0.5, 0.3, -0.2], [1.0], s)
    assert sdr(s, filtered) > 60
    s = rng.standard_normal(200000)  # long: the 512-tap projection absorbs ~512/n of the noise
    noise = rng.standard_normal(200000)
    noise -= s * (noise @ s) / (s @ s)          # exactly orthogonal to the reference
    for snr_db in (0.0, 10.0, 20.0):
        est = s + noise * np.sqrt((s @ s) / (noise @ noise) / 10 ** (snr_db / 10))
        assert sdr(s, est) == pytest.approx(snr_db, abs=0.2)


def test_sdr_images_solves_the_permutation():
    rng = np.random.default_rng(1)
    refs = rng.standard_normal((3, 8000))
    est = refs[[2, 0, 1]] + 0.1 * rng.standard_normal((3, 8000))
    values, perm = sdr_images(refs, est)
    assert perm == (1, 2, 0)
    assert values == pytest.approx([20, 20, 20], abs=0.5)
