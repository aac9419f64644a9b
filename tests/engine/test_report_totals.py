"""A chunked job's report: counts named in `totals` add up over the chunks (the window's
"De-clip: 3217 samples restored" must count the whole file, not its last chunk)."""
import numpy as np

from studio.engine.protocol import JobRequest
from studio.engine.runner import run_job

RATE = 16000


def test_declip_counts_every_chunks_clipped_samples():
    t = np.arange(3 * RATE) / RATE
    x = np.clip(1.6 * np.sin(2 * np.pi * 200 * t), -1.0, 1.0).astype(np.float32)[None]
    x[:, RATE:] *= 0.5  # the later chunks clip at their own, lower level... of the detector
    x = np.clip(x, -0.5, 0.5)  # ...so clip again: every chunk clips at +-0.5
    expected = int((np.abs(x) >= 0.5).sum())  # numpy, on the input
    r = run_job(JobRequest(op_id="restore.declip", inputs=x, sample_rate=RATE, device="cpu",
                           params={"effort": "fast", "window": "1024", "iterations": 50},
                           chunk_seconds=1.0))
    assert "processed in" in " ".join(r.log)  # it was chunked
    assert r.report.values["clipped samples"] == expected
    assert r.report.values["clipped (%)"] == round(100 * expected / x.size, 3)
    assert r.report.summary.startswith(f"{expected} samples restored")


def test_declick_counts_a_click_in_a_chunk_overlap_once():
    rng = np.random.default_rng(3)
    t = np.arange(3 * RATE) / RATE
    x = (0.3 * np.sin(2 * np.pi * 330 * t) + 0.003 * rng.standard_normal(t.size))
    at = [0.3, 0.9, 2.0]  # 0.9 s lies in the frames chunks 1 and 2 share (0.8-1.0 s)
    for s in at:
        i = int(s * RATE)
        x[i:i + 3] += [0.6, -0.5, 0.4]
    x = x.astype(np.float32)[None]
    r = run_job(JobRequest(op_id="restore.declick", inputs=x, sample_rate=RATE, device="cpu",
                           chunk_seconds=1.0))
    assert "processed in" in " ".join(r.log)
    found = sorted(m.time for m in r.report.markers)
    assert len(found) == len(at) and np.allclose(found, at, atol=0.002), found
    assert r.report.values["clicks"] == len(at)
