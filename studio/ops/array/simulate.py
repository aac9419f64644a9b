"""Simulate a multichannel recording: sources in a shoebox room heard by the array
(pyroomacoustics image sources, optionally hybrid with ray tracing)."""
from __future__ import annotations

import numpy as np
import torch
import torchaudio.functional as AF

from studio.engine.operation import Extra, InputKind, Report, Result, operation
from studio.engine.params import Bool, Float, Int
from studio.errors import StudioError
from studio.ops.array._common import (LAYOUT_PARAM, Text, example_layout, layout_for, numpy_seed,
                                      positions_list)

MAX_SOURCES = 4
NOISELESS_DB = 100.0


def _room_size(text: str, layout) -> np.ndarray:
    if text.strip():
        size = positions_list(f"[[{text}]]", "room")[0]
    elif layout.room is not None:
        size = np.asarray(layout.room.size, dtype=float)
    else:
        raise StudioError("no room size: give 'room' as 'x, y, z' metres or draw one in the layout")
    if (size <= 0).any():
        raise StudioError(f"room size {size.tolist()} must be three positive lengths")
    return size


def _inside(points: np.ndarray, size: np.ndarray, what: str) -> None:
    for k, q in enumerate(points):
        if not ((q > 0).all() and (q < size).all()):
            raise StudioError(f"{what} {k + 1} at {np.round(q, 3).tolist()} m lies outside the "
                              f"room {size.tolist()} m")


def simulate_room(signals: list[np.ndarray], sources: np.ndarray, mics: np.ndarray,
                  size: np.ndarray, rate: int, rt60: float, ray_tracing: bool = False,
                  max_order: int = -1) -> np.ndarray:
    """(K, M, T) image of each source at each microphone (pyroomacoustics ShoeBox)."""
    import pyroomacoustics as pra
    if rt60 > 0:
        try:
            absorption, order = pra.inverse_sabine(rt60, size.tolist())
        except ValueError:
            raise StudioError(f"RT60 {rt60:g} s is out of reach in a {size.tolist()} m room "
                              f"(Sabine's formula needs a shorter RT60 or a larger room)") from None
        if ray_tracing:
            order = min(order, 3)  # hybrid: early reflections by images, the tail by rays
        kwargs = dict(materials=pra.Material(absorption), max_order=order if max_order < 0
                      else max_order, ray_tracing=ray_tracing, air_absorption=ray_tracing)
    else:
        kwargs = dict(max_order=0)
    room = pra.ShoeBox(size.tolist(), fs=rate, **kwargs)
    if rt60 > 0 and ray_tracing:
        room.set_ray_tracing()
    for pos, sig in zip(sources, signals):
        room.add_source(pos.tolist(), signal=sig)
    room.add_microphone_array(pra.MicrophoneArray(mics.T.copy(), rate))
    premix = room.simulate(return_premix=True)
    return np.asarray(premix, dtype=np.float64)


@operation(
    id="array.simulate", title="Simulate array recording", inputs=InputKind.NONE,
    changes_length=True,
    # a 4 x 4 x 2.5 m room with one source per extra input around a 4-microphone circle
    example={"layout": example_layout(4), "room": "4, 4, 2.5", "rt60": 0.2,
             "sources": "[[3, 2, 1.2], [2, 3, 1.2], [1, 2, 1.2], [2, 1, 1.2]]"},
    extras=tuple(Extra(f"source{k}", help=f"the signal of source {k}", required=(k == 1))
                 for k in range(1, MAX_SOURCES + 1)),
    params=[
        LAYOUT_PARAM,
        # the window leaves both empty: the sources and the room drawn in the Array dock
        Text("sources", default="", in_form=False,
             help="Source positions as [[x, y, z], ...] metres, one per extra input; empty: "
                  "the layout's sources"),
        Text("room", default="", in_form=False,
             help="Room size 'x, y, z' metres; empty: the layout's room"),
        Float("rt60", default=0.3, lo=0.0, hi=3.0, unit="s", label="RT60",
              help="Reverberation time; 0 = anechoic"),
        Text("array_center", default="", special=("", "as in the layout"), help="'x, y, z': move the array's centre there; "
                                              "empty: positions as in the layout"),
        Bool("ray_tracing", default=False, help="Hybrid: image sources up to order 3, then rays"),
        Int("max_order", default=-1, lo=-1, hi=100, special=(-1, "auto"),
            help="Image-source order; -1 (auto) = from RT60"),
        Int("rate", default=16000, lo=8000, hi=96000, unit="Hz", label="Sample rate"),
        Float("snr", default=NOISELESS_DB, lo=-20.0, hi=NOISELESS_DB, unit="dB", label="Sensor SNR",
              help="White sensor noise against the mixture; 100 = none"),
    ])
def run(inputs, p, ctx) -> Result:
    """A new multichannel document, plus each source's image at every microphone as a take
    (the ground truth for beamforming, localisation and separation)."""
    layout = layout_for(p.layout)
    mics = layout.positions(enabled_only=True)
    if p.array_center.strip():
        mics = mics - mics.mean(0) + positions_list(f"[[{p.array_center}]]", "array_center")[0]
    size = _room_size(p.room, layout)
    names = [f"source{k}" for k in range(1, MAX_SOURCES + 1) if f"source{k}" in inputs.extras]
    positions = (positions_list(p.sources, "sources") if p.sources.strip() else
                 np.array([s.position for s in layout.sources]).reshape(-1, 3))
    if len(positions) < len(names):
        raise StudioError(f"{len(names)} source signals but {len(positions)} source positions")
    positions = positions[:len(names)]
    _inside(mics, size, "microphone")
    _inside(positions, size, "source")
    rate = int(p.rate)
    signals = []
    for name in names:
        audio, sr = inputs.extras[name]
        mono = audio.to(torch.float64).mean(0)
        if sr != rate:
            mono = AF.resample(mono, sr, rate)
        signals.append(mono.cpu().numpy())
    ctx.progress(0.05, "simulating the room")
    images = simulate_room(signals, positions, mics, size, rate, p.rt60, p.ray_tracing,
                           p.max_order)
    mixture = images.sum(0)
    if p.snr < NOISELESS_DB:
        with numpy_seed(ctx.seed):
            noise = np.random.standard_normal(mixture.shape)
        noise *= np.sqrt(np.mean(mixture**2) / 10 ** (p.snr / 10))
        mixture = mixture + noise
    gains = layout.gains()[:, None]
    mixture, images = mixture * gains, images * gains[None]
    peak = float(np.abs(mixture).max())
    scale = 0.9 / peak if peak > 0.9 else 1.0  # keep headroom; the images get the same factor
    ctx.progress(1.0, "done")
    takes = [(f"image: source {k + 1}", (images[k] * scale).astype(np.float32))
             for k in range(len(names))]
    return Result(audio=(mixture * scale).astype(np.float32), sample_rate=rate, takes=takes,
                  report=Report(values={"microphones": len(mics), "sources": len(names),
                                        "rt60_s": p.rt60, "scale": round(scale, 6)},
                                data={"mic_positions": mics, "source_positions": positions,
                                      "room": size}))
