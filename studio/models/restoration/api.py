"""The restorer as the operations use it: loading the bundled model (bounded, nothing
unpickled), and the three repairs on audio at any rate, chunked, with progress and cancel."""
from __future__ import annotations

import math
from pathlib import Path

import torch

from studio.errors import StudioError
from studio.models.diffusion.checkpoint import load_tensors, save_model
from studio.models.diffusion.config import model_files
from studio.models.restoration.config import FORMAT, RestorerConfig
from studio.models.restoration.damage import low_band
from studio.models.restoration.levels import LONG_FILL, ease_in, keep_what_fits, match_levels
from studio.models.restoration.model import Restorer
from studio.paths import resources_dir

MAX_PARAMS = 50_000_000
BUNDLED = "restorer"


def save_restorer(path: str | Path, weights: dict[str, torch.Tensor], cfg: RestorerConfig
                  ) -> tuple[Path, Path]:
    """The restorer's weights (float16) and config, as the generator's are written."""
    return save_model(path, weights, cfg, dtype=torch.float16, fmt=FORMAT)


def bundled_path() -> Path:
    return resources_dir() / "models" / BUNDLED


def load_restorer(path: str | Path | None = None, device: torch.device | str = "cpu"
                  ) -> Restorer:
    """The restorer a model's files describe (the bundled one by default), float32, eval
    mode; the config is bounded and the weights' shapes compared with the network's, built
    on the meta device, before anything real is allocated. The operations keep it loaded in
    the engine's model cache (ops/restore/_diffusion.py)."""
    from studio.io.safetensors_header import compare, read_shapes
    st, js = model_files(path or bundled_path())
    if not st.exists() or not js.exists():
        raise StudioError(f"restoration model '{st.with_suffix('')}' needs both {st.name} and "
                          f"{js.name} (train it: resources/recipes/train_restorer.py)")
    cfg = RestorerConfig.load(js)
    found = read_shapes(st, f"weights {st.name}")
    if sum(math.prod(s) for _, s in found.values()) > MAX_PARAMS:
        raise StudioError(f"restoration model '{st.stem}' holds more than {MAX_PARAMS} weights")
    with torch.device("meta"):
        expected = {k: tuple(v.shape) for k, v in Restorer(cfg).state_dict().items()}
    compare(found, expected, f"restoration model '{st.stem}'")
    weights = {k: v.float() if v.is_floating_point() else v for k, v in load_tensors(st).items()}
    if not all(bool(torch.isfinite(v).all()) for v in weights.values() if v.is_floating_point()):
        raise StudioError(f"restoration model '{st.stem}' has NaN or infinite weights")
    model = Restorer(cfg)
    model.load_state_dict(weights)
    return model.to(device).eval()


# --- the three repairs -------------------------------------------------------------------

# Every repair takes `progress(fraction, message)`, called between sampler steps: the
# engine's progress is also its cancellation point (it raises), so a cancelled job stops
# there and nothing is changed.


def _to_rate(x: torch.Tensor, rate_in: int, rate_out: int) -> torch.Tensor:
    from studio.io.resample import resample
    if rate_in == rate_out:
        return x.float()
    return torch.from_numpy(resample(x.double().cpu().numpy(), rate_in, rate_out)).to(x.device)


def _rms_scale(y: torch.Tensor, known: torch.Tensor, sigma_data: float) -> torch.Tensor:
    """Per clip: the factor that brings the known samples to rms `sigma_data` (as training
    scaled its crops), bounded for near-silence."""
    power = (y.square() * known).sum(-1) / known.sum(-1).clamp_min(1)
    return sigma_data / power.sqrt().clamp_min(1e-4)


def _sample(model: Restorer, y: torch.Tensor, d, known: torch.Tensor, steps: int, seed: int,
            progress, init: torch.Tensor | None = None, start_sigma: float = 0.0
            ) -> torch.Tensor:
    from studio.models.restoration.model import restore
    scale = _rms_scale(y, known, model.cfg.sigma_data)[:, None]
    gen = torch.Generator(device=y.device).manual_seed(seed)
    out = restore(model, y * scale, d, steps=steps, generator=gen, progress=progress,
                  init=None if init is None else init * scale, start_sigma=start_sigma)
    return out / scale


def _window(n: int, lo: int, hi: int, stride: int, rate_in: int, rate_model: int
            ) -> tuple[int, int]:
    """[lo, hi) widened (within 0..n) until its length at the model's rate is a multiple of
    the network's stride; where the file ends first, it is shortened instead."""
    def model_len(a, b):
        return -(-(b - a) * rate_model // rate_in)
    while model_len(lo, hi) % stride:
        if hi < n:
            hi += 1
        elif lo > 0:
            lo -= 1
        else:
            break
    return lo, hi


def _fit(x: torch.Tensor, length: int) -> torch.Tensor:
    """Trim or zero-pad the last axis to `length`."""
    if x.shape[-1] >= length:
        return x[..., :length]
    return torch.nn.functional.pad(x, (0, length - x.shape[-1]))


def _around(x: torch.Tensor, s: int, e: int, sample_rate: int, cfg: RestorerConfig,
            context_seconds: float) -> tuple[int, int, torch.Tensor]:
    """The stretch [lo, hi) of x (channels, frames) holding [s, e) and `context_seconds` on
    each side, widened to the network's stride, and that stretch at the model's rate."""
    ctx = int(context_seconds * sample_rate)
    lo, hi = _window(x.shape[-1], max(0, s - ctx), min(x.shape[-1], e + ctx), cfg.stride(),
                     sample_rate, cfg.sample_rate)
    seg = _to_rate(x[:, lo:hi], sample_rate, cfg.sample_rate)
    length = (seg.shape[-1] // cfg.stride()) * cfg.stride()
    if length < cfg.stride():
        raise StudioError("the audio around the selection is too short for the restorer")
    return lo, hi, _fit(seg, length)


def fill_gap_diffusion(x: torch.Tensor, s: int, e: int, sample_rate: int, steps: int = 8,
                       seed: int = 0, progress=lambda f, m: None,
                       model: Restorer | None = None, context_seconds: float = 0.3,
                       init: torch.Tensor | None = None, start_sigma: float = 0.0,
                       match_level: bool = True, edges: torch.Tensor | None = None
                       ) -> torch.Tensor:
    """x (channels, frames) with [s, e) drawn by the restorer from `context_seconds` of audio
    on each side (channels as a batch); every sample outside the gap is returned as it was.
    With `init` (x with the gap filled another way, the same shape) the sampler starts from
    that fill noised to `start_sigma` (model.restore). With `match_level` each frequency's
    level in the gap follows its level on the two sides (levels.match_levels). With `edges`
    (x with the gap filled by a method that joins its neighbours, e.g. an AR fill) the
    result starts and ends on that fill and eases into the restorer's over
    levels.EDGE_SECONDS: the bundled restorer drawing from noise does not always join the
    waveform at the gap's edges (a click)."""
    from studio.models.restoration.damage import Damage
    model = model or load_restorer()
    cfg = model.cfg
    lo, hi, seg = _around(x, s, e, sample_rate, cfg, context_seconds)
    length = seg.shape[-1]
    r = cfg.sample_rate / sample_rate
    # a few samples wider at the model's rate: the resampler smears the gap's edges
    gs, ge = max(0, int((s - lo) * r) - 8), min(length, int(math.ceil((e - lo) * r)) + 8)
    b = seg.shape[0]
    d = Damage.none(b, length, device=seg.device)
    d.gap[:, gs:ge] = True
    first = None
    if init is not None:
        first = _fit(_to_rate(init[:, lo:hi], sample_rate, cfg.sample_rate), length)
    out = _sample(model, seg, d, ~d.gap, steps, seed, lambda f: progress(f, "drawing the gap"),
                  first, start_sigma)
    back = _fit(_to_rate(out, cfg.sample_rate, sample_rate), hi - lo)
    filled = x[:, lo:hi].clone()
    filled[:, s - lo:e - lo] = back[:, s - lo:e - lo].to(x.dtype)
    steered = filled
    if match_level:
        # drawn from noise, the fill holds no waveform worth keeping (levels.LONG_FILL)
        steered = match_levels(filled, x[:, lo:hi], sample_rate, s - lo, e - lo,
                               **({} if init is not None else LONG_FILL))
    # the level gain, spread by its frame across an edge, would step the edge samples too
    start = filled if edges is None else edges[:, lo:hi].to(x.dtype)
    filled = ease_in(start, steered, s - lo, e - lo, sample_rate)
    res = x.clone()
    res[:, s:e] = filled[:, s - lo:e - lo]
    return res


# Bandwidth extension starts from the low-passed recording noised to this level (relative to
# the clip's rms of 0.5) rather than from pure noise: the band above the cutoff then grows
# from a faint start to the level the model expects, where from pure noise the bundled
# model leaves a flat floor there. On held-out music at a 4 kHz cutoff (log-spectral
# distance over 1.1 s, in -> from noise -> from 0.05): piano 4.40 -> 4.37 -> 3.31, guitar
# 5.89 -> 3.01 -> 2.24, strings 4.80 -> 4.10 -> 3.04; 0.3 and 1.0 fall in between.
BANDWIDTH_START_SIGMA = 0.05


def extend_bandwidth(x: torch.Tensor, sample_rate: int, cutoff: float, steps: int = 8,
                     seed: int = 0, progress=lambda f, m: None,
                     model: Restorer | None = None, overlap_seconds: float = 0.1,
                     start_sigma: float = BANDWIDTH_START_SIGMA) -> torch.Tensor:
    """x (channels, frames) with the band above `cutoff` drawn by the restorer, chunk by
    chunk (cross-faded over `overlap_seconds`); below the cutoff x is kept exactly (the
    band split is an FFT brick wall at the input's own rate). The sampler starts from the
    recording itself noised to `start_sigma` (0: from pure noise)."""
    from studio.models.restoration.damage import Damage
    model = model or load_restorer()
    cfg = model.cfg
    xm = _to_rate(x, sample_rate, cfg.sample_rate)
    c, n = xm.shape
    seg = cfg.segment
    hop = seg - int(overlap_seconds * cfg.sample_rate)
    starts = list(range(0, max(n - seg, 0) + 1, hop))
    if starts[-1] + seg < n:
        starts.append(n - seg if n > seg else 0)
    fade = torch.ones(seg, device=xm.device)
    ov = seg - hop
    ramp = torch.linspace(0, 1, ov + 2, device=xm.device)[1:-1]
    out = torch.zeros_like(xm)
    weight = torch.zeros(n, device=xm.device)
    for k, st in enumerate(starts):
        chunk = _fit(xm[:, st:st + seg], seg)
        d = Damage.none(c, seg, device=xm.device)
        d.cutoff[:] = cutoff
        known = torch.ones_like(chunk, dtype=torch.bool)
        known[:, min(seg, n - st):] = False
        y = _sample(model, chunk, d, known, steps, seed + k,
                    lambda f, k=k: progress((k + f) / len(starts),
                                            f"chunk {k + 1} of {len(starts)}"),
                    chunk if start_sigma > 0 else None, start_sigma)
        w = fade.clone()
        if k > 0:
            w[:ov] = ramp
        if k < len(starts) - 1:
            w[-ov:] = ramp.flip(0)
        m = min(seg, n - st)
        out[:, st:st + m] += (y * w)[:, :m]
        weight[st:st + m] += w[:m]
    out = out / weight.clamp_min(1e-6)
    back = _fit(_to_rate(out, cfg.sample_rate, sample_rate), x.shape[-1])
    # below the cutoff x's own band, above it the restorer's (one brick wall for both)
    cut = torch.full((x.shape[0],), float(cutoff), device=x.device)
    return (low_band(x, cut, sample_rate) + back - low_band(back, cut, sample_rate)
            ).to(x.dtype)


# A rectangle's rows are each brought to their sides' level by one gain line (the fill's
# level measured over the whole region, row by row): the restorer's own dynamics in the
# rectangle stay, and a partial the sides hold is continued at its level (RX's Attenuate
# interpolates bin by bin too). On the bench's 3 kHz burst over its two music items, the
# region's log-spectral distance to the truth (piano, guitar): 13.6, 12.3 with the gaps'
# settings (0.1 s, a row on either side); 11.6, 12.4 over the whole region; 10.5, 11.6 row by
# row as well.
REGION_SMOOTH_SECONDS = 1.0


def repair_region(x: torch.Tensor, sample_rate: int, start: int, end: int,
                  band: tuple[float, float], steps: int = 8, seed: int = 0,
                  progress=lambda f, m: None,
                  model: Restorer | None = None, context_seconds: float = 0.3,
                  match_level: bool = True, only_what_stands_out: bool = True
                  ) -> torch.Tensor:
    """x (channels, frames) with the spectrogram rectangle [start, end) x band redrawn by the
    restorer from its surroundings; the coefficients outside the rectangle are x's (a tight
    frame at x's own rate), so away from it every sample is returned as it was. With
    `match_level` each frequency's level in the rectangle follows its level on the two
    sides (levels.match_levels); with `only_what_stands_out` the redraw replaces only what
    stands out of that level (levels.keep_what_fits), the rest of the rectangle is x's."""
    from studio.models.diffusion.stft2d import Stft
    from studio.models.restoration.damage import Damage, frame_fraction
    model = model or load_restorer()
    cfg = model.cfg
    lo, hi, seg = _around(x, start, end, sample_rate, cfg, context_seconds)
    length = seg.shape[-1]
    r = cfg.sample_rate / sample_rate
    d = Damage.none(seg.shape[0], length, device=seg.device)
    d.region[:, int((start - lo) * r):int(math.ceil((end - lo) * r))] = True
    d.band[:] = torch.tensor(band, dtype=torch.float32)
    out = _sample(model, seg, d, torch.ones_like(seg, dtype=torch.bool), steps, seed,
                  lambda f: progress(f, "redrawing the region"))
    back = _fit(_to_rate(out, cfg.sample_rate, sample_rate), hi - lo)
    # the rectangle's coefficients from the restorer, the rest from x, at x's own rate
    n_fft = 1 << max(6, round(math.log2(cfg.n_fft * sample_rate / cfg.sample_rate)))
    frame = Stft(n_fft, n_fft // 4).to(x.device)
    pad = (-(hi - lo)) % frame.hop + max(0, n_fft - (hi - lo))
    xs = torch.nn.functional.pad(x[:, lo:hi].float(), (0, pad))
    bs = torch.nn.functional.pad(back.float(), (0, pad))
    f = torch.arange(n_fft // 2, device=x.device) * (sample_rate / n_fft)
    rows = (f >= band[0]) & (f < band[1])
    mask = torch.zeros(xs.shape[-1], dtype=torch.bool, device=x.device)
    mask[start - lo:end - lo] = True
    cols = frame_fraction(frame, mask[None])[0] > 0
    inside = (rows[:, None] & cols[None, :])[None, None]
    cx = frame.analysis(xs)
    mixed = frame.synthesis(torch.where(inside, frame.analysis(bs), cx))
    if match_level:
        mixed = match_levels(mixed, xs, sample_rate, start - lo, end - lo, band,
                             smooth_seconds=REGION_SMOOTH_SECONDS, row_half_width=0)
    if only_what_stands_out:
        mixed = keep_what_fits(mixed, xs, sample_rate, start - lo, end - lo, band)
    if match_level or only_what_stands_out:
        mixed = frame.synthesis(torch.where(inside, frame.analysis(mixed), cx))
    res = x.clone()
    res[:, lo:hi] = mixed[:, :hi - lo].to(x.dtype)
    return res
