import numpy as np
import pytest


@pytest.fixture
def noise():
    """A reproducible (channels, frames) float32 test signal at -14 dBFS RMS."""
    def make(channels=2, frames=48000, seed=0):
        return (np.random.default_rng(seed).standard_normal((channels, frames)) * 0.2).astype(np.float32)
    return make
