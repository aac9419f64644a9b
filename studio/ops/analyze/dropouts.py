"""analyze.dropouts: find the runs where the signal stops — digital silence (exact zeros) or a
value held (a stalled converter, a lost packet padded by repeating the last sample).

Real audio, even quiet, changes from one sample to the next (its noise alone does): a run
of identical samples on every channel longer than a few milliseconds is damage. Each run
becomes a marker with its duration, which the window draws and lets the user select, then
fill (Restore › Fill gap). Runs longer than `longest` are left out: that is silence someone
meant (a pause between tracks), not a dropout.
"""
from __future__ import annotations

import torch

from studio.engine.operation import Marker, Report, Result, operation
from studio.engine.params import Float


def held_runs(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(starts, lengths) in samples of the runs where every channel of x (C, N) keeps one
    value; a run of length L is L samples equal to the first of them."""
    held = (x[:, 1:] == x[:, :-1]).all(dim=0).to(torch.int8)
    edges = torch.diff(torch.nn.functional.pad(held, (1, 1)))
    starts = torch.nonzero(edges == 1).flatten()   # held index j: sample j+1 equals sample j
    ends = torch.nonzero(edges == -1).flatten()
    return starts, ends - starts + 1


@operation(
    id="analyze.dropouts", title="Find dropouts", category="analyze", returns_audio=False,
    params=[
        Float("shortest", default=5.0, lo=0.5, hi=1000.0, unit="ms",
              help="runs shorter than this are not reported"),
        Float("longest", default=2.0, lo=0.01, hi=3600.0, unit="s",
              help="runs longer than this are taken as intended silence"),
    ],
)
def run(inputs, p, ctx) -> Result:
    """Mark the runs of digital silence or held samples (dropouts) with their durations."""
    sr = inputs.sample_rate
    x = inputs.audio
    ctx.progress(0.1, "scanning")
    starts, lengths = held_runs(x)
    keep = (lengths >= p.shortest * sr / 1000) & (lengths <= p.longest * sr)
    starts, lengths = starts[keep].tolist(), lengths[keep].tolist()
    markers = []
    for s, n in zip(starts, lengths):
        kind = "zeros" if bool((x[:, s] == 0).all()) else "held value"
        markers.append(Marker(time=s / sr, label=f"dropout {1000 * n / sr:.1f} ms ({kind})",
                              duration=n / sr))
    ctx.progress(1.0, "done")
    values = {"dropouts": len(markers)}
    if markers:
        values["longest (ms)"] = round(1000 * max(lengths) / sr, 1)
        values["first at (s)"] = round((inputs.offset + starts[0]) / sr, 3)
    return Result(report=Report(values=values, markers=markers,
                                data={"starts": starts, "lengths": lengths}))
