"""Long-term (pitch) prediction of an AR prediction error, for click detection.

The short-term AR model leaves the excitation: in voiced speech and in bowed, blown or
struck periodic tones a train of pulses, one per period, that looks like a click to a
detector on the AR error. A 3-tap pitch predictor per frame (lags T-1, T, T+1, which also
covers a period that is not a whole number of samples) predicts each pulse from the one a
period before (forward) and from the one a period after (backward). The smaller of the two
errors is kept: a click has no twin a period away on either side, so it stays; a pulse has
one on at least one side (the first and the last pulse of a voiced stretch included), so it
goes. Taking one side only would copy every click a period later as a ghost.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F


def pitch_cancelled(e: torch.Tensor, sr: int, frame_s: float = 0.03, fmin: float = 60.0,
                    fmax: float = 500.0, min_corr: float = 0.3, clip: float = 3.0
                    ) -> torch.Tensor:
    """|e| with the pitch pulses taken out: min over the forward and backward 3-tap pitch
    predictions of e, per frame of `frame_s` seconds whose normalised correlation at the best
    lag in [1/fmax, 1/fmin] reaches `min_corr` (elsewhere |e| unchanged). The lag and taps
    are estimated on e winsorised at `clip` robust deviations of the frame, so that clicks do
    not set them (two clicks T apart in a quiet frame would be taken for a period and each
    predicted from the other)."""
    n = e.shape[-1]
    L = max(8, int(frame_s * sr))
    tmin, tmax = max(2, int(sr / fmax)), int(sr / fmin)
    if n < 2 * L or n < 4 * tmax:
        return e.abs()
    ed = e.double()
    K = -(-n // L)
    m = tmax + 2
    raw = F.pad(ed, (m, K * L - n + m))  # raw[i] = e[i - m], zeros outside
    frames = F.pad(ed, (0, K * L - n)).reshape(K, L)
    lim = clip * frames.pow(2).mean(-1).sqrt()
    lim = F.pad(lim.repeat_interleave(L)[None], (m, m), mode="replicate")[0]
    w = torch.maximum(torch.minimum(raw, lim), -lim)
    starts = torch.arange(K, device=e.device) * L + m
    t = torch.arange(L, device=e.device)
    x = w[starts[:, None] + t]  # (K, L)
    lags = torch.arange(tmin, tmax + 1, device=e.device)
    # num(T) = sum_t x[t] e[s + t - T]: one FFT correlation of each frame with its past
    past = w[(starts - tmax)[:, None] + torch.arange(L + tmax, device=e.device)]
    nf = 1 << (2 * L + tmax).bit_length()
    c = torch.fft.irfft(torch.fft.rfft(past, nf) * torch.fft.rfft(x, nf).conj(), nf)
    num = c[:, tmax - lags]
    cum = F.pad(torch.cumsum(w ** 2, 0), (1, 0))
    den = cum[starts[:, None] - lags + L] - cum[starts[:, None] - lags]
    corr = num / torch.sqrt((x ** 2).sum(-1, keepdim=True) * den).clamp_min(1e-300)
    best = corr.argmax(-1)
    voiced = corr.gather(-1, best[:, None])[:, 0] >= min_corr
    period = lags[best]
    xr = raw[starts[:, None] + t]
    out = xr.abs()
    taps3 = torch.tensor([-1, 0, 1], device=e.device)
    for side in (1, -1):  # past period, next period
        lag = side * (period[:, None] + taps3)  # (K, 3)
        idx = starts[:, None, None] + t - lag[:, :, None]  # (K, 3, L)
        R = w[idx]
        G = R @ R.transpose(1, 2)
        G = G + (1e-9 * G.diagonal(dim1=1, dim2=2).sum(-1) + 1e-300)[:, None, None] \
            * torch.eye(3, dtype=G.dtype, device=G.device)
        taps = torch.linalg.solve(G, R @ x[:, :, None])  # (K, 3, 1)
        err = (xr - (taps.transpose(1, 2) @ raw[idx])[:, 0]).abs()
        out = torch.where(voiced[:, None], torch.minimum(out, err) if side == -1 else err, out)
    return out.reshape(-1)[:n].to(e.dtype)
