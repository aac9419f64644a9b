"""Beamform a multichannel recording toward one or several directions: delay-and-sum,
MVDR from a noise-only segment (torchaudio's RTF-MVDR with the array's steering vector, or
Souden's MVDR from speech and noise covariances), or LCMV toward several directions at once."""
from __future__ import annotations

import numpy as np
import torch
import torchaudio.transforms as T

from studio.arrays import beam
from studio.engine.operation import InputKind, Report, Result, operation
from studio.engine.params import Choice, Float
from studio.errors import StudioError
from studio.ops.array._common import (LAYOUT_PARAM, Text, enabled_channels, example_layout, istft,
                                      layout_for, parse_list, stft)

METHODS = ("delay-and-sum", "mvdr", "souden-mvdr", "lcmv")
QUIET_FRACTION = 0.1  # no noise segment given: the quietest 10 % of frames stand for noise


def noise_mask(X: torch.Tensor, rate: int, n_fft: int, start: float, end: float) -> torch.Tensor:
    """(S,) 1 for the frames of the noise-only segment [start, end) seconds, else 0."""
    hop = n_fft // 4
    times = torch.arange(X.shape[-1], device=X.device) * (hop / rate)
    if end > start:
        mask = ((times >= start) & (times < end)).to(X.real.dtype)
        if mask.sum() < 2:
            raise StudioError(f"the noise segment {start:g}-{end:g} s holds fewer than 2 frames")
        return mask
    energy = X.abs().square().sum((0, 1))
    k = max(2, int(QUIET_FRACTION * len(energy)))
    mask = torch.zeros_like(energy)
    mask[torch.argsort(energy)[:k]] = 1
    return mask


def steering(layout, azimuths, elevation, freqs, dtype) -> torch.Tensor:
    """(F, M, K) far-field steering vectors toward K azimuths, with the phase reference at
    the array's centre: the beam is then the look direction's signal as heard there (from
    the room's origin, a delay-and-sum beam of an array 3 m away came out ~180 samples late,
    a delay longer than a quarter frame, smeared across frames)."""
    alpha, axes = layout.directivity()
    u = beam.unit_vectors(azimuths, [elevation] * len(azimuths))
    pos = layout.positions(enabled_only=True)
    a = beam.far_field_steering(pos - pos.mean(0), u, freqs, alpha=alpha,
                                axes=axes, gains=layout.gains())
    return a.transpose(1, 2).to(dtype)


def apply(w: torch.Tensor, X: torch.Tensor) -> torch.Tensor:
    """y(f, s) = w(f)^H x(f, s) for weights (F, M) and an STFT X (M, F, S)."""
    return torch.einsum("fm,mfs->fs", w.conj(), X)


@operation(
    id="array.beamform", title="Beamform", inputs=InputKind.MULTICHANNEL,
    example={"layout": example_layout(4)}, changes_length=False,
    params=[
        LAYOUT_PARAM,
        Choice("method", default="delay-and-sum", options=METHODS),
        Text("azimuth", default="0", hint="located:azimuths",
             help="Look direction(s) in degrees from +x toward +y; LCMV takes several: "
                  "'30, 120'. After Locate, the located sources are offered"),
        Float("elevation", default=0.0, lo=-90.0, hi=90.0, unit="°"),
        Float("noise_start", default=0.0, lo=0.0, unit="s", help="Noise-only segment start"),
        Float("noise_end", default=0.0, lo=0.0, unit="s", special=(0.0, "no segment"),
              help="Noise-only segment end; equal to the start: MVDR takes the quietest "
                   "frames, LCMV no noise covariance"),
        Float("loading", default=1e-3, lo=0.0, hi=10.0, log=True,
              help="Diagonal loading of the noise covariance, relative to its mean power"),
        Choice("fft_size", default="1024", options=("256", "512", "1024", "2048", "4096"),
               label="FFT size"),
    ])
def run(inputs, p, ctx) -> Result:
    """One channel toward the look direction; LCMV gives one take per direction too."""
    layout = layout_for(p.layout, inputs.audio.shape[0])
    x = enabled_channels(inputs.audio, layout).to(torch.float64)
    rate, n_fft, length = inputs.sample_rate, int(p.fft_size), x.shape[-1]
    azimuths = [float(a) for a in parse_list(p.azimuth, "azimuth")]
    if not azimuths:
        raise StudioError("give at least one look azimuth")
    if p.method != "lcmv" and len(azimuths) > 1:
        raise StudioError(f"{p.method} looks in one direction; use lcmv for several")
    ctx.progress(0.1, "STFT")
    X = stft(x, n_fft)                                            # (M, F, S)
    freqs = torch.arange(X.shape[1], dtype=torch.float64) * (rate / n_fft)
    a = steering(layout, azimuths, p.elevation, freqs, X.dtype).to(X.device)  # (F, M, K)
    takes = []
    ctx.progress(0.3, p.method)
    has_segment = p.noise_end > p.noise_start
    if p.method == "delay-and-sum":
        Y = apply(beam.delay_and_sum(a[..., 0]), X)
    elif p.method == "lcmv":
        # the one-forcing solution D A = I (Tikhonov-regularised), whitened by the noise
        # covariance when a noise-only segment is given; without one, quiet frames would hold
        # the sources themselves and the constraints would fight the covariance
        psd_n = None
        if has_segment:
            mask = noise_mask(X, rate, n_fft, p.noise_start, p.noise_end)
            psd_n = T.PSD()(X, mask.expand(X.shape[1], -1))
        W = beam.lcmv(a, psd_n, loading=p.loading, regularisation=p.loading)   # (F, M, K)
        outs = [apply(W[..., k], X) for k in range(len(azimuths))]
        takes = [(f"lcmv {az:g}°", istft(o, n_fft, length)[None].float())
                 for az, o in zip(azimuths, outs)]
        Y = outs[0]
    else:
        mask = noise_mask(X, rate, n_fft, p.noise_start, p.noise_end)
        mask = mask.expand(X.shape[1], -1)                        # (F, S)
        psd = T.PSD()
        psd_n = beam.loaded(psd(X, mask), p.loading)              # (F, M, M)
        if p.method == "mvdr":
            # the relative transfer function to microphone 1 is the steering vector over its
            # first entry; the RTF form keeps the target's image at the reference microphone
            rtf = a[..., 0] / a[..., :1, 0]
            Y = T.RTFMVDR()(X, rtf, psd_n, reference_channel=0)
        else:
            psd_s = psd(X, 1 - mask) - psd_n
            Y = T.SoudenMVDR()(X, psd_s, psd_n, reference_channel=0)
    y = istft(Y, n_fft, length)[None].float()
    ctx.progress(1.0, "done")
    gain = float(y.square().mean() / x[0].square().mean().clamp_min(1e-30))
    return Result(audio=y, takes=takes, report=Report(values={
        "method": p.method, "azimuth_deg": ", ".join(f"{a:g}" for a in azimuths),
        "output_to_mic1_power_db": round(10 * float(np.log10(max(gain, 1e-30))), 2)}))
