"""AuxIVA run a few iterations at a time (for progress) is the same computation as one run:
pyroomacoustics' single call is the reference."""
import numpy as np
import pyroomacoustics as pra
import pytest

from studio.ops.array.separate import separate_stft


@pytest.mark.parametrize("n_src, model", [(2, "gauss"), (2, "laplace"), (3, "gauss")])
def test_auxiva_in_steps_equals_one_run(n_src, model):
    rng = np.random.default_rng(1)
    frames, freqs, mics = 60, 33, 4
    S = rng.laplace(size=(frames, freqs, n_src)) + 1j * rng.laplace(size=(frames, freqs, n_src))
    A = rng.standard_normal((freqs, mics, n_src)) + 1j * rng.standard_normal((freqs, mics, n_src))
    X = np.einsum("fmk,sfk->sfm", A, S)
    seen = []
    ours = separate_stft(X, "auxiva", n_src, 10, model=model, progress=seen.append)
    ref = pra.bss.auxiva(X, n_src=n_src, n_iter=10, proj_back=True, model=model)
    np.testing.assert_allclose(ours, ref, rtol=1e-9, atol=1e-9 * np.abs(ref).max())
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) >= 3
