"""A learned timbre: how loud each harmonic and each noise band of one instrument is, as a
function of the note's pitch and loudness (DDSP's decoder, with measured targets).

Learning: pYIN f0 and A-weighted loudness of an example recording give the inputs; the
targets are measured per voiced frame from a 64 ms spectrum: the amplitude of harmonic h is
2 |X(h f0)| / sum(w) (|X| max-pooled over 3 bins, so slight inharmonicity or f0 error still
finds the peak), and the noise of each band is the mean power of the bins between harmonics.
Both are stored in dB relative to the frame loudness, so the model describes spectral shape
and the source's own loudness curve drives the level. A small MLP (pitch, loudness) ->
(harmonic dB, noise dB) is fitted to them by Adam in a few seconds on a CPU.

A preset is two files: <name>.safetensors (the weights, float16) and <name>.json (the config:
sizes, input normalisation and ranges, training figures).
"""
from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from studio.dsp.voice._frames import hop_for, next_pow2, spectrum_frames
from studio.dsp.voice.f0 import PitchTrack, track_f0
from studio.dsp.voice.harmonic import filtered_noise, harmonic_synth, sample_bins
from studio.dsp.voice.loudness import frame_loudness, power_to_loudness
from studio.errors import StudioError

N_HARMONICS = 60
N_NOISE_BANDS = 16
HIDDEN = 64
FLOOR_DB = -90.0           # relative dB targets are clamped here
LOUD_RANGE_DB = 45.0       # frames this far below the loudest are not learned from
ANALYSIS_WINDOW_S = 0.064
FORMAT = "studio.timbre/1"


def midi(f0: torch.Tensor) -> torch.Tensor:
    return 69 + 12 * torch.log2(f0.clamp(min=1e-3) / 440.0)


def noise_band_edges(sr: int, n: int = N_NOISE_BANDS) -> list[float]:
    """Mel-spaced band edges from 0 to Nyquist."""
    mel = lambda f: 2595 * math.log10(1 + f / 700)
    inv = lambda m: 700 * (10 ** (m / 2595) - 1)
    top = mel(sr / 2)
    return [inv(top * i / n) for i in range(n + 1)]


@dataclass
class TimbreFeatures:
    pitch: torch.Tensor     # (N,) MIDI note number
    loudness: torch.Tensor  # (N,) dB
    harm_db: torch.Tensor   # (N, H) dB re loudness
    harm_ok: torch.Tensor   # (N, H) bool: harmonic below Nyquist
    noise_db: torch.Tensor  # (N, B) dB re loudness
    seconds: float
    note_shape_db: list = field(default_factory=list)  # loudness contour of a note


def _band_matrix(freqs: torch.Tensor, edges: list[float]) -> torch.Tensor:
    """(B, K) 0/1 membership of bins in bands."""
    e = torch.tensor(edges, dtype=freqs.dtype, device=freqs.device)
    return ((freqs >= e[:-1, None]) & (freqs < e[1:, None])).to(freqs.dtype)


def measure(x: torch.Tensor, sr: int, track: PitchTrack | None = None,
            n_harmonics: int = N_HARMONICS, progress=None) -> TimbreFeatures:
    """Measure harmonic and noise levels of every loud voiced frame of (N,) mono audio
    (`progress(fraction)` follows the pitch tracking, most of the time)."""
    x = x.float().reshape(1, -1)
    hop = hop_for(sr)
    report = progress or (lambda _f: None)
    # measured on two cores: the pitch track a tenth of the time, the medians most of it
    track = track or track_f0(x, sr, hop=hop, progress=lambda f: report(0.1 * f))
    T = track.f0.shape[-1]
    spec, n_fft, win = spectrum_frames(x, sr, hop, ANALYSIS_WINDOW_S, count=T)
    power = spec.abs().pow(2)[0]                                            # (T, K)
    loud = power_to_loudness(power, sr, n_fft, win)                         # (T,)
    f0 = track.f0[0]
    keep = track.voiced[0] & (loud > loud.max() - LOUD_RANGE_DB)
    if int(keep.sum()) < 50:
        raise StudioError("the example has too few pitched frames to learn a timbre from "
                          "(give 10 s or more of one instrument playing notes)")
    power, loud, f0 = power[keep], loud[keep], f0[keep]
    mag = F.max_pool1d(power.sqrt().unsqueeze(1), 3, 1, 1).squeeze(1)
    h = torch.arange(1, n_harmonics + 1, dtype=torch.float32)
    fh = f0.unsqueeze(-1) * h
    amp = 2 * sample_bins(mag, fh, sr, n_fft) / win.sum()
    harm_db = (20 * torch.log10(amp + 1e-9) - loud.unsqueeze(-1)).clamp(min=FLOOR_DB)
    harm_ok = fh < 0.95 * sr / 2

    freqs = torch.arange(power.shape[-1], dtype=torch.float32) * (sr / n_fft)
    rel = freqs / f0.unsqueeze(-1)
    # noise lives between harmonics and below the fundamental (bow and breath rumble)
    between = ((rel - rel.round()).abs() > 0.35) | (rel < 0.65)             # (N, K)
    bands = _band_matrix(freqs, noise_band_edges(sr))                        # (B, K)
    count = between.to(power.dtype) @ bands.T
    # the median, not the mean, of the bins between harmonics: vibrato and window side lobes
    # spill harmonic power into a few of them, which a mean reads as noise (presets learned
    # that way played about 6 dB too much noise). The median of an exponentially
    # distributed power is its mean times ln 2.
    medians = []
    for i, band in enumerate(bands):
        medians.append(torch.nanmedian(torch.where(between & (band > 0), power, float("nan")),
                                       -1).values)
        report(0.15 + 0.8 * (i + 1) / len(bands))
    mean_p = torch.stack(medians, -1) / math.log(2)
    mean_p = torch.nan_to_num(mean_p, nan=0.0)
    # a band with no bin between harmonics (narrow low bands) borrows its neighbour's level
    mean_p = torch.where(count > 0, mean_p, mean_p.max(-1, keepdim=True).values * 1e-3)
    std = (mean_p / win.pow(2).sum()).sqrt()                                 # noise std density
    noise_db = (20 * torch.log10(std + 1e-9) - loud.unsqueeze(-1)).clamp(min=FLOOR_DB)
    notes = note_segments(track.f0[0], track.voiced[0])
    all_loud = power_to_loudness(spec.abs().pow(2)[0], sr, n_fft, win)
    shape = note_shape(all_loud, notes, hop / sr)
    return TimbreFeatures(midi(f0), loud, harm_db, harm_ok, noise_db, x.shape[-1] / sr, shape)


def note_segments(f0: torch.Tensor, voiced: torch.Tensor, cents: float = 60.0) -> list[tuple[int, int]]:
    """Split a (T,) track into notes: runs of voiced frames whose pitch stays within `cents`
    of the note's first settled frame (a new note starts at a jump or after a gap)."""
    f = f0.cpu().numpy()
    v = voiced.cpu().numpy()
    notes, start = [], None
    for t in range(len(f)):
        if not v[t]:
            if start is not None:
                notes.append((start, t))
                start = None
            continue
        if start is None:
            start, ref = t, f[t]
        elif abs(1200 * math.log2(f[t] / ref)) > cents:
            notes.append((start, t))
            start, ref = t, f[t]
    if start is not None:
        notes.append((start, len(f)))
    return [(a, b) for a, b in notes if b - a >= 4]


SHAPE_STEP_S = 0.01   # note loudness contour resolution
SHAPE_SECONDS = 1.5   # contour length; longer notes hold its last value


def note_shape(loudness: torch.Tensor, notes: list[tuple[int, int]], hop_s: float) -> list[float]:
    """The instrument's typical loudness contour of a note, in dB re the note's peak, from
    its onset in SHAPE_STEP_S steps: the median over notes still sounding at each step
    (a held violin note swells and stays; a piano note decays). Where fewer than three
    notes last that long, the previous value is held."""
    steps = int(SHAPE_SECONDS / SHAPE_STEP_S)
    rows = []
    for a, b in notes:
        seg = loudness[a:b]
        t = (torch.arange(steps) * (SHAPE_STEP_S / hop_s)).round().long()
        vals = torch.full((steps,), float("nan"))
        ok = t < seg.numel()
        vals[ok] = seg[t[ok]].float() - float(seg.max())
        rows.append(vals)
    if not rows:
        return [0.0] * steps
    table = torch.stack(rows)
    shape, last = [], 0.0
    for k in range(steps):
        col = table[:, k]
        col = col[~torch.isnan(col)]
        if col.numel() >= 3:
            last = float(col.median())
        shape.append(round(last, 2))
    return shape


def apply_note_shape(loudness: torch.Tensor, f0: torch.Tensor, voiced: torch.Tensor,
                     hop_s: float, shape: list[float]) -> torch.Tensor:
    """Play each note of a (T,) loudness curve with the target's contour: the note keeps the
    source's peak level (dynamics between notes stay), its course in time becomes the
    target instrument's (a struck piano note becomes a bowed, held one)."""
    out = loudness.clone()
    contour = torch.tensor(shape, dtype=loudness.dtype, device=loudness.device)
    for a, b in note_segments(f0, voiced):
        k = ((torch.arange(b - a, device=loudness.device) * hop_s / SHAPE_STEP_S).round()
             .long().clamp(max=len(shape) - 1))
        out[a:b] = loudness[a:b].max() + contour[k]
    return out


class TimbreNet(nn.Module):
    def __init__(self, n_harmonics: int = N_HARMONICS, n_bands: int = N_NOISE_BANDS,
                 hidden: int = HIDDEN):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(2, hidden), nn.SiLU(), nn.Linear(hidden, hidden),
                                  nn.SiLU(), nn.Linear(hidden, hidden), nn.SiLU(),
                                  nn.Linear(hidden, n_harmonics + n_bands))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.body(z)


@dataclass
class TimbreModel:
    net: TimbreNet
    config: dict = field(default_factory=dict)

    @property
    def n_harmonics(self) -> int:
        return int(self.config["n_harmonics"])

    def _inputs(self, pitch: torch.Tensor, loudness: torch.Tensor) -> torch.Tensor:
        c = self.config
        p = pitch.clamp(*c["pitch_range"])
        lo = loudness.clamp(*c["loudness_range"])
        return torch.stack([(p - c["pitch_mean"]) / c["pitch_scale"],
                            (lo - c["loudness_mean"]) / c["loudness_scale"]], -1)

    @torch.no_grad()
    def predict(self, pitch: torch.Tensor, loudness: torch.Tensor):
        """(…,) MIDI pitch and loudness dB -> harmonic dB (…, H), noise dB (…, B), both
        relative to the loudness. Inputs are clamped to what the example covered."""
        dev = next(self.net.parameters()).device
        out = self.net(self._inputs(pitch.float().to(dev), loudness.float().to(dev)))
        out = out * 20.0 - 40.0
        H = self.n_harmonics
        return out[..., :H].to(pitch.device), out[..., H:].to(pitch.device)

    def save(self, path: str | Path) -> tuple[Path, Path]:
        from safetensors.torch import save_file
        path = Path(path)
        base = path.with_suffix("") if path.suffix in (".json", ".safetensors") else path
        base.parent.mkdir(parents=True, exist_ok=True)
        weights = {k: v.detach().to(torch.float16).contiguous().cpu()
                   for k, v in self.net.state_dict().items()}
        from safetensors import SafetensorError

        from studio.io.atomic import atomic_path, write_text
        st, js = base.with_suffix(".safetensors"), base.with_suffix(".json")
        with atomic_path(st, action="write the timbre preset") as tmp:
            try:
                save_file(weights, str(tmp), metadata={"format": FORMAT})
            except (SafetensorError, OSError) as e:  # a full disk reaches us as either
                raise StudioError(f"cannot write the timbre preset {st}: "
                                  f"{str(e).splitlines()[0][:160]}") from None
            tmp.chmod(0o644)  # safetensors writes 0600; presets are meant to be shared
        write_text(js, json.dumps(self.config, indent=1, sort_keys=True),
                   action="write the timbre preset")
        return st, js

    @classmethod
    def load(cls, path: str | Path) -> "TimbreModel":
        from safetensors.torch import load_file
        path = Path(path)
        base = path.with_suffix("") if path.suffix in (".json", ".safetensors") else path
        st, js = base.with_suffix(".safetensors"), base.with_suffix(".json")
        if not st.exists() or not js.exists():
            raise StudioError(f"timbre preset '{base}' needs both {st.name} and {js.name}")
        from safetensors import SafetensorError

        from studio.dsp.voice.timbre_limits import check_config, expected_shapes
        from studio.io import jsonfile
        from studio.io.safetensors_header import compare, read_shapes
        what = f"timbre preset '{base.name}'"
        try:
            config = jsonfile.read(js, what, max_bytes=1 << 20)
            if not isinstance(config, dict) or config.get("format") != FORMAT:
                raise StudioError(f"not a timbre preset (format "
                                  f"{str(config.get('format') if isinstance(config, dict) else None)[:40]!r})")
            check_config(config)
            # the header's shapes against the config's network before anything is built
            compare(read_shapes(st, f"{st.name}"), expected_shapes(config), st.name)
            net = TimbreNet(config["n_harmonics"], config["n_bands"], config["hidden"])
            weights = {k: v.float() for k, v in load_file(str(st)).items()}
            if not all(bool(torch.isfinite(v).all()) for v in weights.values()):
                raise StudioError("its weights hold NaN or infinite values")
            net.load_state_dict(weights)
        except StudioError as e:
            msg = str(e)
            raise StudioError(msg if msg.startswith(what) else f"{what} is unusable: {msg}") from None
        except (OSError, ValueError, KeyError, RuntimeError, SafetensorError) as e:
            raise StudioError(f"{what} is unreadable: {str(e).splitlines()[0][:200]}") from None
        net.eval()
        return cls(net, config)


def learn(x: torch.Tensor, sr: int, name: str = "timbre", steps: int = 600,
          seed: int = 0, progress=None) -> TimbreModel:
    """Learn a timbre from (N,) mono audio of one instrument (10 s or more is best)."""
    started = time.perf_counter()
    report = progress or (lambda _f: None)
    # measuring took about as long as 600 steps on two cores
    feats = measure(x, sr, progress=lambda f: report(0.5 * f))
    g = torch.Generator().manual_seed(seed)
    torch_state = torch.random.get_rng_state()
    torch.manual_seed(seed)
    net = TimbreNet()
    torch.random.set_rng_state(torch_state)
    p, lo = feats.pitch, feats.loudness
    config = {
        "format": FORMAT, "name": name, "n_harmonics": N_HARMONICS, "n_bands": N_NOISE_BANDS,
        "hidden": HIDDEN, "sample_rate": sr, "noise_band_edges": noise_band_edges(sr),
        "pitch_mean": float(p.mean()), "pitch_scale": float(p.std().clamp(min=3.0)),
        "loudness_mean": float(lo.mean()), "loudness_scale": float(lo.std().clamp(min=3.0)),
        "pitch_range": [float(p.min()), float(p.max())],
        "loudness_range": [float(lo.min()), float(lo.max())],
        "note_shape_db": feats.note_shape_db, "note_shape_step_s": SHAPE_STEP_S,
    }
    model = TimbreModel(net, config)
    z = model._inputs(p, lo)
    target = (torch.cat([feats.harm_db, feats.noise_db], -1) + 40.0) / 20.0
    weight = torch.cat([feats.harm_ok.float(), torch.ones_like(feats.noise_db) * 0.5], -1)
    n = z.shape[0]
    batch = min(n, 512)
    with torch.enable_grad():  # the engine runs operations under inference mode
        _fit(net, z, target, weight, steps, batch, g, lambda f: report(0.5 + 0.5 * f))
    net.eval()
    with torch.no_grad():
        err = (net(z) - target) * 20.0
        w = weight.clamp(max=1)
        rms_db = float(((err.pow(2) * w).sum() / w.sum()).sqrt())
    config.update({"frames": int(n), "example_seconds": round(feats.seconds, 2),
                   "fit_rms_db": round(rms_db, 2), "steps": steps,
                   "train_seconds": round(time.perf_counter() - started, 2)})
    return model


def _fit(net, z, target, weight, steps, batch, g, progress):
    """Adam on random mini-batches, cosine-decayed learning rate; weighted squared error."""
    opt = torch.optim.Adam(net.parameters(), lr=5e-3)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    z, target, weight = z.clone(), target.clone(), weight.clone()  # leave inference mode
    for step in range(steps):
        idx = torch.randint(0, z.shape[0], (batch,), generator=g)
        err = (net(z[idx]) - target[idx]) * weight[idx]
        loss = err.pow(2).sum() / weight[idx].sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if progress is not None and step % 20 == 0:
            progress(step / steps)


def render(model: TimbreModel, f0: torch.Tensor, voiced: torch.Tensor, loudness: torch.Tensor,
           hop: int, n_samples: int, sr: int, generator: torch.Generator | None = None,
           noise_gain_db: float = 0.0, progress=None) -> torch.Tensor:
    """Play the model: f0 (B, T) Hz filled through gaps, voiced (B, T), loudness (B, T) dB
    -> (B, N) audio. Harmonics above the example's Nyquist are left out."""
    harm_db, noise_db = model.predict(midi(f0), loudness)
    gate = voiced.unsqueeze(-1).float()
    amp = 10 ** ((harm_db + loudness.unsqueeze(-1)) / 20) * gate
    h = torch.arange(1, model.n_harmonics + 1, device=f0.device, dtype=f0.dtype)
    amp = amp * (f0.unsqueeze(-1) * h < 0.95 * model.config["sample_rate"] / 2)
    harmonic = harmonic_synth(f0, amp, hop, n_samples, sr, progress=progress)
    # noise bands (Hz edges) -> bins of the synthesis STFT, linear in amplitude
    n_fft = next_pow2(int(round(ANALYSIS_WINDOW_S * sr)))
    freqs = torch.arange(n_fft // 2 + 1, device=f0.device, dtype=torch.float32) * (sr / n_fft)
    edges = torch.tensor(model.config["noise_band_edges"], dtype=torch.float32)
    centres = 0.5 * (edges[1:] + edges[:-1]).to(f0.device)
    std_band = 10 ** ((noise_db + loudness.unsqueeze(-1) + noise_gain_db) / 20) * gate      # (B, T, nb)
    pos = torch.bucketize(freqs, centres).clamp(1, len(centres) - 1)
    c0, c1 = centres[pos - 1], centres[pos]
    w = ((freqs - c0) / (c1 - c0)).clamp(0, 1)
    std = std_band[..., pos - 1] * (1 - w) + std_band[..., pos] * w
    std = std * (freqs < edges[-1].item())
    return harmonic + filtered_noise(std, hop, n_samples, n_fft, generator)


def analyze_source(x: torch.Tensor, sr: int, progress=None
                   ) -> tuple[PitchTrack, torch.Tensor]:
    """pYIN track and loudness of (B, N) audio, on the shared grid (`progress(fraction)`
    follows the pitch tracking, nearly all of the time)."""
    hop = hop_for(sr)
    report = progress or (lambda _f: None)
    track = track_f0(x, sr, hop=hop, progress=lambda f: report(0.8 * f))
    spec, n_fft, win = spectrum_frames(x.float(), sr, hop, ANALYSIS_WINDOW_S,
                                       count=track.f0.shape[-1])
    loudness = power_to_loudness(spec.abs().pow(2), sr, n_fft, win)
    report(1.0)
    return track, loudness


__all__ = ["TimbreModel", "TimbreNet", "learn", "measure", "render", "analyze_source",
           "frame_loudness"]
