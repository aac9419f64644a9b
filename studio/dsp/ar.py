"""Autoregressive models: estimation, prediction error, and least-squares AR (LSAR)
interpolation of missing samples (Godsill & Rayner 1998; Janssen et al. 1986).

With b = [1, -a1, ..., -ap] the prediction-error filter, LSAR picks the missing samples x_m
that minimise the energy of e = b * x. Writing e0 for the error with the missing samples set
to zero, the normal equations are R x_m = -(b (correlated with) e0)_m where R[i, j] =
r_b(|i - j|) is the autocorrelation of b (banded Toeplitz), so no (N x N) matrix is built.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F


def prediction_error_filter(a: torch.Tensor) -> torch.Tensor:
    return torch.cat([a.new_ones(1), -a])


def fit_covariance(segments: list[torch.Tensor], order: int, ridge: float = 1e-6
                   ) -> torch.Tensor:
    """AR coefficients a (order,) by the covariance (least-squares) method over one or more
    segments of known samples: x(t) ~ sum_i a_i x(t - i) for every t with a full history."""
    rows, targets = [], []
    for s in segments:
        if s.numel() > order:
            win = s.unfold(0, order + 1, 1)  # (T, order+1), oldest first
            rows.append(win[:, :-1].flip(-1))
            targets.append(win[:, -1])
    if not rows:
        raise ValueError("not enough known samples to fit the AR model")
    X = torch.cat(rows).double()
    y = torch.cat(targets).double()
    G = X.T @ X
    G = G + ridge * (G.diagonal().mean() + 1e-12) * torch.eye(order, dtype=G.dtype,
                                                              device=G.device)
    return torch.linalg.solve(G, X.T @ y).to(segments[0].dtype)


def fit_autocorrelation(x: torch.Tensor, order: int, ridge: float = 1e-9) -> torch.Tensor:
    """AR coefficients by the autocorrelation (Yule-Walker) method, x (..., N) -> (..., order)."""
    n = x.shape[-1]
    X = torch.fft.rfft(x.double(), n=2 * n)
    r = torch.fft.irfft(X.abs() ** 2, n=2 * n)[..., : order + 1] / n
    r0 = r[..., :1] * (1 + ridge)
    r = torch.cat([r0, r[..., 1:]], -1)
    if r.ndim == 1 and r.device.type == "cpu":
        from scipy.linalg import solve_toeplitz  # Levinson, O(order^2)
        rr = r.numpy()
        return torch.from_numpy(solve_toeplitz(rr[:order], rr[1:order + 1])).to(x.dtype)
    idx = (torch.arange(order)[:, None] - torch.arange(order)[None, :]).abs().to(x.device)
    T = r[..., idx]
    return torch.linalg.solve(T, r[..., 1:order + 1][..., None])[..., 0].to(x.dtype)


def prediction_error(x: torch.Tensor, a: torch.Tensor, backward: bool = False) -> torch.Tensor:
    """Forward error e(t) = x(t) - sum a_i x(t-i) (zero history before the start), or the
    backward error x(t) - sum a_i x(t+i); same length as x. x (..., N), a (order,)."""
    b = prediction_error_filter(a).to(x.dtype)
    p = b.numel() - 1
    lead = x.shape[:-1]
    xx = x.reshape(-1, 1, x.shape[-1])
    if backward:
        e = F.conv1d(F.pad(xx, (0, p)), b.reshape(1, 1, -1))
    else:
        e = F.conv1d(F.pad(xx, (p, 0)), b.flip(0).reshape(1, 1, -1))
    return e.reshape(*lead, x.shape[-1])


def lsar_fill(x: torch.Tensor, missing: torch.Tensor, a: torch.Tensor,
              damping: float = 1e-9) -> torch.Tensor:
    """Least-squares AR interpolation of the samples of the 1-D signal x where `missing`,
    given AR coefficients a; the other samples are returned unchanged. `damping` (relative
    to r_b(0)) adds mu * |x_m|^2 to the cost: a model with zeros near the unit circle
    otherwise lets the fill grow at that frequency at no cost."""
    idx = torch.nonzero(missing).flatten()
    if idx.numel() == 0:
        return x.clone()
    dt = torch.float64
    b = prediction_error_filter(a).to(dt)
    p = b.numel() - 1
    lo = max(0, int(idx[0]) - p)
    hi = min(x.numel(), int(idx[-1]) + p + 1)
    seg = x[lo:hi].to(dt).clone()
    m = missing[lo:hi]
    seg[m] = 0
    # e0(t) = sum_l b_l seg(t - l) over the segment padded with zeros beyond it
    e0 = F.conv1d(F.pad(seg.reshape(1, 1, -1), (p, p)), b.flip(0).reshape(1, 1, -1)).flatten()
    # g(i) = sum_l b_l e0(i + l): the correlation of b with e0, i.e. A^T e0
    g = F.conv1d(e0.reshape(1, 1, -1), b.reshape(1, 1, -1)).flatten()
    rb = F.conv1d(F.pad(b.reshape(1, 1, -1), (p, p)), b.reshape(1, 1, -1)).flatten()[p:]
    loc = torch.nonzero(m).flatten()
    ridge = max(damping, 1e-12) * rb[0]
    if int(loc[-1] - loc[0]) + 1 == len(loc) and x.device.type == "cpu":
        # one contiguous gap: R is symmetric Toeplitz, Levinson solves it in O(n^2)
        from scipy.linalg import solve_toeplitz
        col = torch.zeros(len(loc), dtype=dt)
        col[: min(p + 1, len(loc))] = rb[: min(p + 1, len(loc))]
        col[0] += ridge
        sol = -torch.from_numpy(solve_toeplitz(col.numpy(), g[loc].numpy()))
    else:
        lag = (loc[:, None] - loc[None, :]).abs()
        R = torch.where(lag <= p, rb[lag.clamp_max(p)],
                        torch.zeros((), dtype=dt, device=x.device))
        R = R + ridge * torch.eye(len(loc), dtype=dt, device=x.device)
        sol = -torch.linalg.solve(R, g[loc])
    out = x.clone()
    out[lo + loc] = sol.to(x.dtype)
    return out


def lsar_interpolate(x: torch.Tensor, missing: torch.Tensor, order: int,
                     context: int | None = None, damping: float = 1e-9) -> torch.Tensor:
    """Fill the missing samples of a 1-D signal with one AR model fitted (covariance method)
    on the known samples around them (`context` samples each side, default 8 * order)."""
    idx = torch.nonzero(missing).flatten()
    if idx.numel() == 0:
        return x.clone()
    context = context or 8 * order
    lo = max(0, int(idx[0]) - context)
    hi = min(x.numel(), int(idx[-1]) + 1 + context)
    a = fit_covariance(known_runs(x[lo:hi], missing[lo:hi]), order)
    return lsar_fill(x, missing, a, damping)


def known_runs(x: torch.Tensor, missing: torch.Tensor) -> list[torch.Tensor]:
    """The stretches of x between missing samples."""
    m = missing.to(torch.int8)
    edges = torch.nonzero(torch.diff(m, prepend=m.new_ones(1), append=m.new_ones(1))).flatten()
    runs = []
    for s, e in zip(edges[0::2].tolist(), edges[1::2].tolist()):
        runs.append(x[s:e])
    return runs


def janssen(x: torch.Tensor, missing: torch.Tensor, order: int, iterations: int = 20,
            on_iteration=None, tol: float = 1e-3) -> torch.Tensor:
    """Janssen, Veldhuis & Vries (1986): alternate an AR fit on the whole block (with the
    current estimate in the gap) and LSAR interpolation with that model."""
    y = lsar_interpolate(x, missing, order)
    scale = float(x[~missing].pow(2).mean().sqrt()) + 1e-20
    for i in range(iterations):
        a = fit_autocorrelation(y, order)
        new = lsar_fill(y, missing, a)
        change = float((new - y)[missing].pow(2).mean().sqrt()) / scale
        y = new
        if on_iteration is not None:
            on_iteration(i + 1, iterations)
        if change < tol:  # the fill moved by less than tol of the signal's rms: converged
            break
    return y
