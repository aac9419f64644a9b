"""Mains hum: find the fundamental (near 50 or 60 Hz, with drift) and remove it and its
harmonics, either with a harmonic canceller or with zero-phase notches.

The canceller's model: hum = sum_h Re(c_h(t) e^{i h phase(t)}), one phase for all harmonics
(tracked by a Kalman smoother of a slowly wandering mains frequency, `track_phase`) and
slowly varying amplitudes c_h (weighted fits leaning on the moments where the music or
speech near each harmonic is quiet, `harmonic_amplitudes`), each scaled by its Wiener gain
so that a harmonic the data do not show is left alone. A clip whose spectrum shows no hum
(`looks_like_hum`) is not touched at all.

What tells the hum from music at the same frequency is that the hum is there all the time
with one amplitude, while the music's power at a harmonic rises and falls within a tenth of
a second (attacks, decays, reverberation tails, syllables). Both the amplitudes and the
phase are therefore fitted on short-time Fourier coefficients of 0.1 s frames inside each
harmonic's main lobe, each coefficient weighted by the inverse of its own local non-hum
power (`_tf_coefficients`, `_nonhum_power`): generalised least squares under
non-stationary interference. For the same reason an amplitude larger than what the quietest
moments show at the harmonic is not believed (`_presence_bound`), and the phase smoother
expects the mains frequency to change smoothly (grid inertia).
"""
from __future__ import annotations

import math

import numpy as np
import torch
import torchaudio.functional as AF

ANALYSIS_RATE = 4000  # hum harmonics below 2 kHz are found on a decimated copy
PROMINENT_DB = 10.0  # a harmonic this far above the spectrum around it stands out
MAINS_NEAR = 0.5  # Hz: how far the grid's frequency strays from 50 or 60 in practice


def looks_like_hum(heights_db: list[float], seconds: float, drift: float = 1.5) -> bool:
    """Whether the harmonic heights of `detect_fundamental(detail=True)` are a hum's: mains
    hum always shows at its fundamental or at two or more harmonics, while a single steady
    partial of the music that happens to sit on one harmonic of some f0 near 50 or 60 Hz
    (found in any hum-free recording) is music, and cancelling it would be damage. A clip
    shorter than 4 / drift s cannot be judged (the Hann main lobe, +-2 / seconds Hz, covers
    the +-drift Hz searched, so nothing stands out of it): the user asked, so it is hum."""
    if seconds < 4 / drift:
        return True
    standing = [h > PROMINENT_DB for h in heights_db]
    return bool(standing and (standing[0] or sum(standing) >= 2))


def _decimate(x: torch.Tensor, sr: int) -> tuple[torch.Tensor, int]:
    if sr <= ANALYSIS_RATE:
        return x, sr
    return AF.resample(x, sr, ANALYSIS_RATE), ANALYSIS_RATE


def _harmonic_power(x: torch.Tensor, sr: int, freqs: torch.Tensor, harmonics: int,
                    window: torch.Tensor) -> torch.Tensor:
    """|windowed DFT|^2 of x (B, N) at h*f for every candidate f: (B, F, H)."""
    n = torch.arange(x.shape[-1], device=x.device, dtype=torch.float64)
    h = torch.arange(1, harmonics + 1, device=x.device, dtype=torch.float64)
    f = (freqs.double()[:, None] * h[None, :]).reshape(-1)  # (F*H,)
    phase = 2 * math.pi * f[None, :] * n[:, None] / sr  # (N, F*H)
    xw = (x * window).double()
    c = xw @ torch.cos(phase)
    s = xw @ torch.sin(phase)
    return (c * c + s * s).reshape(x.shape[0], len(freqs), harmonics).float()


def detect_fundamental(x: torch.Tensor, sr: int, nominal: float | None = None,
                       harmonics: int = 6, drift: float = 1.5, detail: bool = False):
    """(fundamental in Hz, strength in dB above the neighbouring spectrum) of the hum in a
    (channels, frames) signal. `nominal` 50 or 60 restricts the search; None tries both.
    With `detail`, a third value: each harmonic's height (dB) above the spectrum around it."""
    mono = x.mean(0, keepdim=True)
    y, r = _decimate(mono, sr)
    y = y[:, : 30 * r]  # 30 s are plenty to find a stationary tone
    step = 0.01  # Hz: the zero-padded spectrum is sampled this finely
    spec, df, seconds = _stationary_spectrum(y[0], r, step)  # seconds: a block's (resolution)
    h = torch.arange(1, harmonics + 1, device=y.device, dtype=torch.float64)
    wide, near = [], []  # (total score, f, strength, heights) of candidates
    for nom in ([nominal] if nominal else [50.0, 60.0]):
        grid = torch.arange(nom - drift, nom + drift + 1e-9, step, device=y.device,
                            dtype=torch.float64)
        bins = torch.round(grid[:, None] * h[None, :] / df).long().clamp_max(len(spec) - 1)
        P = spec[bins].float()  # (F, H)
        # the peak at each harmonic relative to the median over the candidate band: a tone
        # stands out of the (music, noise) floor around it
        score = torch.log10(P / P.median(dim=0, keepdim=True).values.clamp_min(1e-20))
        total = score.clamp_min(0).sum(-1)
        i = int(total.argmax())
        wide.append((float(total[i]), float(grid[i]), float(10 * score[i].max()),
                     (10 * score[i]).tolist()))
        # the grid is almost always within MAINS_NEAR of its nominal frequency: a hum found
        # there (a peak inside that band that looks like hum) is preferred
        # to a stronger harmonic series further off, which is a sustained low note (a
        # piano's B-flat 1 at 58.3 Hz with its partials was taken for a 60 Hz hum)
        inner = (grid - nom).abs() <= MAINS_NEAR
        j = int(torch.where(inner, total, torch.full_like(total, -1.0)).argmax())
        # a peak of its own, not the skirt or a sidelobe of the strongest one just outside
        # the band (a Hann main lobe is +-2 / seconds Hz wide)
        own = j == i or abs(float(grid[j] - grid[i])) > 4 / seconds
        peak = 0 < j < len(total) - 1 and total[j] >= total[j - 1] and total[j] >= total[j + 1]
        if own and peak and looks_like_hum((10 * score[j]).tolist(), seconds, drift):
            near.append((float(total[j]), float(grid[j]), float(10 * score[j].max()),
                         (10 * score[j]).tolist()))
    _, f, strength, heights = max(near or wide)
    return (f, strength, heights) if detail else (f, strength)


# The hum is there all the time, a note only while it sounds: the spectrum searched is the
# smallest, at each frequency, of those of blocks this long (half overlapping), so a bass
# note near the mains frequency (the demo's G1 at 49.0 Hz, 2.5 s of every 10) that is
# missing from any block does not stand out, while the hum stands out of every block. Four
# seconds resolve a note 1 Hz from the hum (a Hann main lobe is +-2 / T Hz); a clip shorter
# than two blocks is one block.
STATIONARY_BLOCK = 4.0


def _stationary_spectrum(y: torch.Tensor, r: int, step: float
                         ) -> tuple[torch.Tensor, float, float]:
    """The power spectrum of the 1-D y (rate r) sampled every `step` Hz (zero-padded), as the
    minimum over half-overlapping Hann blocks of STATIONARY_BLOCK s; its bin width (Hz) and
    the block's length (s)."""
    n = y.shape[-1]
    block = int(STATIONARY_BLOCK * r)
    if n < 2 * block:
        block = n
    hop = max(1, block // 2)
    starts = range(0, n - block + 1, hop)
    win = torch.hann_window(block, periodic=False, device=y.device, dtype=torch.float64)
    n_fft = max(int(round(r / step)), block)
    frames = torch.stack([y[a:a + block].double() * win for a in starts])
    spec = (torch.fft.rfft(frames, n=n_fft).abs() ** 2).amin(0)
    return spec, r / n_fft, block / r


def hum_phase(x: torch.Tensor, sr: int, f0: float, bandwidth: float = 1.0) -> torch.Tensor:
    """The instantaneous phase (radians, unwrapped) of the hum fundamental at every sample:
    the analytic signal of a Gaussian band around f0 (an FFT mask on a decimated mono copy),
    its unwrapped angle, interpolated back to the full rate. Harmonic h then has phase
    h * phase + constant, so the canceller follows any drift exactly."""
    mono = x.mean(0)
    y, r = _decimate(mono[None], sr)
    y = y[0].double()
    n = y.shape[-1]
    nfft = 1 << math.ceil(math.log2(n + 1))
    Y = torch.fft.fft(y, n=nfft)
    f = torch.fft.fftfreq(nfft, 1 / r, device=y.device, dtype=torch.float64)
    # a Gaussian band, not a brick wall: the brick wall's time response rang at the band
    # edges (0.02-0.05 rad wobbles at 1.5 Hz)
    band = torch.exp(-0.5 * ((f - f0) / bandwidth) ** 2).to(Y.dtype)
    z = torch.fft.ifft(Y * band * 2)[:n]
    ang = torch.angle(z)
    d = torch.diff(ang)
    d = d - 2 * math.pi * torch.round((d - 2 * math.pi * f0 / r) / (2 * math.pi))
    d = _coast_off_band(d, r, f0)
    phase = torch.cat([ang[:1], ang[:1] + torch.cumsum(d, 0)])
    # the band filter sees zeros beyond the ends (its time response is ~3/(2 pi bandwidth)
    # long): there, continue the phase on a line fitted just inside
    edge = int(3 * r / (2 * math.pi * bandwidth))
    if n > 4 * edge:
        i = torch.arange(n, device=y.device, dtype=torch.float64)
        for a, b, sl in ((edge, 2 * edge, slice(0, edge)), (n - 2 * edge, n - edge, slice(n - edge, n))):
            slope = (phase[b] - phase[a]) / (b - a)
            ref = a if sl.start == 0 else b
            phase[sl] = phase[ref] + slope * (i[sl] - ref)
    else:
        phase = phase[n // 2] + 2 * math.pi * f0 / r * (torch.arange(n, device=y.device,
                                                                  dtype=torch.float64) - n // 2)
    # back to the full rate: linear interpolation of a smooth phase
    t_full = torch.arange(mono.shape[-1], device=x.device, dtype=torch.float64) * (r / sr)
    i0 = t_full.floor().long().clamp(0, n - 2)
    frac = t_full - i0
    return phase[i0] * (1 - frac) + phase[i0 + 1] * frac


def _coast_off_band(d: torch.Tensor, r: int, f0: float) -> torch.Tensor:
    """Phase steps d (radians per sample at rate r) where their frequency, averaged over
    0.25 s, stays within MAINS_DEVIATION of f0; elsewhere (a note near the hum took the band
    over) the frequency interpolated from either side, so the phase slips no cycles there."""
    k = max(1, int(0.25 * r))
    f = torch.nn.functional.avg_pool1d((d * r / (2 * math.pi))[None, None], k, 1, k // 2,
                                       count_include_pad=False)[0, 0, : len(d)]
    good = (f - f0).abs() <= MAINS_DEVIATION
    if bool(good.all()) or not bool(good.any()):
        return d
    i = np.arange(len(d), dtype=np.float64)
    ok = good.cpu().numpy()
    fi = np.interp(i, i[ok], f.double().cpu().numpy()[ok])
    coast = torch.from_numpy(fi).to(d) * (2 * math.pi / r)
    return torch.where(good, d, coast)


# How fast the mains frequency may change: its rate of change (Hz/s) is a random walk of this
# many Hz/s per sqrt(second). Grid inertia keeps the frequency within +-0.2 Hz and makes it
# move smoothly, by hundredths of a Hz per second in normal operation; a smooth frequency is
# what the smoother expects, so a voice or a note passing over a harmonic cannot bend the
# track. (A random walk of the frequency itself, 0.05 Hz/sqrt(s), let the track follow
# second-long wobbles of the measurements: 0.1-0.2 rad on male speech 30 dB above the hum.)
MAINS_WANDER = 0.02
# The time-frequency phase measurements' errors stay correlated over about a second (a voice's
# partial gliding through a harmonic bends them the same way for many frames): measured at the
# true phase, the error of 1 s averages was 1-5 times (one male voice: 13 times) what the
# per-coefficient variances and the frame overlap predict. The variance handed to the smoother
# is scaled up by this much, so that it does not follow those wobbles.
PHASE_VAR_SCALE = 6.0


def track_phase(x: torch.Tensor, sr: int, f0: float, harmonics: int = 8,
                fit_seconds: float = 8.0, passes: int = 3,
                wander: float = MAINS_WANDER) -> torch.Tensor:
    """The phase (radians, unwrapped, of the fundamental) of the hum at every sample, from
    all its harmonics. Starting from `hum_phase`, each pass estimates every harmonic's
    slowly varying amplitude c_h on the current phase (`harmonic_amplitudes`, the estimator
    the canceller uses), then measures the phase error e in short Hann frames, from the
    short-time Fourier coefficients D_kj inside each harmonic's main lobe (`_tf_coefficients`):
    with a phase error e, D = c_h W (1 + i h e) + interference, so e is a weighted
    least-squares fit over the coefficients of all harmonics, each weighted by the inverse of
    its own local non-hum power (`_nonhum_power`: a voice on one side of a harmonic's main
    lobe spoils only those coefficients), with variance 1 / (2 sum h^2 |c_h W|^2 / S). The
    measurements are smoothed by a Kalman (Rauch-Tung-Striebel) smoother whose model is a
    mains frequency that changes smoothly, its rate of change a random walk of `wander` Hz/s
    per sqrt(s) (MAINS_WANDER): where the hum stands clear the track follows every
    measurement, where music covers it the track coasts on the frequency. Frames whose measurement disagrees with the track by far more than their
    variance (a partial crossing a harmonic) are down-weighted (Cauchy weights) and the
    smoothing repeated. (A fixed 0.15 s Gaussian smoothing let speech on the lower harmonics
    bend the track by up to 0.1 rad, which capped the cancellation near 25 dB; one
    measurement per frame from the value at the harmonic alone, weighted by the power beside
    the main lobe, left 0.008-0.009 rad of wobble on male speech.)"""
    rate = _analysis_rate(sr, harmonics, f0)
    mono = x.mean(0, keepdim=True)
    xd = (mono if rate >= sr else AF.resample(mono, sr, rate))[0].double()
    N = xd.shape[-1]
    dev = x.device
    phase = hum_phase(x, sr, f0)
    h = _harmonic_numbers(harmonics, f0, rate, dev)
    grid = 0.05
    tq = torch.arange(0.0, N / rate + grid, grid, device=dev, dtype=torch.float64)
    t_full = torch.arange(x.shape[-1], device=dev, dtype=torch.float64) / sr
    # the smoother runs on the whole deviation from a line at f0, not on each pass's
    # correction: the wobbles that music put into the starting phase are smoothed away too
    line = 2 * math.pi * f0 * t_full
    for _ in range(passes):
        d = xd[None] * torch.exp(-1j * h[:, None] * _resample_phase(phase, sr, rate, N)[None])
        c = harmonic_amplitudes(d, rate, tq, fit_seconds)  # (H, Q)
        D, W, tc, L, hop = _tf_coefficients(d, rate)
        ck = _at_frames(c, tq, len(tc), rate / hop)  # (H, K, 1)
        S = _nonhum_power(D, W, ck)
        g = 1j * h[:, None, None] * ck * W  # the hum's change per radian of phase error
        num = ((g.conj() * (D - ck * W)).real / S).sum((0, 2))
        info = ((g.abs() ** 2) / S).sum((0, 2)).clamp_min(1e-30)
        i_c = (tc * sr).round().long().clamp_max(x.shape[-1] - 1)
        dev_k = (phase[i_c] - line[i_c] + num / info).cpu().numpy()
        # overlapping frames share their interference: a Hann frame's effective length is
        # L / 1.5, so about that many hops' measurements are one independent one
        var = (PHASE_VAR_SCALE * (L / 1.5 / hop) / (2 * info)).cpu().numpy()
        track, slope = _robust_smooth(dev_k, var, hop / rate, wander)
        phase = line + _extrapolated(torch.from_numpy(track).to(dev),
                                     torch.from_numpy(slope).to(dev), tc, t_full)
    return phase


def _extrapolated(v, slope, tv, t):
    """v at the times tv, linearly interpolated at t; beyond the ends continued with the
    end slopes (the phase keeps turning at its last frequency)."""
    out = _interp_at(v, tv, t)
    lo, hi = t < tv[0], t > tv[-1]
    out[lo] = v[0] + slope[0] * (t[lo] - tv[0])
    out[hi] = v[-1] + slope[-1] * (t[hi] - tv[-1])
    return out


# Within a clip a grid keeps its frequency within about +-0.1 Hz of its mean (minutes-long
# excursions reach +-0.2 Hz; the deviation the smoother runs on is from the fundamental found
# on the stationary spectrum). A track that leaves this band is following a
# note near the mains frequency (the demo's bass G1 at 49.0 Hz, held for seconds, drew a
# 50.0 Hz hum's track down to 48.7 Hz): the measurements there are not believed (their
# variance grows with the excess) and the track coasts through on the hum's frequency
# either side of the note.
MAINS_DEVIATION = 0.1  # Hz
DEVIATION_ROUNDS = 8


def _robust_smooth(y: np.ndarray, var: np.ndarray, dt: float, wander: float,
                   rounds: int = 3) -> np.ndarray:
    """Kalman-smoothed phase (and its slope, rad/s) from noisy measurements y (variances var,
    one every dt s), outlying measurements down-weighted by Cauchy weights over a few rounds,
    and those that pull the frequency out of the mains band (MAINS_DEVIATION) by more."""
    v = var.copy()
    distrust = np.ones_like(var)
    for k in range(rounds + DEVIATION_ROUNDS):
        est = _rts(y, v, dt, wander)
        excess = np.abs(est[:, 1]) / (2 * math.pi) - MAINS_DEVIATION
        if k >= rounds and not (excess > 0).any():
            break
        # grows round by round where the track stays out of the band
        distrust *= 1 + (np.maximum(excess, 0) / 0.02) ** 2
        r2 = (y - est[:, 0]) ** 2 / var
        v = var * (1 + r2 / 9.0) * distrust  # Cauchy weights at 3 sigma
    est = _rts(y, v, dt, wander)
    return est[:, 0], est[:, 1]


def _rts(y: np.ndarray, var: np.ndarray, dt: float, wander: float) -> np.ndarray:
    """Rauch-Tung-Striebel smoother of state (phase, angular frequency, its rate of change)
    with the rate a random walk of `wander` Hz/s per sqrt(s), observing the phase with
    variances var: (K, 3)."""
    F = np.array([[1.0, dt, dt * dt / 2], [0.0, 1.0, dt], [0.0, 0.0, 1.0]])
    qa = (2 * math.pi * wander) ** 2  # (rad/s^2)^2 per s
    Q = qa * np.array([[dt ** 5 / 20, dt ** 4 / 8, dt ** 3 / 6],
                       [dt ** 4 / 8, dt ** 3 / 3, dt ** 2 / 2],
                       [dt ** 3 / 6, dt ** 2 / 2, dt]])
    x0 = np.array([y[0], 0.0, 0.0])
    # vague: any phase, +-1 Hz, +-0.1 Hz/s
    P0 = np.diag([var[0] + 1e4, (2 * math.pi * 1.0) ** 2, (2 * math.pi * 0.1) ** 2])
    K, n = len(y), len(x0)
    xs = np.zeros((K, n))
    Ps = np.zeros((K, n, n))
    xp_s = np.zeros((K, n))
    Pp_s = np.zeros((K, n, n))
    xk, Pk = x0, P0
    for k in range(K):
        if k:
            xk = F @ xk
            Pk = F @ Pk @ F.T + Q
        xp_s[k], Pp_s[k] = xk, Pk
        S = Pk[0, 0] + var[k]
        G = Pk[:, 0] / S
        xk = xk + G * (y[k] - xk[0])
        Pk = Pk - np.outer(G, Pk[0, :])
        xs[k], Ps[k] = xk, Pk
    for k in range(K - 2, -1, -1):
        C = Ps[k] @ F.T @ np.linalg.inv(Pp_s[k + 1])
        xs[k] = xs[k] + C @ (xs[k + 1] - xp_s[k + 1])
        Ps[k] = Ps[k] + C @ (Ps[k + 1] - Pp_s[k + 1]) @ C.T
    return xs


def _analysis_rate(sr: int, harmonics: int, f0: float) -> int:
    """A rate that still holds every harmonic to be removed (at least ANALYSIS_RATE)."""
    return min(sr, max(ANALYSIS_RATE, int(math.ceil(2.5 * harmonics * f0 / 1000)) * 1000))


def _harmonic_numbers(harmonics: int, f0: float, rate: int, dev) -> torch.Tensor:
    return torch.tensor([h for h in range(1, harmonics + 1) if h * f0 < rate / 2 - 20],
                        dtype=torch.float64, device=dev)


def _resample_phase(phase: torch.Tensor, sr: int, rate: int, n: int) -> torch.Tensor:
    """A smooth phase track at `sr` read at the n sample times of `rate` (interpolated: the
    nearest sample was up to half a 44.1 kHz sample off, 0.04 rad at the 6th harmonic)."""
    if rate == sr:
        return phase[:n]
    pos = (torch.arange(n, device=phase.device, dtype=torch.float64) * (sr / rate)).clamp_max(
        phase.shape[-1] - 1.000001)
    i0 = pos.floor().long()
    frac = pos - i0
    return phase[i0] * (1 - frac) + phase[i0 + 1] * frac


def _interp_at(v: torch.Tensor, tv: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """v sampled at the increasing times tv, linearly interpolated at t (held at the ends)."""
    if len(tv) == 1:
        return v.expand(len(t)).clone()
    i = torch.searchsorted(tv, t).clamp(1, len(tv) - 1)
    frac = ((t - tv[i - 1]) / (tv[i] - tv[i - 1])).clamp(0, 1)
    return v[i - 1] * (1 - frac) + v[i] * frac


def cancel_harmonics(x: torch.Tensor, phase: torch.Tensor, fit_seconds: float, harmonics: int,
                     sr: int, f0: float) -> torch.Tensor:
    """The hum estimate (channels, frames): sum over harmonics h of Re(c_h(t) e^{i h phase}),
    each slowly varying complex amplitude c_h(t) estimated by `harmonic_amplitudes`. All of it
    runs on a copy decimated to a rate that still holds every harmonic (the hum is
    band-limited); the hum estimate is resampled back."""
    rate = _analysis_rate(sr, harmonics, f0)
    xd = x if rate >= sr else AF.resample(x, sr, rate)
    C, N = xd.shape
    ph = _resample_phase(phase, sr, rate, N)
    h = _harmonic_numbers(harmonics, f0, rate, x.device)
    grid = 0.05  # seconds between amplitude samples; hum amplitude moves slower than this
    tq = torch.arange(0.0, N / rate + grid, grid, device=x.device, dtype=torch.float64)
    hum = torch.zeros(C, N, dtype=torch.float64, device=x.device)
    for group in h.split(8):  # bounded memory for many harmonics on long chunks
        rot = torch.exp(1j * group[:, None] * ph[None, :])  # (G, N)
        d = xd.double()[:, None, :] * rot.conj()[None]  # harmonic h moved to 0 Hz
        c, var = harmonic_amplitudes(d.reshape(-1, N), rate, tq, fit_seconds, with_variance=True)
        # a harmonic that is not there (or is buried in music) is estimated as noise, and
        # subtracting noise is damage: the Wiener gain |c|^2 / (|c|^2 + var) keeps a clear
        # harmonic whole and lets an insignificant one go (hum-free input stays untouched)
        c = c * (c.abs() ** 2 / (c.abs() ** 2 + var))
        c = c * _presence_bound(d.reshape(-1, N), rate, c)[:, None]
        cf = _interp(c, tq[1] - tq[0], N, rate).reshape(C, len(group), N)
        hum += (cf * rot[None]).real.sum(1)
    hum = hum.to(x.dtype)
    return hum if rate >= sr else AF.resample(hum, rate, sr)[..., : x.shape[-1]]


# The hum is there all the time: in the quietest PRESENCE_QUANTILE of the 0.1 s frames, the
# magnitude at a harmonic is at least about the hum's own (interference as strong as the hum
# can halve it now and then). An estimate more than PRESENCE_MARGIN times that is music that
# comes and goes (a note's partial on the harmonic, which the fit can lock onto) and is
# scaled down to the bound.
PRESENCE_QUANTILE = 0.1
PRESENCE_MARGIN = 2.0


def _presence_bound(d: torch.Tensor, rate: int, c: torch.Tensor) -> torch.Tensor:
    """A factor (B,) <= 1 for the amplitudes c (B, Q) of the rows of d (B, N): 1 unless the
    largest |c| exceeds PRESENCE_MARGIN times the PRESENCE_QUANTILE of the harmonic's
    magnitude over the whole frames."""
    D, W, _, _, _ = _tf_coefficients(d, rate)
    j = TF_OFFSETS.index(0.0)
    whole = W[0, :, j].real > 0.9
    if int(whole.sum()) < 10:
        return torch.ones(d.shape[0], dtype=torch.float64, device=d.device)
    low = torch.quantile(D[:, whole, j].abs(), PRESENCE_QUANTILE, dim=-1)
    return (PRESENCE_MARGIN * low / c.abs().amax(-1).clamp_min(1e-30)).clamp(max=1.0)


def _interp(c: torch.Tensor, step, n: int, rate: int) -> torch.Tensor:
    """Linear interpolation of values on a grid of `step` seconds to n samples at `rate`."""
    pos = (torch.arange(n, device=c.device, dtype=torch.float64) / rate / step).clamp_max(
        c.shape[-1] - 1.000001)
    i0 = pos.floor().long()
    frac = pos - i0
    return c[..., i0] * (1 - frac) + c[..., i0 + 1] * frac


# short frames for the time-frequency estimate: the music near a harmonic (plucks, reverb
# tails, speech) changes its level within a tenth of a second, and the estimate is only as
# good as the weights follow it (with the true local music power as weights, 0.1 s frames
# beat 0.3-1.2 s ones by 10-20 dB on fluidsynth music)
TF_FRAME = 0.1
TF_OFFSETS = (-1.0, -0.5, 0.0, 0.5, 1.0)  # in units of 1 / frame: the Hann main lobe's core
TF_ROUNDS = 4


def _tf_coefficients(d, rate, T=TF_FRAME):
    """Short-time Fourier coefficients of the rows of d (B, N) at TF_OFFSETS / T Hz, Hann
    frames of T s every T / 4 s centred on k * hop (the clip padded with zeros at its ends):
    D (B, K, J), scaled so that x = Re(c e^{i h phase}) gives c W; the hum's response W
    (1, K, J) (1 at 0 Hz in a full frame, less in an edge frame); frame centres (s), L, hop."""
    N = d.shape[-1]
    dev = d.device
    L = max(16, int(T * rate))
    hop = max(1, L // 4)
    win = torch.hann_window(L + 2, periodic=False, dtype=torch.float64, device=dev)[1:-1]
    n = (torch.arange(L, dtype=torch.float64, device=dev) - (L - 1) / 2) / rate
    f = torch.tensor(TF_OFFSETS, dtype=torch.float64, device=dev) / T
    ph = torch.exp(-2j * math.pi * n[:, None] * f[None, :])  # (L, J)
    pad = L // 2
    n_fr = (N - 1) // hop + 1
    total = (n_fr - 1) * hop + L
    frames = torch.nn.functional.pad(d, (pad, total - N - pad)).unfold(-1, L, hop)  # (B, K, L)
    valid = torch.nn.functional.pad(torch.ones(N, dtype=torch.float64, device=dev),
                                    (pad, total - N - pad)).unfold(-1, L, hop)  # (K, L)
    # x = Re(c e^{i h phase}) puts c / 2 at 0 Hz of d: hence the 2
    D = frames @ (win[:, None] * ph * (2 / win.sum())).to(frames.dtype)  # (B, K, J)
    # the hum's response: 1 at 0 Hz in a full frame, less in an edge frame
    W = (((valid * win).to(ph.dtype) @ ph) / win.sum())[None]  # (1, K, J)
    tc = torch.arange(n_fr, device=dev, dtype=torch.float64) * hop / rate
    return D, W, tc, L, hop


def _nonhum_power(D, W, ck):
    """S (B, K, J): the local power of what is not hum (D - ck W) in each coefficient,
    averaged over three frames (one frame's value can be tiny by chance, a beat), with a
    floor (a clip of pure hum has none)."""
    B, K, J = D.shape
    P = ((D - ck * W).abs() ** 2).transpose(1, 2).reshape(-1, 1, K)
    S = torch.nn.functional.avg_pool1d(P, 3, 1, 1, count_include_pad=False)
    S = S.reshape(B, J, K).transpose(1, 2)
    return S + 1e-3 * S.flatten(1).median(-1).values[:, None, None] + 1e-30


def _at_frames(c, tq, n_fr, frame_rate):
    """c (B, Q) on the grid tq, read at n_fr frame centres k / frame_rate: (B, K, 1)."""
    if len(tq) == 1:
        return c[..., :1, None].expand(c.shape[0], n_fr, 1)
    return _interp(c, float(tq[1] - tq[0]), n_fr, frame_rate)[..., None]


# frame lengths (s) of the per-frame harmonic estimates: short frames let the weights follow
# speech pauses, long ones reject an instrument's partial a few Hz from a harmonic; the
# estimates of all three are combined by their estimated error variance, moment by moment
FRAME_SECONDS = (0.3, 0.6, 1.2)


def harmonic_amplitudes(d: torch.Tensor, rate: int, tq: torch.Tensor, fit_seconds: float,
                        frame_seconds=FRAME_SECONDS, with_variance: bool = False,
                        tf_frame: float | None = TF_FRAME):
    """The complex amplitude, at the times tq, of the component at 0 Hz of each row of the
    demodulated signal d (B, N): a weighted least-squares estimate in which the music or
    speech near the harmonic is non-stationary interference.

    Per frame (Blackman window), the estimate z_k at 0 Hz and the interference power s_k
    from the spectrum just outside the window's main lobe; then c(t) = sum_k K(t - t_k) w_k
    z_k / sum_k K(t - t_k) w_k with w_k = 1/s_k and K a Gaussian of `fit_seconds`. The hum is
    stationary and present in every frame, the interference is not, so the frames where the
    neighbourhood of the harmonic is quiet (speech pauses, between notes) carry the estimate
    (a plain least-squares fit lets speech 30 dB above a weak harmonic leak into it). The
    frame lengths are combined by each one's sandwich estimate of its error variance.

    With `tf_frame` (s), that estimate starts the finer one of `_tf_estimate` (weights per
    short-time coefficient, following the music's level within a tenth of a second; a
    note a few Hz off the harmonic, inside these frames' main lobes, is invisible beside
    it), and the two are combined by their variances. On fluidsynth renders (reverberant
    guitar, piano, organ) the finer estimate took the amplitude error from about -20 to about
    -30 dB where a partial lies 2-5 Hz from a harmonic. The variance is returned too, as a
    second value, with `with_variance`."""
    ests, variances = [], []
    for T in frame_seconds:
        c, v = _weighted_estimate(d, rate, tq, T, fit_seconds)
        ests.append(c)
        variances.append(v)
    w = 1 / (torch.stack(variances) + 1e-30)
    c = (w * torch.stack(ests)).sum(0) / w.sum(0)
    # the frame lengths see the same samples: their errors are correlated, so the combined
    # variance is the weighted mean of theirs, not 1 / sum(1 / v)
    v = len(frame_seconds) / w.sum(0)
    if tf_frame:
        c2, v2 = _tf_estimate(d, rate, tq, fit_seconds, c, tf_frame)
        w1, w2 = 1 / (v + 1e-30), 1 / (v2 + 1e-30)
        c = (w1 * c + w2 * c2) / (w1 + w2)
        v = 2 / (w1 + w2)  # correlated again (same samples): the mean, not the sum
    return (c, v) if with_variance else c


def _tf_estimate(d, rate, tq, fit_seconds, start, T=TF_FRAME, rounds=TF_ROUNDS):
    """The complex amplitude at tq of the 0 Hz component of each row of d (B, N) by
    generalised least squares on short-time Fourier coefficients: in Hann frames of T s, the
    coefficients D_kj at the offsets TF_OFFSETS / T (inside the main lobe, where the hum shows
    as c W_kj with W the window's response) are weighted by 1 / S_kj, S_kj the local power of
    what is not hum there (|D - c W|^2 averaged over three frames, by iteratively reweighted
    least squares from `start`, c at tq (B, Q)). Each coefficient is weighted on its own, so a
    note just beside the harmonic (on one side of the main lobe) loses only the coefficients
    it covers; and frames 0.1 s long let the weights follow the music's attacks and decays.
    Returns c (B, Q) and its sandwich variance."""
    D, W, tc, L, hop = _tf_coefficients(d, rate, T)
    n_fr = len(tc)
    G = torch.exp(-0.5 * ((tq[:, None] - tc[None, :]) / (fit_seconds / 2)) ** 2)  # (Q, K)
    Gc = G.T.to(D.dtype)
    c = start
    for _ in range(rounds):
        ck = _at_frames(c, tq, n_fr, rate / hop)
        a = W.conj() / _nonhum_power(D, W, ck)  # (B, K, J)
        num = (a * D).sum(-1) @ Gc  # (B, Q)
        den = (a * W).sum(-1) @ Gc
        c = num / den
    ck = _at_frames(c, tq, n_fr, rate / hop)
    r = (a * (D - ck * W)).sum(-1).abs() ** 2  # (B, K): each frame's share of the error
    var = r @ (G ** 2).T / den.abs() ** 2 * (L / 1.5 / hop)
    return c, var


def _weighted_estimate(d, rate, tq, T, fit_seconds, irls=0):
    B, N = d.shape
    L = max(16, int(T * rate))
    hop = max(1, L // 4)
    dev = d.device
    win = torch.blackman_window(L, periodic=False, dtype=torch.float64, device=dev)
    # neighbours: 1.2-3 main-lobe half-widths (3/T for Blackman) either side
    nb = torch.arange(1.2, 3.01, 0.3, dtype=torch.float64, device=dev) * 3 / T
    offs = torch.cat([torch.zeros(1, dtype=torch.float64, device=dev), nb, -nb])
    n = torch.arange(L, dtype=torch.float64, device=dev) / rate
    E = torch.exp(-2j * math.pi * n[:, None] * offs[None, :]) * (win * 2 / win.sum())[:, None]
    pad = L // 2
    n_fr = (N - 1) // hop + 1
    total = (n_fr - 1) * hop + L
    dp = torch.nn.functional.pad(d, (pad, total - N - pad))
    frames = dp.unfold(-1, L, hop)  # (B, K, L)
    valid = torch.nn.functional.pad(torch.ones(N, dtype=torch.float64, device=dev),
                                    (pad, total - N - pad)).unfold(-1, L, hop)
    cover = ((valid * win).sum(-1) / win.sum()).clamp_min(1e-3)  # edge frames: part padding
    Z = (frames @ E) / cover[None, :, None]
    z = Z[..., 0]
    s2 = (Z[..., 1:].abs() ** 2).mean(-1)
    floor = 1e-3 * s2.median(dim=-1, keepdim=True).values + 1e-30
    wk = cover ** 2 / (s2 + floor)  # (B, K)
    tc = torch.arange(n_fr, device=dev, dtype=torch.float64) * hop / rate
    K = torch.exp(-0.5 * ((tq[:, None] - tc[None, :]) / (fit_seconds / 2)) ** 2)  # (Q, K)
    for it in range(irls + 1):
        den = wk @ K.T  # (B, Q)
        c = ((wk * z) @ K.T.to(z.dtype)) / den
        ck = _interp(c, float(tq[1] - tq[0]), n_fr, rate / hop)
        if it < irls:
            # a note on the harmonic itself (inside the main lobe) is invisible to the
            # neighbours but pulls z away from the fit: count that too (smoothed over a
            # frame length, so a beat between note and hum does not pick its own frames)
            r2 = torch.nn.functional.avg_pool1d(((z - ck).abs() ** 2)[:, None], 5, 1, 2,
                                                count_include_pad=False)[:, 0]
            wk = cover ** 2 / (s2 + r2 + floor)
    # sandwich variance: the spread of the frames' estimates about the fit, weighted as used;
    # frames a quarter-length apart overlap, and a Blackman frame holds about L / 1.73
    # samples' worth of independent interference: that many hops share one error
    var = ((wk ** 2) * (z - ck).abs() ** 2) @ (K ** 2).T / den ** 2 * (L / 1.73 / hop)
    return c, var


def notch(x: torch.Tensor, sr: int, freqs: list[float], q: float) -> torch.Tensor:
    """Zero-phase second-order notches (the RBJ/iirnotch design) at each frequency."""
    y = x
    for f in freqs:
        w0 = 2 * math.pi * f / sr
        bw = w0 / q
        g = 1 / (1 + math.tan(bw / 2))
        b = torch.tensor([g, -2 * g * math.cos(w0), g], dtype=x.dtype, device=x.device)
        a = torch.tensor([1.0, -2 * g * math.cos(w0), 2 * g - 1], dtype=x.dtype, device=x.device)
        y = AF.filtfilt(y, a, b, clamp=False)
    return y
