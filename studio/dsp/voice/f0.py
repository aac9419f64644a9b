"""Fundamental frequency with voicing: probabilistic YIN (Mauch & Dixon 2014, "pYIN").

YIN's cumulative-mean-normalised difference function d'(tau) is computed for all frames at
once by FFT. Every local minimum ("trough") of d' is a candidate period. pYIN does not pick
one threshold: thresholds follow a Beta(2, 18) prior, and under threshold s YIN picks the
first trough below s. So a trough k with value v_k, whose earlier troughs all stay above
m_k = min(v_j, j < k), is picked for every s in (v_k, m_k]: its probability is
G(m_k) - G(v_k), with G the prior's cumulative distribution. That closed form keeps the whole
candidate stage vectorised. A hidden Markov model over (voiced | unvoiced) x pitch bins
(20 cents) with a band-limited pitch transition is then decoded with Viterbi, and the
voiced frames take the exact (parabolically interpolated) candidate nearest the path.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F

from studio.dsp.voice._frames import frame, hop_for, n_frames, next_pow2

F0_MIN = 40.0
F0_MAX = 1600.0
BINS_PER_OCTAVE = 36          # 33-cent pitch states (exact f0 comes from the candidates)
MAX_OCTAVES_PER_SECOND = 36.0  # pYIN's transition limit (librosa's default, 35.92)
SWITCH_PROB = 0.01            # voiced <-> unvoiced transition probability per frame
ABSOLUTE_MIN_PRIOR = 0.01     # mass given to the global minimum when no trough passes
BLOCK_FRAMES = 200             # frames analysed at once (1 s at the 5 ms hop): progress steps
ANALYSIS_SHARE = 0.85         # of the time, analysis before decoding (measured: ~0.9)


@dataclass
class PitchTrack:
    """f0 in Hz on the shared frame grid (0 where unvoiced), batched over (B, T)."""
    f0: torch.Tensor
    voiced: torch.Tensor       # bool
    voiced_prob: torch.Tensor  # sum of candidate probabilities, in [0, 1]
    sr: int
    hop: int

    @property
    def times(self) -> torch.Tensor:
        return torch.arange(self.f0.shape[-1], device=self.f0.device) * (self.hop / self.sr)

    def filled(self) -> torch.Tensor:
        """f0 with unvoiced gaps filled (log-linear inside gaps, held at the ends), so a
        synthesiser can keep its phase running through them. All-unvoiced rows get 100 Hz."""
        out = torch.empty_like(self.f0)
        for b in range(self.f0.shape[0]):
            v = self.voiced[b].cpu().numpy()
            if not v.any():
                out[b] = 100.0
                continue
            idx = np.flatnonzero(v)
            logf = np.log(self.f0[b].cpu().numpy()[idx])
            t = np.arange(v.size)
            out[b] = torch.from_numpy(np.exp(np.interp(t, idx, logf))).to(out)
        return out


def _beta_prior(device, dtype) -> tuple[torch.Tensor, torch.Tensor]:
    """Thresholds 0.01..1.00 and their Beta(2, 18) probabilities (pYIN's default prior)."""
    s = torch.arange(1, 101, dtype=torch.float64) / 100.0
    a, b = 2.0, 18.0
    pdf = s ** (a - 1) * (1 - s).clamp(min=0) ** (b - 1)
    pdf = pdf / pdf.sum()
    return s.to(device, dtype), pdf.to(device, dtype)


def cmndf(frames: torch.Tensor, window: int, max_lag: int) -> torch.Tensor:
    """YIN's cumulative-mean-normalised difference, (..., L) frames -> (..., max_lag + 1).

    d(tau) = sum_{j<W} (x_j - x_{j+tau})^2 = E_0 + E_tau - 2 r(tau), r by FFT correlation."""
    # circular correlation is exact here: head_j x_{j+tau} never wraps for j < W and
    # tau <= max_lag when n_fft >= frame length
    n_fft = next_pow2(frames.shape[-1])
    head = frames[..., :window]
    spec = torch.fft.rfft(frames, n=n_fft) * torch.fft.rfft(head, n=n_fft).conj()
    r = torch.fft.irfft(spec, n=n_fft)[..., : max_lag + 1]
    sq = torch.cumsum(F.pad(frames * frames, (1, 0)), dim=-1)
    e0 = sq[..., window:window + 1]
    lags = torch.arange(max_lag + 1, device=frames.device)
    e_tau = sq[..., window:window + max_lag + 1] - sq[..., :max_lag + 1]
    d = (e0 + e_tau - 2 * r).clamp(min=0)
    cum = torch.cumsum(d[..., 1:], dim=-1)
    tau = lags[1:].to(d.dtype)
    dn = torch.ones_like(d)
    ok = cum > 1e-12 * (e0 + 1e-30)
    dn[..., 1:] = torch.where(ok, d[..., 1:] * tau / cum.clamp(min=1e-30), torch.ones_like(cum))
    return dn


def _candidates(dn: torch.Tensor, min_lag: int, sr: int):
    """Trough probabilities and interpolated frequencies, dense over lags: (..., lags)."""
    a, b, c = dn[..., :-2], dn[..., 1:-1], dn[..., 2:]
    lag = torch.arange(1, dn.shape[-1] - 1, device=dn.device)
    trough = (b < a) & (b <= c) & (lag >= min_lag)
    denom = a - 2 * b + c
    shift = torch.where(denom.abs() > 1e-12, 0.5 * (a - c) / denom, torch.zeros_like(b))
    shift = shift.clamp(-1, 1)
    value = (b - 0.25 * (a - c) * shift).clamp(min=0)
    freq = sr / (lag.to(dn.dtype) + shift)

    thresholds, prior = _beta_prior(dn.device, dn.dtype)
    cdf = F.pad(torch.cumsum(prior, 0), (1, 0))  # G(v) = sum of prior over thresholds <= v
    g = lambda v: cdf[torch.bucketize(v.contiguous(), thresholds, right=True)]
    inf = torch.full_like(value, float("inf"))
    v = torch.where(trough, value, inf)
    before = torch.cummin(F.pad(v, (1, 0), value=float("inf"))[..., :-1], dim=-1).values
    g_before = torch.where(torch.isinf(before), torch.ones_like(before), g(before.clamp(max=2)))
    prob = torch.where(trough & (v < before), g_before - g(v.clamp(max=2)), torch.zeros_like(v))
    # no trough under a threshold: pYIN gives a little of that mass to the global minimum
    vmin, imin = v.min(dim=-1, keepdim=True)
    has = torch.isfinite(vmin)
    leftover = torch.where(has, (1 - g(vmin.clamp(max=2))) * ABSOLUTE_MIN_PRIOR,
                           torch.zeros_like(vmin))
    prob = prob.scatter_add(-1, imin, leftover)
    return prob, freq


def _viterbi(obs: torch.Tensor, max_step: int, progress: Callable[[float], None] | None = None
             ) -> tuple[np.ndarray, np.ndarray]:
    """Decode (B, T, 2, nb) observation probabilities; returns voiced (B, T) and bin (B, T).

    The pitch transition is a triangle over +-max_step bins, so each step is a sliding-window
    max rather than a dense nb x nb product. The forward loop runs once per 5 ms frame, so
    it keeps only maxima (no argmax) in one padded score table; the backtrace recomputes the
    best predecessor of the one state on the path per frame, which is far cheaper."""
    # numpy, not torch: the loop runs small ops once per frame, where torch's thread pool
    # costs far more than the arithmetic on a busy machine
    B, T, _, nb = obs.shape
    K = max_step
    k = np.arange(-K, K + 1, dtype=np.float64)
    tri = K + 1 - np.abs(k)
    log_tri = np.log(tri / tri.sum())  # symmetric, so window order does not matter
    log_sw = np.log(np.array([[1 - SWITCH_PROB, SWITCH_PROB],
                              [SWITCH_PROB, 1 - SWITCH_PROB]]))            # (src, dst)
    log_sw4 = log_sw.reshape(1, 2, 2, 1)
    log_obs = np.log(np.clip(obs.detach().cpu().double().numpy(), 1e-30, None))
    # scores[t, b, s, K + i]: best log probability of state (s, bin i) at frame t; the K
    # -inf cells either side make the window of every bin the same shape
    scores = np.full((T, B, 2, nb + 2 * K), -np.inf)
    windows = np.lib.stride_tricks.sliding_window_view(scores, 2 * K + 1, axis=-1)
    cand = np.empty((B, 2, nb, 2 * K + 1))
    best = np.empty((B, 2, nb))
    scores[0, ..., K:K + nb] = log_obs[:, 0] - math.log(2 * nb)
    for t in range(1, T):
        np.add(windows[t - 1], log_tri, out=cand)                          # (B, src, nb, 2K+1)
        cand.max(axis=-1, out=best)
        trans = best[:, :, None, :] + log_sw4                              # (B, src, dst, nb)
        np.add(trans.max(axis=1), log_obs[:, t], out=scores[t, ..., K:K + nb])
        if progress is not None and t % BLOCK_FRAMES == 0:
            progress(t / T)
    last = scores[T - 1, ..., K:K + nb].reshape(B, -1).argmax(axis=1)
    voiced = np.zeros((B, T), dtype=bool)
    bins = np.zeros((B, T), dtype=np.int64)
    width = 2 * K + 1
    for bi in range(B):
        s, b = divmod(int(last[bi]), nb)
        for t in range(T - 1, -1, -1):
            voiced[bi, t] = s == 0
            bins[bi, t] = b
            if t:
                # the same sums as the forward pass, so the same maximum is found
                c = windows[t - 1, bi, :, b, :] + log_tri                  # (src, 2K+1)
                c += log_sw[:, s, None]
                s, j = divmod(int(c.argmax()), width)
                b = b + j - K
    return voiced, bins


def frame_length(sr: int, fmin: float = F0_MIN) -> int:
    """Samples one pYIN frame spans: a window of the longest period looked for, compared with
    the audio one lag later. Audio shorter than this holds no measurable pitch (callers
    refuse it rather than read a zero-padded frame)."""
    max_lag = int(math.ceil(sr / fmin)) + 1
    return 2 * max_lag + 1


def track_f0(x: torch.Tensor, sr: int, fmin: float = F0_MIN, fmax: float = F0_MAX,
             hop: int | None = None, silence_db: float = -60.0,
             progress: Callable[[float], None] | None = None) -> PitchTrack:
    """pYIN f0 of (N,) or (B, N) audio; frames centred on t * hop (5 ms by default).
    `progress(fraction)` is called as the frames are analysed (in blocks of BLOCK_FRAMES)
    and decoded; raise from it to stop."""
    report = progress or (lambda _f: None)
    if x.dim() == 1:
        x = x.unsqueeze(0)
    x = x.float()
    hop = hop or hop_for(sr)
    fmax = min(fmax, sr / 4)
    min_lag = max(2, int(math.floor(sr / fmax)))
    max_lag = int(math.ceil(sr / fmin)) + 1
    window = max_lag  # at least one longest period inside the integration window
    count = n_frames(x.shape[-1], hop)
    # YIN compares x[j] with x[j + tau] for j < W, so its estimate belongs to the middle of
    # [0, W + tau]; place frames so that middle is the frame time for a mid-range period
    mid_lag = math.sqrt(min_lag * max_lag)
    left = int(round((window + mid_lag) / 2))
    frames = frame(x, frame_length(sr, fmin), hop, count, left=left)  # (B, T, L): W + tau
    # frame by frame independent: analysed in blocks, so progress moves on a long input
    # (and the difference tables of only one block are held at a time)
    parts = []
    for a in range(0, count, BLOCK_FRAMES):
        dn = cmndf(frames[:, a:a + BLOCK_FRAMES], window, max_lag + 1)
        parts.append(_candidates(dn, min_lag, sr))
        report(ANALYSIS_SHARE * min(1.0, (a + BLOCK_FRAMES) / max(count, 1)))
    prob = torch.cat([q for q, _ in parts], dim=1)                    # (B, T, lags)
    freq = torch.cat([f for _, f in parts], dim=1)
    del parts

    # frames far below the loudest are treated as silence (YIN itself is level-blind)
    energy = frames[..., :window].pow(2).mean(-1)
    floor = energy.amax(-1, keepdim=True) * 10 ** (silence_db / 10) + 1e-12
    prob = prob * (energy > floor).unsqueeze(-1)

    nb = int(math.ceil(math.log2(fmax / fmin) * BINS_PER_OCTAVE)) + 1
    in_range = (freq >= fmin * 0.99) & (freq <= fmax * 1.01) & (prob > 0)
    cbin = (torch.log2(freq.clamp(min=1e-6) / fmin) * BINS_PER_OCTAVE).round().long()
    cbin = cbin.clamp(0, nb - 1)
    prob = prob * in_range
    voiced_obs = torch.zeros(*prob.shape[:-1], nb, dtype=prob.dtype, device=prob.device)
    voiced_obs.scatter_add_(-1, cbin, prob)
    vprob = voiced_obs.sum(-1).clamp(0, 1)
    unvoiced_obs = ((1 - vprob) / nb).unsqueeze(-1).expand_as(voiced_obs)
    obs = torch.stack([voiced_obs, unvoiced_obs], dim=2)             # (B, T, 2, nb)
    hop_s = hop / sr
    max_step = max(1, int(round(MAX_OCTAVES_PER_SECOND * hop_s * BINS_PER_OCTAVE)))
    voiced_np, bins_np = _viterbi(obs.float(), max_step, lambda f: report(
        ANALYSIS_SHARE + (1 - ANALYSIS_SHARE) * f))

    voiced = torch.from_numpy(voiced_np).to(x.device)
    path_bin = torch.from_numpy(bins_np).to(x.device)
    # exact frequency: the candidate nearest the decoded bin, when one is within 2 bins
    dist = (cbin - path_bin.unsqueeze(-1)).abs().float()
    dist = torch.where(prob > 0, dist, torch.full_like(dist, 1e9))
    dmin, idx = dist.min(-1)
    exact = torch.gather(freq, -1, idx.unsqueeze(-1)).squeeze(-1)
    centre = fmin * 2.0 ** (path_bin.float() / BINS_PER_OCTAVE)
    f0 = torch.where(dmin <= 2, exact, centre)
    f0 = torch.where(voiced, f0, torch.zeros_like(f0))
    return PitchTrack(f0=f0.float(), voiced=voiced, voiced_prob=vprob.float(), sr=sr, hop=hop)
