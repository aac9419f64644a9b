"""restore.inpaint: fill a short gap (dropout) from the audio on both sides.

The gap is given the way a user gives it: in the window, by selecting it; the op declares
`context_seconds`, so the job sends the selection with that much audio around it
(`Inputs.context = (frames before, frames after)`), the gap is the input minus that
context, and the result replaces the selection only. On the command line the whole file is
the input and `gap_start` / `gap_end` (seconds from its start) name the gap.

Gaps up to MAX_GAP_SECONDS are filled by `classical_fill`: Janssen's iterative AR method
(Janssen, Veldhuis & Vries 1986) set up as the literature measures it (Oudre 2018: order
min(3 m + 2, 23 ms), max(2 m, 50 ms) of context each side, 20 iterations), or, per gap and
channel, LSAR with one model fitted on the context (Audacity's Repair) where a check on
known stretches beside the gap (it never sees the gap) says that LSAR fills them better.
Longer gaps, up to MAX_DIFFUSION_SECONDS, go to the diffusion restorer
(studio.models.restoration): up to JANSSEN_START_MAX_SECONDS it starts from the classical
fill noised to START_SIGMA and redraws what the AR model could not predict (the middle of a
long gap, where an AR fill fades to a hole), beyond from pure noise; each frequency's level
in the gap is then steered to the line between its levels on the two sides (`match_level`,
levels.match_levels). `method` forces either path, so Compare can set them side by side.
"""
from __future__ import annotations

import math

import torch

from studio.dsp.ar import janssen, lsar_interpolate
from studio.engine.operation import Inputs, Report, Result, operation
from studio.engine.params import Choice, Float, Int
from studio.errors import StudioError
from studio.models.restoration.levels import level_vs_sides
from studio.ops.restore import _diffusion as D

MAX_GAP_SECONDS = 0.1           # the classical path's longest gap (its cost grows as m^2)
MAX_DIFFUSION_SECONDS = 0.6     # the restorer trained on gaps of 20-500 ms
# auto: from this length on the diffusion path (the bench's crossover, README "Gaps")
DIFFUSION_FROM_SECONDS = 0.1
# the noise level the classical fill is raised to before the restorer redraws it, relative
# to the clip's rms of 0.5 (README "Gaps": lower keeps more of the AR fill's phase)
START_SIGMA = 0.05
ORDER_SECONDS = 0.023    # the AR order's cap (Oudre 2018)
CONTEXT_SECONDS = 0.05   # the least context on each side of the gap (Oudre 2018)
LSAR_MAX_ORDER = 100     # LSAR's model is fitted on the context only: a modest order


def literature_setup(m: int, sample_rate: int) -> tuple[int, int]:
    """(AR order, context samples on each side) for a gap of m samples."""
    return (min(3 * m + 2, round(ORDER_SECONDS * sample_rate)),
            max(2 * m, round(CONTEXT_SECONDS * sample_rate)))


def gap_bounds(inputs: Inputs, p) -> tuple[int, int]:
    n = inputs.audio.shape[-1]
    sr = inputs.sample_rate
    context = getattr(inputs, "context", None)
    if context:  # a selection with audio around it: the selection is the gap
        s, e = int(context[0]), n - int(context[1])
    elif p.gap_start >= 0 and p.gap_end > p.gap_start:
        s, e = int(round(p.gap_start * sr)), int(round(p.gap_end * sr))
    else:
        raise StudioError("Fill gap needs the gap: select it (in the window), or set "
                          "gap_start and gap_end (seconds)")
    if not (0 < s < e < n):
        raise StudioError("the gap needs audio on both sides of it")
    return s, e


# Up to this length Janssen fills every gap. No check that does not see the gap told when
# LSAR would do better there: on material the bench does not use (fluidsynth music seed 1,
# festival sentences slt 2 and kal 3, four of the ALSA recordings; 5-50 ms gaps) probes
# beside the gap (one- or two-sided, errors summed, voted or log-averaged) and the fill's
# loudness against its context each picked LSAR where Janssen was far better (music:
# Janssen 13.7-21.5 dB, LSAR 4.6-10.5), while the best possible choice would have gained
# 0.3-0.9 dB on speech at 5-20 ms (2.3 dB at 50 ms, where both are near 0 dB).
JANSSEN_ONLY_SECONDS = 0.05
# Janssen's iterations stop once the fill moves by less than this share of the context's
# rms: by then it has reached its fixed point (10, 20 and 40 iterations gave the same mean
# SNR to 0.06 dB on that material), and the rest would only cost time.
CONVERGED = 1e-6


def _fill(seg: torch.Tensor, s: int, e: int, method: str, order: int, ctx: int,
          iterations: int, on_iteration=None) -> torch.Tensor:
    miss = torch.zeros_like(seg, dtype=torch.bool)
    miss[s:e] = True
    if method == "lsar":
        return lsar_interpolate(seg, miss, min(order, LSAR_MAX_ORDER), context=ctx)
    return janssen(seg, miss, order, iterations, on_iteration, tol=CONVERGED)


def choose_method(x: torch.Tensor, s: int, e: int, order: int, ctx: int,
                  iterations: int) -> str:
    """LSAR (one model fitted on the context) or Janssen (model re-fitted with the fill),
    by default Janssen, switching to LSAR when it clearly better fills a known stretch of
    the same length next to the gap, one gap length clear of it (left and right where
    there is room). The probes and their context stop short of the gap: what the gap holds
    never counts."""
    m = e - s
    err = {"lsar": 0.0, "janssen": 0.0}
    probes = 0
    for ps in (s - 2 * m, e + m):
        lo, hi = max(0, ps - ctx), min(x.shape[-1], ps + m + ctx)
        if ps < s:
            hi = min(hi, s)  # the probe's context stops short of the real gap
        else:
            lo = max(lo, e)
        if ps - lo < m or hi - ps - m < m:
            continue
        seg = x[lo:hi].double()
        for method in err:
            fill = _fill(seg, ps - lo, ps - lo + m, method, order, ctx, iterations)
            err[method] += float((fill - seg)[ps - lo:ps - lo + m].pow(2).sum())
        probes += 1
    # the probes see context on one side of the gap only, so they judge roughly: leave
    # Janssen only when LSAR did clearly (3 dB) better
    return "lsar" if probes and err["lsar"] < 0.5 * err["janssen"] else "janssen"


def classical_fill(x: torch.Tensor, s: int, e: int, sample_rate: int, iterations: int = 20,
                   on_iteration=None, method: str | None = None
                   ) -> tuple[torch.Tensor, list[str]]:
    """x (channels, frames) with [s, e) filled channel by channel by AR interpolation at the
    literature's setup (`literature_setup`): Janssen up to JANSSEN_ONLY_SECONDS, beyond by
    Janssen or LSAR, whichever did better on known stretches beside the gap
    (`choose_method`), unless `method` ("janssen" or "lsar") is forced; also returns the
    method used for each channel. Any length works (Janssen's cost grows as the gap's
    square); the op sends it gaps up to MAX_GAP_SECONDS."""
    m = e - s
    order, ctx = literature_setup(m, sample_rate)
    out = x.clone()
    used = []
    short = m <= JANSSEN_ONLY_SECONDS * sample_rate + 1e-9
    for c in range(x.shape[0]):
        chosen = method or ("janssen" if short else
                            choose_method(x[c], s, e, order, ctx, iterations))
        lo, hi = max(0, s - ctx), min(x.shape[-1], e + ctx)
        res = _fill(x[c, lo:hi].double(), s - lo, e - lo, chosen, order, ctx, iterations,
                    on_iteration)
        out[c, lo:hi] = res.to(x.dtype)
        used.append(chosen)
    return out, used


def fill_gap(x: torch.Tensor, s: int, e: int, sample_rate: int, iterations: int = 20,
             on_iteration=None) -> tuple[torch.Tensor, list[str]]:
    """x (channels, frames) with [s, e) filled by the classical path; also the method used
    for each channel. Gaps over MAX_GAP_SECONDS are refused (see `run` for longer ones)."""
    if (e - s) / sample_rate > MAX_GAP_SECONDS + 1e-9:
        raise StudioError(f"the classical fill takes gaps up to {MAX_GAP_SECONDS * 1000:.0f} "
                          "ms; longer ones take method 'diffusion' (or 'auto')")
    return classical_fill(x, s, e, sample_rate, iterations, on_iteration)


# Beyond this length the restorer draws the gap from pure noise, and LSAR's fill (1.5 s for
# 500 ms at 44.1 kHz) gives only its edges, the joins to the audio on each side: Janssen
# (and the probes that choose between it and LSAR) cost 15-20 s there, and after the
# restorer and the level guidance every start ends at the same log-spectral distance.
# Held-out material at 500 ms (fluidsynth seed 1, festival slt/kal sentences 2-3, four ALSA
# recordings the quick bench does not use), music / speech / recordings, LSD: from Janssen
# 1.78 / 1.96 / 3.12, from LSAR 1.84 / 1.97 / 3.12, from noise 1.85 / 2.00 / 3.11; energy
# against the truth: -1.2 / -3.9 / -4.2, -2.5 / -4.0 / -4.7 and -1.2 / -2.6 / -4.0 dB; SNR
# 0.5 / -2.0 / -1.7, -2.0 / -1.9 / -1.7 and -2.6 / -2.5 / -2.0 dB (about -3 dB is a fill at
# the right level that does not follow the waveform). Below it Janssen still carries some
# of the waveform (music at 200 ms: 6 dB SNR) at a few seconds.
JANSSEN_START_MAX_SECONDS = 0.25


def diffusion_fill(x: torch.Tensor, s: int, e: int, sample_rate: int, p, ctx
                   ) -> tuple[torch.Tensor, list[str]]:
    """The restorer's fill: up to JANSSEN_START_MAX_SECONDS started from the classical fill
    (`classical_fill`) noised to START_SIGMA, beyond from pure noise; at the gap's edges it
    eases out of that first fill (beyond: LSAR's), which joins the audio on each side."""
    from studio.models.restoration.api import fill_gap_diffusion
    if (e - s) / sample_rate > MAX_DIFFUSION_SECONDS + 1e-9:
        raise StudioError(f"gaps up to {MAX_DIFFUSION_SECONDS * 1000:.0f} ms can be filled; "
                          "this one is longer: select a shorter stretch")
    # the first fill: the sampler's start (short gaps) and the joins at the edges (all)
    share = 0.5   # of the progress bar
    long = (e - s) / sample_rate > JANSSEN_START_MAX_SECONDS + 1e-9
    if long:
        ctx.progress(0.0, "a first fill from the context")
        first, _ = classical_fill(x, s, e, sample_rate, method="lsar")
        share = 0.1
    else:
        first, _ = classical_fill(x, s, e, sample_rate, p.iterations, lambda i, n: ctx.progress(
            share * i / n, f"a first fill from the context: iteration {i} of {n}"))
    first = first.to(ctx.device)
    model = D.restorer(ctx)
    out = fill_gap_diffusion(x.to(ctx.device), s, e, sample_rate, steps=p.steps, seed=p.seed,
                             progress=lambda f, msg: ctx.progress(share + (1 - share) * f, msg),
                             model=model, init=None if long else first,
                             start_sigma=START_SIGMA, match_level=p.match_level, edges=first)
    return out.to(x.device), ["diffusion"] * x.shape[0]


@operation(
    id="restore.inpaint", title="Fill gap", category="restore",
    params=[
        Float("gap_start", default=-1.0, unit="s", in_form=False,
              help="gap start from the input's start (command line; the window fills "
                   "the selection)"),
        Float("gap_end", default=-1.0, unit="s", in_form=False,
              help="gap end from the input's start (command line)"),
        Choice("method", default="auto", options=("auto", "classical", "diffusion"),
               help="auto: the classical AR fill up to "
                    f"{DIFFUSION_FROM_SECONDS * 1000:.0f} ms, the diffusion restorer beyond; "
                    "classical: Janssen/LSAR (up to 100 ms); diffusion: the restorer (up to "
                    f"{MAX_DIFFUSION_SECONDS * 1000:.0f} ms)"),
        Int("iterations", default=20, lo=1, hi=200,
            help="Janssen iterations (at most: it stops once the fill settles)"),
        D.steps_param(),
        D.seed_param(),
        D.level_param(),
    ],
    example={"gap_start": 0.2, "gap_end": 0.21},
    min_seconds=0.3,
    # the AR fill reads max(2 gap, 50 ms) on each side (0.2 s for a 100 ms gap), and the
    # self-check's probes of longer gaps reach 3 gap lengths out: 0.5 s gives the same fill
    # as the whole file would
    context_seconds=0.5,
)
def run(inputs: Inputs, p, ctx) -> Result:
    """Fill a dropout: by autoregressive interpolation up to 100 ms, by the diffusion
    restorer beyond (up to 600 ms)."""
    s, e = gap_bounds(inputs, p)
    sr = inputs.sample_rate
    long = (e - s) / sr > DIFFUSION_FROM_SECONDS + 1e-9
    if p.method == "diffusion" or (p.method == "auto" and long):
        out, used = diffusion_fill(inputs.audio, s, e, sr, p, ctx)
    else:
        out, used = fill_gap(inputs.audio, s, e, sr, p.iterations,
                             lambda i, n: ctx.progress(i / n, f"iteration {i} of {n}"))
    ctx.progress(1.0, "done")
    values = {"gap (ms)": round(1000 * (e - s) / sr, 2), "method": ", ".join(sorted(set(used)))}
    level = level_vs_sides(out, sr, s, e)
    if math.isfinite(level):   # (a gap shorter than a frame has no level of its own)
        # a fill far below 0 dB here is a hole: what a user checks first on a long gap
        values["level vs sides (dB)"] = round(level, 1)
    return Result(audio=out, report=Report(values=values))
