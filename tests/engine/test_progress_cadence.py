"""Every operation, whoever wrote it, keeps its progress bar moving: run through the engine on
a few seconds of music-like audio, a job that takes over a second must report progress at
least about once a second (from the start to the end, so an op that loads, analyses or loops
without reporting fails), and the fractions never go back.

The bar is 1.5 s rather than 1 s: the test machines are shared, and a step that takes 0.6 s
alone can take twice that while other work runs. Slow (every op on ~8 s of audio)."""
import time

import numpy as np
import pytest

from studio.engine import registry
from studio.engine.operation import InputKind
from studio.engine.protocol import JobRequest
from studio.engine.runner import run_job

pytestmark = pytest.mark.slow

RATE = 44100
SECONDS = 8.0
LONGEST_GAP_S = 1.5   # "about once a second", on a shared machine
CHECKED_FROM_S = 1.0  # shorter jobs need no progress at all
# Known silent stretches inside a library call (none at present: DOA's MUSIC map is built a
# group of bins at a time, AuxIVA runs a few iterations at a time)
SILENT_IN_A_LIBRARY: dict[str, str] = {}
OPS = [pytest.param(op.id, marks=pytest.mark.xfail(reason=SILENT_IN_A_LIBRARY[op.id],
                                                   strict=False))
       if op.id in SILENT_IN_A_LIBRARY else op.id for op in registry.all_operations()]


@pytest.fixture(scope="module", autouse=True)
def _optimizer_imported():
    """Building the first torch optimizer in a process imports torch._dynamo (3 s, once):
    a one-time cost of the process, not a stretch an operation could report through."""
    import torch
    torch.optim.Adam([torch.zeros(1, requires_grad=True)])


def _music(channels: int, seconds: float, seed: int = 0) -> np.ndarray:
    """A melody of harmonic notes over soft noise: pitched (convert ops accept it), with
    onsets and silence-free."""
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    t = np.arange(n) / RATE
    notes = 220.0 * 2 ** (np.array([0, 3, 7, 12, 7, 3, 5, 8]) / 12)
    f = np.repeat(notes, -(-n // len(notes)))[:n]
    phase = 2 * np.pi * np.cumsum(f) / RATE
    x = sum(0.3 / h * np.sin(h * phase) for h in range(1, 6))
    x = x * (0.6 + 0.4 * np.cos(2 * np.pi * t * len(notes) / seconds) ** 2)
    out = np.stack([x * (1 - 0.2 * c) + 0.01 * rng.standard_normal(n) for c in range(channels)])
    return out.astype(np.float32)


def _request(op) -> JobRequest:
    channels = 4 if op.inputs is InputKind.MULTICHANNEL else 2
    x = None if op.inputs is InputKind.NONE else _music(channels, SECONDS)
    if op.id == "restore.declip" and x is not None:
        # clipped peaks to restore; 3 s: SPADE on every frame of 8 s takes minutes here
        x = np.clip(3 * x[:, :int(3 * RATE)], -0.5, 0.5)
    extras = {e.name: (_music(1, SECONDS, seed=i + 1)[:, :int(4 * RATE)], RATE)
              for i, e in enumerate(op.extras)}
    return JobRequest(op_id=op.id, params=dict(op.example or {}), inputs=x, sample_rate=RATE,
                      device="cpu", seed=1, extras=extras)


@pytest.mark.parametrize("op_id", OPS)
def test_progress_moves_at_least_about_once_a_second(op_id):
    op = registry.get(op_id)
    request = _request(op)
    stamps: list[tuple[float, float, str]] = []
    t0 = time.monotonic()
    run_job(request, on_progress=lambda d, t, m: stamps.append(
        (time.monotonic() - t0, d / t if t else 0.0, m)))
    total = time.monotonic() - t0
    fractions = [f for _, f, _ in stamps]
    assert all(b >= a - 1e-9 for a, b in zip(fractions, fractions[1:])), \
        f"progress went back: {fractions}"
    assert all(0.0 <= f <= 1.0 for f in fractions)
    if total < CHECKED_FROM_S:
        return
    times = [0.0] + [s for s, _, _ in stamps] + [total]
    gaps = np.diff(times)
    worst = int(np.argmax(gaps))
    after = stamps[worst - 1][2] if worst > 0 else "(start)"
    assert gaps[worst] <= LONGEST_GAP_S, (
        f"{op_id}: no progress for {gaps[worst]:.2f} s after '{after}' "
        f"(job {total:.1f} s, {len(stamps)} messages)")
    assert fractions and fractions[-1] >= 0.9, "the bar ends near full"
