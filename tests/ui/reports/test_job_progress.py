"""Journey: De-clip 2 s of clipped audio from the Operations dock, on the real engine thread.
The Jobs dock's bar moves while it runs (it sat at 0 % for the whole job when the batches ran
on one lane), and when it ends the status bar says what it did."""
import time

import numpy as np
import pytest
import soundfile as sf

RATE = 44100


@pytest.fixture
def clipped_file(tmp_path):
    t = np.arange(int(2.0 * RATE)) / RATE
    x = sum(0.5 / h * np.sin(2 * np.pi * 220 * h * t) for h in (1, 2, 3, 5))
    x = np.clip(2.5 * x, -0.6, 0.6)  # flat tops: a clipped recording
    path = tmp_path / "clipped.wav"
    sf.write(path, np.stack([x, 0.9 * x], 1).astype(np.float32), RATE, subtype="FLOAT")
    return str(path), int((np.abs(x) >= 0.6).sum() + (np.abs(0.9 * x) >= 0.54).sum())


def test_declip_bar_moves_and_the_status_says_what_it_did(window, qtbot, clipped_file):
    w = window
    path, clipped = clipped_file
    assert w.actions_.open_path(path, wait=True)
    qtbot.waitUntil(w.jobs.host.is_ready, timeout=60000)
    w.operations.select("restore.declip")
    w.operations.form.set_values({"effort": "fast"})
    seen: list[tuple[float, int, str]] = []  # (time, bar value, bar text) as the user sees it
    t0 = time.monotonic()

    def on_progress(info):
        _, bar, _ = w.jobs_panel._items[info.job_id]
        seen.append((time.monotonic() - t0, bar.value(), bar.format()))
    w.jobs.job_progress.connect(on_progress)
    ended = []
    w.jobs.job_ended.connect(lambda info, how: ended.append(how))
    try:
        w.operations.apply_btn.click()
        qtbot.waitUntil(lambda: bool(ended), timeout=240000)
    finally:
        w.jobs.job_progress.disconnect(on_progress)
    total = time.monotonic() - t0
    assert ended == ["finished"]
    values = [v for _, v, _ in seen]
    assert values == sorted(values), "the bar never goes back"
    inside = sorted({v for v in values if 0 < v < 1000})
    assert len(inside) >= 3, f"the bar moved through {inside} in {total:.1f} s"
    if total > 2.0:
        stamps = [0.0] + [s for s, _, _ in seen] + [total]
        assert max(np.diff(stamps)) <= 1.5, "progress at least about once a second"
    message = w.statusBar().currentMessage()
    assert message.startswith("De-clip: "), message
    restored = int(message.split(": ")[1].split()[0])
    assert restored == clipped  # the samples the input held at its clip levels
    assert "dBFS" in message and "peak +" in message  # the peaks went back over the clip
