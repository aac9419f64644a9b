"""The window fits a 1280x800 screen whatever the docks show: after opening a file, learning a
noise profile (its panel and plot in the operations dock) and an analysis report (readout and
plot in the Reports dock), the window's minimum size still fits, so it never grows past the
screen (it grew to 963 px in a 900 px window)."""
import time

from studio.core.selection import Selection
from studio.paths import resource


def test_minimum_size_fits_a_small_screen_with_every_panel_filled(window, qtbot):
    w = window
    assert w.actions_.open_path(str(resource("demo", "demo.flac")), wait=True)
    r = w.model.rate
    w.model.set_selection(Selection(int(19.7 * r), int(20.0 * r)))
    w.actions_.all["learn_noise"].trigger()
    qtbot.waitUntil(lambda: w.repair.noise.profile() is not None, timeout=60000)
    w.operations.select("restore.denoise")
    assert w.repair.noise_panel.isVisible()
    assert w.reports.panel.current() is not None  # the profile's report with its plot
    qtbot.wait(100)
    hint = w.minimumSizeHint()
    assert hint.width() <= 1280 and hint.height() <= 800 - 40, hint
    w.array_tools.show_dock()  # the plan and its figures, beside the jobs
    qtbot.waitUntil(lambda: w.array_panel.editor is not None, timeout=10000)
    qtbot.wait(100)
    hint = w.minimumSizeHint()
    assert hint.width() <= 1280 and hint.height() <= 900 - 40, hint
