"""De-clip on the demo as Help › Demo notes tells it: select the clipped passage, preview with
the form's defaults (levels detected: the form says so), and the take restores its peaks."""
import json

import numpy as np

from studio.core.selection import Selection
from studio.paths import resource


def test_declip_form_says_detect_and_the_demo_passage_is_restored(demo_window, qtbot):
    w = demo_window
    faults = json.loads(resource("demo", "faults.json").read_text())
    rate = w.model.state.sample_rate
    a, b = (int(s * rate) for s in faults["clip_span_s"])
    w.model.set_selection(Selection(a, b))
    w.operations.select("restore.declip")
    ed = w.operations.form.editors
    high, low = ed["threshold_high"].spin, ed["threshold_low"].spin
    # 0 means "detect": the boxes say the word, not "0.000 FS" (the low one at its maximum)
    assert high.text() == "detect" and low.text() == "detect"
    high.lineEdit().selectAll()
    qtbot.keyClicks(high, "0.6")  # a level typed over the word gets its unit back...
    high.interpretText()
    assert high.value() == 0.6 and high.text() == "0.6 FS"
    high.lineEdit().selectAll()
    qtbot.keyClicks(high, "detect")  # ...and the word types back to 0
    high.interpretText()
    assert high.value() == 0.0 and high.text() == "detect"
    assert ed["threshold_high"].value() == 0.0

    ed["window"].set_value("2048")
    ed["effort"].set_value("fast")
    before = w.model.state.read()[:, a:b]
    w.operations.preview_btn.click()
    qtbot.waitUntil(lambda: len(w.model.document.takes) == 1, timeout=120000)
    take = list(w.model.document.takes)[0]
    assert take.report["clipped samples"] > 2000  # said 0
    tops = np.abs(before) > 0.62  # on the flat tops (0.62 plus hum and hiss)
    grown = np.abs(take.audio[tops]) > np.abs(before[tops]) + 0.01
    assert grown.mean() > 0.8 and np.abs(take.audio).max() > 1.0
