"""Blind source separation of a multichannel recording: AuxIVA, ILRMA and FastMNMF2 from
pyroomacoustics for convolutive (room) mixtures, FastICA for instantaneous mixtures. Each
separated source comes back as a take, scaled to its image at microphone 1."""
from __future__ import annotations

import numpy as np
import torch

from studio.engine.operation import InputKind, Report, Result, operation
from studio.engine.params import Choice, Int
from studio.errors import StudioError
from studio.ops.array._common import istft, numpy_seed, stft

METHODS = ("auxiva", "ilrma", "fastmnmf2", "fastica")
# AuxIVA is the default: with more microphones than sources it runs as overdetermined IVA
# (OverIVA) on every channel. On the 6-microphone, RT60 0.2 s bench scene (10 s of speech,
# 1024-point frames, 100 iterations) its time-varying Gaussian source model gains 14.0 dB
# SDR against 10.6 dB for the Laplace model; ILRMA after PCA to 2 channels and
# pyroomacoustics' FastMNMF2 (15x slower) stayed under 7 dB on 6 s (`studio bench arrays`)
DEFAULT_ITERATIONS = {"auxiva": 100, "ilrma": 100, "fastmnmf2": 100, "fastica": 200}
AUXIVA_STEP = 3  # iterations between progress reports (~0.5 s on 8 s of 4 channels, 2 cores)


def _reduce(X: np.ndarray, n_src: int) -> np.ndarray:
    """Project each frequency's (S, F, M) STFT onto its n_src principal components (ILRMA
    needs as many channels as sources)."""
    cov = np.einsum("sfm,sfn->fmn", X, X.conj()) / X.shape[0]
    _, vecs = np.linalg.eigh(cov)                           # ascending eigenvalues
    basis = vecs[:, :, ::-1][:, :, :n_src]                 # (F, M, n_src)
    return np.einsum("sfm,fmk->sfk", X, basis.conj())


def separate_stft(X: np.ndarray, method: str, n_src: int, n_iter: int, callback=None,
                  model: str = "gauss", progress=None) -> np.ndarray:
    """(S, F, n_src) separated STFTs, scaled to microphone 1, for an STFT X (S, F, M);
    `model` is AuxIVA's source model ("gauss": time-varying Gaussian, or "laplace").
    `callback(Y)` runs every 10 iterations (pyroomacoustics); AuxIVA also reports
    `progress(fraction)` every `AUXIVA_STEP` iterations."""
    import pyroomacoustics as pra
    if method == "auxiva":
        if progress is None:
            return pra.bss.auxiva(X, n_src=n_src, n_iter=n_iter, proj_back=True, model=model,
                                  callback=callback)
        # in runs of a few iterations, each starting from the last one's demixing matrices:
        # AuxIVA's whole state is W (the rest is recomputed from it), so this is the same
        # computation, with progress between the runs instead of every 10 iterations
        W, done = None, 0
        while done < n_iter:
            k = min(AUXIVA_STEP, n_iter - done)
            Y, W = pra.bss.auxiva(X, n_src=n_src, n_iter=k, proj_back=False, W0=W,
                                  model=model, return_filters=True)
            done += k
            progress(done / n_iter)
        return Y * np.conj(pra.bss.projection_back(Y, X[:, :, 0]))[None]
    if method == "ilrma":
        Z = X if X.shape[2] == n_src else _reduce(X, n_src)
        Y = pra.bss.ilrma(Z, n_src=n_src, n_iter=n_iter, proj_back=False, callback=callback)
        return Y * pra.bss.projection_back(Y, X[:, :, 0])[None]
    if method == "fastmnmf2":
        return pra.bss.fastmnmf2(X, n_src=n_src, n_iter=n_iter, mic_index=0, callback=callback)
    raise ValueError(method)


def fastica(x: torch.Tensor, n_src: int, n_iter: int, generator: torch.Generator,
            tol: float = 1e-6) -> torch.Tensor:
    """Symmetric FastICA (log-cosh contrast) of an instantaneous mixture x (M, T) -> (n_src, T),
    each source scaled by least squares to its contribution at microphone 1."""
    x = x.to(torch.float64)
    xc = x - x.mean(1, keepdim=True)
    vals, vecs = torch.linalg.eigh(xc @ xc.T / xc.shape[1])
    vals, vecs = vals.flip(0)[:n_src], vecs.flip(1)[:, :n_src]
    if vals[-1] <= 1e-12 * vals[0]:
        raise StudioError("FastICA: the channels hold fewer independent signals than sources asked")
    white = (vecs / vals.sqrt()).T                        # (n_src, M)
    z = white @ xc
    w = torch.randn(n_src, n_src, dtype=torch.float64, generator=generator)

    def decorrelate(w):
        u, _, vt = torch.linalg.svd(w)
        return u @ vt

    w = decorrelate(w)
    for _ in range(n_iter):
        g = torch.tanh(w @ z)
        new = g @ z.T / z.shape[1] - (1 - g.square()).mean(1, keepdim=True) * w
        new = decorrelate(new)
        if (torch.abs(torch.abs((new * w).sum(1)) - 1).max()) < tol:
            w = new
            break
        w = new
    s = w @ z
    scale = (s @ xc[0]) / (s.square().sum(1))            # projection back to microphone 1
    return s * scale[:, None]


@operation(
    id="array.separate", title="Separate sources", inputs=InputKind.MULTICHANNEL,
    returns_audio=False,
    params=[
        Choice("method", default="auxiva", options=METHODS,
               help="auxiva / ilrma / fastmnmf2: room recordings; fastica: instantaneous mixes"),
        Int("sources", default=2, lo=1, hi=16),
        Int("iterations", default=0, lo=0, hi=2000, special=(0, "method's default"),
            help="0 = the method's default"),
        Choice("fft_size", default="1024", options=("512", "1024", "2048", "4096"),
               label="FFT size",
               help="Longer frames fit longer reverberation but leave fewer frames to learn from"),
        Choice("model", default="gauss", options=("gauss", "laplace"),
               help="AuxIVA source model: time-varying Gaussian or Laplace"),
    ])
def run(inputs, p, ctx) -> Result:
    """One take per separated source (no change to the document)."""
    x = inputs.audio
    m, length = x.shape
    if p.sources > m:
        raise StudioError(f"cannot separate {p.sources} sources from {m} channels "
                          f"(this method needs at least as many microphones as sources)")
    n_iter = p.iterations or DEFAULT_ITERATIONS[p.method]
    if p.method == "fastica":
        ctx.progress(0.1, "FastICA")
        s = fastica(x.cpu(), p.sources, n_iter,
                    torch.Generator().manual_seed(ctx.seed)).float()
    else:
        n_fft = int(p.fft_size)
        X = stft(x.to(torch.float64).cpu(), n_fft).numpy().transpose(2, 1, 0)   # (S, F, M)
        calls = {"n": 0}

        def callback(_):
            calls["n"] += 1
            ctx.progress(min(0.95, 10 * calls["n"] / n_iter), p.method)

        def step(f):
            ctx.progress(0.02 + 0.93 * f, p.method)

        ctx.progress(0.02, p.method)
        with numpy_seed(ctx.seed):
            # a floor far below hearing keeps silent bins (above a resampled signal's band)
            # from dividing by zero inside the updates
            floor = 1e-9 * float(np.abs(X).max() or 1.0)
            X = X + floor * (np.random.standard_normal(X.shape)
                             + 1j * np.random.standard_normal(X.shape))
            model = p.model
            try:
                Y = separate_stft(X, p.method, p.sources, n_iter, callback, model,
                                  progress=step)
            except np.linalg.LinAlgError:
                if p.method != "auxiva" or model == "laplace":
                    raise StudioError(f"{p.method}: singular update on this recording; try "
                                      f"another method or FFT size") from None
                # the Gaussian model weights frames by 1 / their power: a few dominant
                # frames (a tone in noise, a short clip) can leave a singular covariance,
                # where the Laplace model's 1 / amplitude weighting still works
                model = "laplace"
                try:
                    Y = separate_stft(X, p.method, p.sources, n_iter, callback, model,
                                      progress=step)
                except np.linalg.LinAlgError:
                    # seen on a noiseless simulation of one source: every channel is the
                    # same signal filtered, so no demixing matrix can be inverted
                    raise StudioError("auxiva: singular update on this recording (its "
                                      "channels may hold fewer independent signals than "
                                      "microphones: a noiseless simulation?); try fastica, "
                                      "another FFT size, or simulate with sensor noise "
                                      "(snr)") from None
        if not np.isfinite(Y).all():
            raise StudioError(f"{p.method} diverged on this recording; try another method "
                              f"or FFT size")
        Y = torch.from_numpy(np.ascontiguousarray(Y.transpose(2, 1, 0)))          # (K, F, S)
        s = istft(Y, n_fft, length).float()
    ctx.progress(1.0, "done")
    takes = [(f"source {k + 1}", s[k:k + 1]) for k in range(s.shape[0])]
    values = {"method": p.method, "sources": int(s.shape[0])}
    if p.method == "auxiva":
        values["model"] = model
    return Result(takes=takes, report=Report(values=values))
