"""Direction of arrival of the sources heard by the array (pyroomacoustics: NormMUSIC,
MUSIC, SRP-PHAT, TOPS), with the azimuth map in the report."""
from __future__ import annotations

import numpy as np

from studio.arrays import figures
from studio.arrays.geometry import SPEED_OF_SOUND
from studio.engine.operation import Curve, InputKind, Report, Result, operation
from studio.engine.params import Bool, Choice, Float, FreqRange, Int
from studio.errors import StudioError
from studio.ops.array._common import (LAYOUT_PARAM, enabled_channels, example_layout, layout_for,
                                      stft)

METHODS = {"NormMUSIC": "NormMUSIC", "MUSIC": "MUSIC", "SRP-PHAT": "SRP", "TOPS": "TOPS"}
# MUSIC's map is the mean over frequency bins of each bin's pseudo-spectrum (normalised per
# bin for NormMUSIC), so it can be built a group of bins at a time, with progress between
BIN_GROUPS = 8
BY_BINS = ("NormMUSIC", "MUSIC")


def refine_peak(grid_deg: np.ndarray, values: np.ndarray, peak_deg: float) -> float:
    """Parabolic interpolation of a peak on a uniform circular grid."""
    n = len(grid_deg)
    i = int(np.argmin(np.abs((grid_deg - peak_deg + 180) % 360 - 180)))
    y0, y1, y2 = values[(i - 1) % n], values[i], values[(i + 1) % n]
    den = y0 - 2 * y1 + y2
    offset = 0.5 * (y0 - y2) / den if den < 0 else 0.0
    step = grid_deg[1] - grid_deg[0]
    return float((grid_deg[i] + np.clip(offset, -0.5, 0.5) * step + 180) % 360 - 180)


def locate(X: np.ndarray, mic_xy: np.ndarray, rate: int, n_fft: int, method: str, n_src: int,
           band: tuple[float, float], resolution: float, refine: bool = True, progress=None):
    """(azimuths in degrees, grid in degrees, normalised spatial spectrum) for an STFT
    X (M, F, S) and microphone positions (2, M) relative to the array centre.
    `progress(fraction)` between groups of frequency bins (MUSIC, NormMUSIC)."""
    import pyroomacoustics as pra
    grid = np.arange(0.0, 360.0, resolution)
    algo = pra.doa.algorithms[METHODS[method]](mic_xy, rate, n_fft, c=SPEED_OF_SOUND,
                                               num_src=n_src, azimuth=np.radians(grid))
    # the bins pyroomacoustics takes for a frequency range
    lo, hi = (int(np.round(f / rate * n_fft)) for f in band)
    bins = np.arange(lo, hi, dtype=np.int64)
    bins = bins[(bins >= 0) & (bins < algo.max_bin)]
    if method in BY_BINS and progress is not None and len(bins) > 1:
        total = np.zeros(len(grid))
        groups = np.array_split(bins, min(BIN_GROUPS, len(bins)))
        for k, group in enumerate(groups):
            algo.locate_sources(X, num_src=n_src, freq_bins=group)
            total += np.asarray(algo.grid.values, dtype=float) * len(group)
            progress((k + 1) / len(groups))
        algo.grid.set_values(total / len(bins))
        found = np.degrees(np.atleast_1d(algo.grid.azimuth[algo.grid.find_peaks(k=n_src)]))
    else:
        algo.locate_sources(X, num_src=n_src, freq_range=list(band))
        found = np.degrees(np.atleast_1d(algo.azimuth_recon))
    values = np.asarray(algo.grid.values, dtype=float)
    if refine:
        found = np.array([refine_peak(grid, values, a) for a in found])
    found = (found + 180) % 360 - 180
    spectrum = values - values.min()
    if spectrum.max() > 0:
        spectrum = spectrum / spectrum.max()
    return found, (grid + 180) % 360 - 180, spectrum


@operation(
    id="array.doa", title="Locate sources (DOA)", inputs=InputKind.MULTICHANNEL,
    example={"layout": example_layout(4)},
    returns_audio=False,
    params=[
        LAYOUT_PARAM,
        Choice("method", default="NormMUSIC", options=tuple(METHODS)),
        Int("sources", default=1, lo=1, hi=8, help="How many sources to find"),
        FreqRange("band", default="300,3500", help="Frequencies used, low,high Hz"),
        Choice("fft_size", default="512", options=("256", "512", "1024", "2048"), label="FFT size"),
        Float("resolution", default=0.5, lo=0.05, hi=10.0, unit="°",
              help="Azimuth grid step (peaks are refined between grid points)"),
        Bool("refine", default=True, help="Parabolic refinement of each peak"),
    ])
def run(inputs, p, ctx) -> Result:
    """Azimuths (degrees from +x toward +y) of the strongest sources, and the azimuth map."""
    layout = layout_for(p.layout, inputs.audio.shape[0])
    audio = enabled_channels(inputs.audio, layout)
    rate, n_fft = inputs.sample_rate, int(p.fft_size)
    band = p.band or (300.0, 3500.0)
    if band[1] > rate / 2:
        band = (band[0], rate / 2 * 0.98)
    if band[0] >= band[1]:
        raise StudioError(f"the band {band} is above the Nyquist frequency {rate / 2:g} Hz")
    pos = layout.positions(enabled_only=True)
    if len(pos) <= p.sources and p.method in ("MUSIC", "NormMUSIC", "TOPS"):
        raise StudioError(f"{p.method} finds fewer sources than microphones "
                          f"({len(pos)} microphones, {p.sources} sources asked)")
    ctx.progress(0.1, "STFT")
    X = stft(audio.double(), n_fft).cpu().numpy()
    mic_xy = (pos - pos.mean(0))[:, :2].T
    ctx.progress(0.3, p.method)
    found, grid, spectrum = locate(X, mic_xy, rate, n_fft, p.method, p.sources, band,
                                   p.resolution, p.refine,
                                   progress=lambda f: ctx.progress(0.3 + 0.65 * f, p.method))
    notes = []
    if figures.linear_axis(pos) is not None:
        notes.append("linear array: each azimuth is ambiguous with its mirror across the "
                     "array axis")
    if (np.ptp(pos[:, 2]) if len(pos) else 0) > 1e-6:
        notes.append("the array is not planar: azimuth uses the x-y projection")
    alias = figures.aliasing_frequency(pos)
    if band[1] > alias:
        notes.append(f"the band reaches above the aliasing frequency {alias:.0f} Hz")
    order = np.argsort(grid)
    ctx.progress(1.0, "done")
    values = {f"azimuth_{k + 1}_deg": round(float(a), 2) for k, a in enumerate(found)}
    values["method"] = p.method
    return Result(report=Report(
        values=values,
        curves=[Curve(x=grid[order], y=spectrum[order], x_label="azimuth (°)",
                      y_label="spatial spectrum (normalised)", name=p.method)],
        text="\n".join(notes),
        data={"azimuths_deg": np.asarray(found), "grid_deg": grid[order],
              "spectrum": spectrum[order]}))
