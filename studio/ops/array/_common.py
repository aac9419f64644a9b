"""What the array operations share: the `layout` parameter (a `Text`: JSON or a path),
reading it and matching it to the recording's channels, STFT helpers, and a scoped seed
for the numpy random state pyroomacoustics draws from."""
from __future__ import annotations

import contextlib
import json

import numpy as np
import torch

from studio.arrays.formats import parse_layout
from studio.arrays.geometry import Layout
from studio.arrays.validate import require_valid
from studio.engine.params import Text  # noqa: F401 - re-exported for the array ops
from studio.errors import StudioError, TooShort

LAYOUT_PARAM = Text("layout", default="", multiline=True, in_form=False,
                    help="Array geometry: a layout file (.json, acoular .xml, ODAS .cfg) or its "
                         "JSON; the window gives the Array dock's layout")


def example_layout(count: int = 4, radius: float = 0.05, centre=(2.0, 2.0, 1.2)) -> str:
    """The JSON of a small circular array (omni microphones) standing in a room, for the ops'
    `example` values: what the docs show and the generic all-operations test runs."""
    from studio.arrays.presets import circular
    return json.dumps(circular(count, radius).translated(np.asarray(centre, dtype=float)).to_dict(),
                      separators=(",", ":"))


def layout_for(value: str, n_channels: int | None = None, least: int = 2) -> Layout:
    """The layout of the `layout` parameter, reduced to its enabled microphones, checked
    against the recording: either one channel per microphone (disabled ones are dropped by
    `enabled_channels`) or one per enabled microphone."""
    layout = require_valid(parse_layout(value), least)
    if n_channels is not None and n_channels not in (len(layout.mics), len(layout.enabled_mics())):
        raise StudioError(f"the recording has {n_channels} channels but the array layout has "
                          f"{len(layout.enabled_mics())} enabled microphones")
    return layout


def enabled_channels(audio: torch.Tensor, layout: Layout) -> torch.Tensor:
    """The channels of the enabled microphones."""
    if audio.shape[0] == len(layout.mics) and len(layout.enabled_mics()) != len(layout.mics):
        keep = [i for i, m in enumerate(layout.mics) if m.enabled]
        return audio[keep]
    return audio


def parse_list(text: str, what: str) -> list:
    """A JSON list, or comma-separated numbers ("30, 120")."""
    text = (text or "").strip()
    if not text:
        return []
    try:
        value = json.loads(text if text.startswith("[") else f"[{text}]")
    except json.JSONDecodeError:
        raise StudioError(f"{what}: expected a JSON list or comma-separated numbers, "
                          f"got {text[:40]!r}") from None
    if not isinstance(value, list):
        raise StudioError(f"{what}: expected a list")
    return value


def positions_list(text: str, what: str) -> np.ndarray:
    """(K, 3) positions from a JSON list of [x, y, z] (z defaults to 0)."""
    rows = parse_list(text, what)
    try:
        out = np.array([[float(r[0]), float(r[1]), float(r[2]) if len(r) > 2 else 0.0]
                        for r in rows], dtype=float).reshape(-1, 3)
    except (TypeError, ValueError, IndexError):
        raise StudioError(f"{what}: expected [[x, y, z], ...] in metres") from None
    return out


def hop_for(n_fft: int) -> int:
    return n_fft // 4


def stft(x: torch.Tensor, n_fft: int) -> torch.Tensor:
    """(C, T) -> (C, F, S) complex, Hann window, 75 % overlap. Shorter than one frame is
    refused (torch's reflect padding cannot pad it, and one frame is the least to steer)."""
    if x.shape[-1] < n_fft:
        raise TooShort(frames=n_fft)
    win = torch.hann_window(n_fft, periodic=True, dtype=x.dtype, device=x.device)
    return torch.stft(x, n_fft, hop_for(n_fft), n_fft, win, center=True, return_complex=True)


def istft(X: torch.Tensor, n_fft: int, length: int) -> torch.Tensor:
    win = torch.hann_window(n_fft, periodic=True, dtype=X.real.dtype, device=X.device)
    return torch.istft(X, n_fft, hop_for(n_fft), n_fft, win, center=True, length=length)


@contextlib.contextmanager
def numpy_seed(seed: int):
    """pyroomacoustics' BSS draws from numpy's global generator: seed it for the job (same
    seed, same result) and put the caller's state back after."""
    state = np.random.get_state()
    np.random.seed(seed % (2**32))
    try:
        yield
    finally:
        np.random.set_state(state)
