"""An analysis on a clip too short for it, from the window: one line in the status bar that
says what it needs and what it got, nothing raw, no stale report taken for the answer; and the
Jobs list names the job as the analysis it is."""
import numpy as np
import soundfile as sf
from PySide6.QtWidgets import QMenu

RATE = 48000


def _choose(w, title):
    """Process › Operations › Analyze › <title>."""
    def path(menu):
        up = menu.parent()
        return (path(up) if isinstance(up, QMenu) else ()) + (menu.title().replace("&", ""),)
    found = [a for m in w.findChildren(QMenu) if path(m) == ("Process", "Operations", "Analyze")
             for a in m.actions() if a.text() == title]
    assert len(found) == 1
    found[0].trigger()


def _job_rows(w):
    tree = w.jobs_panel.tree if hasattr(w, "jobs_panel") else None
    if tree is None:
        from studio.ui.docks.jobs import JobsPanel
        tree = w.findChild(JobsPanel).tree
    return [tree.topLevelItem(i).text(0) for i in range(tree.topLevelItemCount())]


def test_loudness_on_10_ms_says_what_it_needs(window, qtbot, tmp_path):
    w = window
    t = np.arange(480) / RATE
    path = tmp_path / "click.wav"
    sf.write(path, 0.5 * np.sin(2 * np.pi * 1000 * t).astype(np.float32), RATE)
    assert w.actions_.open_path(str(path), wait=True)
    shown = list(w.reports.panel.shown)   # (the dock keeps the last 30: compare them all)
    _choose(w, "Loudness")
    w.operations.analyze_btn.click()
    line = "Loudness needs at least 0.4 s of audio; the input is 10 ms"
    qtbot.waitUntil(lambda: w.statusBar().currentMessage() == line, timeout=30000)
    assert w.reports.panel.shown == shown        # no report came, none was added
    rows = _job_rows(w)
    assert rows[-1] == "analyze: Loudness"
    assert not any(r.startswith("apply: Loudness") for r in rows)
