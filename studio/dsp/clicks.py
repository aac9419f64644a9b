"""Click detection on the residual of an autoregressive model (Godsill & Rayner 1998).

A click is a burst the AR model of the surrounding audio cannot predict. The forward
prediction error of a click spanning [t0, t1] is large from t0 to about t1 + p, the
backward error from about t0 - p to t1: their smaller magnitude is large only on the click
itself, which locates both edges. Errors are measured in robust local deviations, after a
two-sided pitch predictor has taken out the excitation pulses of voiced speech and
periodic tones (`studio.dsp.pitch_residual`). A detected span is kept when a click explains
its errors better than excitation pulses do, after it has been moved to where a click fits
best (`_locate_and_test`), and its repair leaves a normal error behind (`_explained`).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from studio.dsp.ar import (fit_autocorrelation, fit_covariance, known_runs, lsar_interpolate,
                           prediction_error, prediction_error_filter)
from studio.dsp.lanes import single_threaded_torch
from studio.dsp.pitch_residual import pitch_cancelled


def _local_scale(e: torch.Tensor, window: int, hole: int) -> torch.Tensor:
    """RMS of e over `window` samples around each sample, leaving out the `hole` samples at
    the centre (the click itself): a background that follows loud passages and voiced
    speech, whose pitch pulses the AR model does not predict either."""
    c = F.pad(torch.cumsum(e.double() ** 2, 0), (1, 0))
    n = e.shape[0]
    i = torch.arange(n, device=e.device)

    def box(half):
        lo = (i - half).clamp(0, n)
        hi = (i + half + 1).clamp(0, n)
        return c[hi] - c[lo], (hi - lo).double()

    s_out, n_out = box(window // 2)
    s_in, n_in = box(hole)
    return torch.sqrt(((s_out - s_in) / (n_out - n_in).clamp_min(1)).clamp_min(0)).to(e.dtype)


def _robust_scale(e: torch.Tensor, window: int, hole: int, clip: float) -> torch.Tensor:
    """The local scale of an error signal: the larger of the block's robust deviation and
    the RMS around each sample (without the `hole` at the centre), winsorised: the errors
    of other clicks in the window (three clicks within 400 samples of quiet speech raised
    the RMS fivefold) are clipped at `clip` deviations and the local RMS taken again."""
    mad = 1.4826 * e.abs().median().clamp_min(1e-12)
    scale = torch.maximum(_local_scale(e, window, hole), mad)
    for _ in range(2):
        scale = torch.maximum(_local_scale(torch.minimum(e.abs(), clip * scale), window, hole),
                              mad)
    return scale


def _block_errors(x: torch.Tensor, order: int, block: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Forward and backward prediction errors of x with one Yule-Walker AR model per
    block, each fitted on its block and `order` samples of history either side (zeros
    beyond the signal: no history). All blocks at once, one batched solve and one grouped
    convolution per direction: a loop over 32 ms blocks made some 4000 small torch calls
    per second of 44.1 kHz audio, which cost 10x more than the arithmetic when the
    machine is loaded (the intra-op threads spin). Blocks that are silent, or with fewer
    than order + 3 samples at the end of the signal, get a zero error."""
    n = x.shape[-1]
    K = -(-n // block)
    L = block + 2 * order
    segs = F.pad(x, (order, K * block - n + order)).unfold(0, L, block)  # (K, L)
    live = segs.abs().amax(-1) > 0
    live[-1] &= n - (K - 1) * block > order + 2
    # a silent block would make the batched solve singular: fit an impulse there instead
    # (its model is all zeros; its errors are zeroed below)
    impulse = F.one_hot(torch.zeros(K, dtype=torch.long), L).to(segs.dtype)
    a = fit_autocorrelation(torch.where(live[:, None], segs, impulse), order)
    b = torch.cat([a.new_ones(K, 1), -a], -1).to(x.dtype)  # (K, order + 1)
    ef = F.conv1d(segs[None], b.flip(-1)[:, None], groups=K)[0, :, :block]
    eb = F.conv1d(segs[None], b[:, None], groups=K)[0, :, order:order + block]
    ef = torch.where(live[:, None], ef, torch.zeros_like(ef)).reshape(-1)[:n]
    eb = torch.where(live[:, None], eb, torch.zeros_like(eb)).reshape(-1)[:n]
    return ef.contiguous(), eb.contiguous()


def residuals(x: torch.Tensor, order: int = 32, block: int | None = None, window: int = 1024,
              hole: int = 32, clip: float = 6.0, sr: int | None = None
              ) -> tuple[torch.Tensor, torch.Tensor]:
    """Forward and backward AR prediction errors of a 1-D signal, each divided by its
    local scale (`_robust_scale`); one AR model per block, fitted on the block (a few
    short clicks barely bias it). Blocks are 32 ms long when `sr` is given (4096 samples
    otherwise): speech changes faster than that, and a model fitted over a quarter of a
    second of speech at 16 kHz, mostly voiced, left a 10-sample click in a fricative at
    5 deviations (its own 32 ms model: 20); on music at 44.1 kHz a 32 ms model is as
    good as a 93 ms one. With the sample rate `sr`, the pitch pulses of voiced
    speech and periodic tones are first predicted away (`pitch_cancelled`): they excite
    the AR error like clicks, and they raise the local scale so much that a click in a
    loud vowel no longer stands out. (A two-sided matched filter of the error with the
    prediction-error filter as a further detector found 30-60 % false clicks in speech
    and guitar: tried and left out.)"""
    n = x.shape[-1]
    if block is None:
        block = 4096 if sr is None else max(16 * order, int(0.032 * sr))
    ef, eb = _block_errors(x, order, block)
    # without history the first/last `order` samples use the other direction only
    ef[:order] = eb[:order]
    eb[-order:] = ef[-order:]
    out = []
    for e in (ef, eb):
        if sr is not None:
            e = pitch_cancelled(e, sr)
        out.append(e.abs() / _robust_scale(e, window, hole, clip))
    return out[0], out[1]


def _recent_max(z: torch.Tensor, width: int) -> torch.Tensor:
    """max(z[t - width .. t]) for every t."""
    zz = F.pad(z[None, None], (width, 0), value=0.0)
    return F.max_pool1d(zz, width + 1, stride=1)[0, 0]


def _walk(flags: list[bool], start: int, step: int, limit: int, gap: int) -> int:
    """From `start`, move by `step` while a flagged sample lies within `gap` samples ahead
    (the error of a click dips where the model partly predicts it); at most `limit` moves.
    Returns the last flagged position reached."""
    n = len(flags)
    last = pos = start
    while abs(pos - start) < limit:
        nxt = [pos + step * j for j in range(1, gap + 2) if 0 <= pos + step * j < n
               and abs(pos + step * j - start) <= limit and flags[pos + step * j]]
        if not nxt:
            break
        pos = last = nxt[0]
    return last


def _best_subspan(score: list[float], max_width: int) -> tuple[int, int, float]:
    """The stretch [s, e) of at most max_width samples with the largest sum of `score`
    (maximum subarray with a width limit: the smallest prefix sum of the last max_width
    positions is kept in a monotonic queue). (0, 0, 0.0) when every score is negative."""
    from collections import deque
    best = (0, 0, 0.0)
    cum = [0.0]
    for v in score:
        cum.append(cum[-1] + v)
    low: deque[int] = deque()  # prefix indices with increasing prefix sums
    for e in range(1, len(score) + 1):
        while low and cum[low[-1]] >= cum[e - 1]:
            low.pop()
        low.append(e - 1)
        if low[0] < e - max_width:
            low.popleft()
        s = low[0]
        if cum[e] - cum[s] > best[2]:
            best = (s, e, cum[e] - cum[s])
    return best


def find_clicks(x: torch.Tensor, threshold: float = 6.0, max_width: int = 64,
                order: int = 32, merge: int | None = None, extend: int = 2,
                window: int = 1024, gap: int = 3, sr: int | None = None,
                z: tuple[torch.Tensor, torch.Tensor] | None = None) -> list[tuple[int, int]]:
    """Spans [start, end) of clicks in a 1-D signal.

    A click's core is where a forward error above the threshold lies at most max_width
    samples before and a backward one at most max_width after: the forward error jumps
    at a click's onset, the backward error at its last sample, and inside a wide click
    whose samples move together both may be small (the model predicts the offset), so
    requiring both at the same sample missed every wide click. Cores closer than `merge`
    samples (default: max_width) are one click. Its start then moves back while the
    forward error stays above half the threshold, its end forward while the backward error
    does, bridging dips of up to `gap` samples (the model partly predicts a click's
    interior, so the error dips there), then `extend` samples more each side. Spans wider
    than `max_width` are left alone (a transient, not a click). `z`: the `residuals` of x
    with hole max(8, max_width), when the caller has them."""
    merge = max_width if merge is None else merge
    zf, zb = z if z is not None else residuals(x, order, window=window,
                                               hole=max(8, max_width), sr=sr)
    core = torch.minimum(_recent_max(zf, max_width), _recent_max(zb.flip(0), max_width).flip(0)
                         ) > threshold
    idx = torch.nonzero(core).flatten().tolist()
    spans = []
    for i in idx:
        if spans and i - spans[-1][1] < merge:
            spans[-1][1] = i + 1
        else:
            spans.append([i, i + 1])
    # A core wider than max_width is a click merged with its surroundings (in a loud vowel
    # the errors stay high for a while around it) or not a click at all: keep only its
    # stretch where both errors are high together, i.e. where min(zf, zb) beats half the
    # threshold by the most, summed over the stretch (a penalised fit of one span)
    both = torch.minimum(zf, zb)
    narrowed = []
    for s, e in spans:
        if e - s <= max_width:
            narrowed.append([s, e])
            continue
        score = ((both[s:e] ** 2) - (threshold / 2) ** 2).tolist()
        a, b, total = _best_subspan(score, max_width)
        if total > threshold ** 2:
            narrowed.append([s + a, s + b])
    spans = narrowed
    n = x.shape[-1]
    ff = (zf > threshold / 2).tolist() if spans else []
    fb = (zb > threshold / 2).tolist() if spans else []
    out = []
    for s, e in spans:
        # the two edges share the room left to max_width (a core that grew by the errors
        # of a pitch pulse beside the click could otherwise walk past it and be dropped)
        room = max(0, max_width - (e - s))
        s0 = s
        s = _walk(ff, s, -1, room, gap)
        e = _walk(fb, e - 1, 1, room - (s0 - s), gap) + 1
        s, e = max(0, s - extend), min(n, e + extend)
        if e - s <= max_width + 2 * extend:
            if out and s <= out[-1][1]:
                out[-1] = (out[-1][0], max(e, out[-1][1]))
            else:
                out.append((s, e))
    return out


def repair(x: torch.Tensor, spans: list[tuple[int, int]], order: int = 32,
           damping: float = 1e-9) -> torch.Tensor:
    """LSAR interpolation of every span, each with an AR model fitted (covariance method)
    on the known samples around it; spans near each other share one solve. `damping`
    stays tiny: 1e-3 (relative to r_b(0)) pulled every fill towards zero and cost
    10-13 dB of SDR on exactly located clicks."""
    y = x.clone()
    missing = torch.zeros_like(x, dtype=torch.bool)
    for s, e in spans:
        missing[s:e] = True
    groups = []
    for s, e in spans:
        if groups and s - groups[-1][1] < 2 * order:
            groups[-1][1] = e
        else:
            groups.append([s, e])
    for s, e in groups:
        lo, hi = max(0, s - 8 * order), min(x.shape[-1], e + 8 * order)
        y[lo:hi] = lsar_interpolate(y[lo:hi], missing[lo:hi], order, damping=damping)
    return y


def _union(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s, e in sorted(a + b):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(e, out[-1][1]))
        else:
            out.append((s, e))
    return out


def _explained(x: torch.Tensor, y: torch.Tensor, spans: list[tuple[int, int]], order: int,
               ratio: float, sr: int | None = None, hole: int = 32,
               zx: tuple[torch.Tensor, torch.Tensor] | None = None) -> list[tuple[int, int]]:
    """The spans whose repair explains the disturbance: the prediction errors (both
    directions, in robust deviations) over the span and `order` samples each side, beyond
    the background, drop to below `ratio` of what they were. An additive click leaves a normal signal once it is
    interpolated away; a real excitation (a pluck, a glottal pulse, a drum hit) is followed
    by the instrument's or the vocal tract's response, which without the excitation the
    model cannot predict either, so the errors after the span stay large."""
    if not spans:
        return spans
    zf0, zb0 = zx if zx is not None else residuals(x, order, hole=hole, sr=sr)
    zf1, zb1 = residuals(y, order, hole=hole, sr=sr)
    e0 = F.pad(torch.cumsum((zf0 ** 2 + zb0 ** 2).double(), 0), (1, 0))
    e1 = F.pad(torch.cumsum((zf1 ** 2 + zb1 ** 2).double(), 0), (1, 0))
    n = x.shape[-1]
    keep = []
    for s, e in spans:
        lo, hi = max(0, s - order), min(n, e + order)
        # the errors are in deviations, so a normal stretch holds about 2 per sample (two
        # directions); compare what is in excess of that (a weak click barely raises the
        # total, and its repair cannot take the total below the background)
        background = 2.0 * (hi - lo)
        before = float(e0[hi] - e0[lo]) - background
        after = float(e1[hi] - e1[lo]) - background
        if after <= ratio * before:
            keep.append((s, e))
    return keep


def _burst_drops(err: torch.Tensor, b: torch.Tensor, starts: torch.Tensor, width: int
                 ) -> torch.Tensor:
    """drop[i, k - 1]: how much the energy of the prediction errors `err` (made by the
    prediction-error filter b) falls when the k samples from starts[i] on are chosen
    freely, i.e. replaced by their LSAR interpolation, for every k <= width. Changing
    those samples by d changes the errors by A_M d, so the best d removes h_M' R^-1 h_M
    with h = A' err (the correlation of b with the errors) and R = A_M' A_M the Toeplitz
    matrix of b's autocorrelation, the same for every start. The leading k x k blocks of
    R share its Cholesky factor, so one triangular solve gives every width at once."""
    p = b.numel() - 1
    h = F.conv1d(F.pad(err, (0, p))[None, None],
                                   b[None, None])[0, 0]
    rb = F.conv1d(F.pad(b, (p, p))[None, None],
                                    b[None, None])[0, 0][p:]
    lag = (torch.arange(width)[:, None] - torch.arange(width)[None, :]).abs()
    R = torch.where(lag <= p, rb[lag.clamp_max(p)], torch.zeros((), dtype=rb.dtype))
    chol = torch.linalg.cholesky(R + 1e-9 * rb[0] * torch.eye(width, dtype=rb.dtype))
    hp = F.pad(h, (0, width))
    H = hp[starts[:, None] + torch.arange(width)]  # (starts, width)
    u = torch.linalg.solve_triangular(chol, H.T, upper=False)  # (width, starts)
    return torch.cumsum(u.T ** 2, -1)


def _locate_and_test(x: torch.Tensor, spans: list[tuple[int, int]], order: int,
                     max_width: int, margin: float, kappa: float = 25.0, pad: int = 4
                     ) -> list[tuple[int, int]]:
    """Each span moved to where a click is likeliest, then kept only when an additive
    click explains its errors better than excitation pulses do.

    Location: with an AR model fitted around the span (covariance method, the span left
    out), the sub-span [s', e') of [s - pad, e + pad) of at most max_width samples whose
    interpolation removes the most error energy, in units of the background variance,
    less `kappa` per sample: a sample joins the span only when freeing it removes more
    than a 5-deviation error would. The detector's spans are rough: in voiced speech its
    core grows over the glottal pulse beside a click, the test below then judged the
    widened span a pulse, and the repair of a span that holds a pulse is poor (LSAR has
    no pitch). (A penalty of 4, about one unit of noise per free sample, let the spans
    swallow the pulses beside them: the SDR gain on speech fell by 2-4 dB.)

    Test: over the errors the span disturbs (s' .. e' + order), for that span and for
    the detector's own, compare two models with
    the same number (e' - s') of free values: a click, whose removal is the least-squares
    AR interpolation of the span, and excitation pulses, free errors at the e' - s'
    places where the error is largest. A click's error is the click filtered by the
    prediction-error filter, spread over order samples after each of its samples, which
    the first model removes whole; a glottal pulse or a pluck is an impulse of the
    excitation that the second model removes at one place, while the first can only
    shorten the response it starts. With Gaussian excitation of one variance the
    likelihood ratio of the two is the difference of the remaining energies over the
    variance: the click is kept when the pulses leave more by `margin`. The click must
    win clearly: its span was chosen among some thousand placements for the best fit,
    and real excitation has heavier tails than the Gaussian the ratio assumes (with a
    margin of threshold^2 / 4 in the click's favour, brass attacks and plosive bursts
    passed once their spans were moved; `declick` asks for 2 threshold^2).
    (Freeing any number of excitation values at kappa each, against a click plus such
    values, was tried: a click's error energy is so concentrated in speech that the
    free values explained it almost as well, and most clicks were rejected.)"""
    keep = []
    n = x.shape[-1]
    for s, e in spans:
        lo, hi = max(0, s - pad - 8 * order), min(n, e + pad + 8 * order)
        if s - pad - lo < order or hi - e - pad < order:
            keep.append((s, e))  # too near the edge of the signal to tell: keep it
            continue
        miss = torch.zeros(hi - lo, dtype=torch.bool)
        a0, a1 = s - lo - pad, e - lo + pad
        miss[a0:a1] = True
        seg = x[lo:hi].double()
        try:
            a = fit_covariance(known_runs(seg, miss), order)
        except (ValueError, RuntimeError):
            keep.append((s, e))
            continue
        full = prediction_error(seg, a)
        # background error variance from the undisturbed errors around (median of a
        # chi-square with one degree of freedom is 0.455 times its mean)
        quiet = torch.cat([full[order:a0], full[a1 + order:]])
        var = float((quiet ** 2).median()) / 0.455 + 1e-30
        width = min(max_width, a1 - a0)
        starts = torch.arange(a0, a1)
        drops = _burst_drops(full, prediction_error_filter(a), starts, width)
        k = torch.arange(1, width + 1)
        score = torch.where(starts[:, None] + k <= a1, drops / var - kappa * k,
                            torch.full_like(drops, -torch.inf))
        best = divmod(int(score.argmax()), width)
        # the detector's own span too: where the interior of a wide click is well
        # predicted, the penalty cuts the best-fitting span short of it
        candidates = [best] if e - s > width else [best, (pad, e - s - 1)]
        stats = []
        for i, w in candidates:
            s1, e1 = int(starts[i]), int(starts[i]) + w + 1
            err = full[s1:e1 + order]  # the disturbed errors
            click_left = float(err @ err) - float(drops[i, w])
            pulse_left = float(err @ err - torch.topk(err ** 2, e1 - s1).values.sum())
            stats.append(((pulse_left - click_left) / var, s1, e1))
        stat, s1, e1 = max(stats)
        # a burst with digital silence on both sides is a click: no sound there to have
        # excited it, and with an all-zero background both models fit it exactly
        burst = float(seg[s1:e1].abs().max())
        silent = float(torch.cat([seg[s1 - order:s1], seg[e1:e1 + order]]).abs().max()) \
            <= 1e-6 * burst
        if stat >= margin or silent:
            keep.append((lo + s1, lo + e1))
    return keep


def declick(x: torch.Tensor, threshold: float = 6.0, max_width: int = 64, order: int = 32,
            passes: int = 2, explained: float = 0.3, sr: int | None = None,
            progress=None) -> tuple[torch.Tensor, list[tuple[int, int]]]:
    """Detect and repair, `passes` times: each pass detects on the signal repaired so far
    (the AR fits and the error scales no longer see the loud clicks, so quieter ones
    stand out) and the union of all spans is repaired from the input. Then each span is
    moved to where a click fits best and kept only when a click explains it clearly
    better than excitation pulses do (`_locate_and_test`) and its repair explains the
    disturbance (`_explained`) (`explained` = 1 keeps all), and the input is repaired
    once more with those, with an AR model of three times the order. `sr` enables the
    pitch predictor and sets the AR block length (`residuals`). `progress(fraction)` after
    each step."""
    if x.device.type == "cpu" and torch.get_num_threads() > 1:
        # every step here is a short vector operation (a few hundred thousand samples at
        # most); split over intra-op threads they gained nothing on a quiet machine and
        # cost 10-25x when the cores were busy (the threads wait on each other at every
        # operation), so run them on this thread only
        with single_threaded_torch():
            return declick(x, threshold, max_width, order, passes, explained, sr, progress)
    report = progress or (lambda _f: None)
    spans: list[tuple[int, int]] = []
    y = x
    hole = max(8, max_width)
    zx = residuals(x, order, hole=hole, sr=sr)  # for the first pass and `_explained`
    report(0.2)
    for k in range(passes):
        report(0.2 + 0.5 * k / passes)
        new = find_clicks(y, threshold, max_width, order, sr=sr,
                          z=zx if y is x else None)
        merged = _union(spans, new)
        if merged == spans:
            break
        spans = merged
        y = repair(x, spans, order)
    if explained < 1 and spans:
        # (the union with nothing merges spans that moving them made overlap)
        likelier = _union(_locate_and_test(x, spans, order, max_width, 2 * threshold ** 2), [])
        report(0.75)
        spans = _explained(x, y, likelier, order, explained, sr, hole, zx)
    report(0.85)
    if spans:
        # the fill gets a longer model than the detector: it is fitted on 8 x its order
        # samples each side of the click rather than on a 32 ms block, and it can then
        # follow a pitch period in part (with 3 x 32 coefficients the SDR gain on the
        # bench's speech rose by 1-12 dB, and on music by 1-11 dB; 4 x was no better)
        y = repair(x, spans, max(order, min(3 * order, 256)))
    return y.clone() if y is x else y, spans
