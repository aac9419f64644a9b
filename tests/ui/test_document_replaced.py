"""Opening another file replaces the selection and the playhead with the new document's (none,
and 0): every view draws what the new document holds, nothing left from the old one."""
import numpy as np
import soundfile as sf

from studio.core.selection import Selection
from tests.ui.conftest import tone


def test_opening_another_file_leaves_no_old_selection_or_playhead_drawn(demo_window, qtbot,
                                                                       tmp_path):
    w = demo_window
    rate = w.model.rate
    w.model.set_selection(Selection(2 * rate, 4 * rate, f_lo=300.0, f_hi=3000.0))
    w.model.set_playhead(3 * rate)
    spec_rect = w.spectrogram._sel_rect
    assert spec_rect.isVisible() and w.spectrogram.playhead.value() == 3.0
    assert w.overview.playhead.value() == 3.0
    w.spectrogram.sigHover.emit(3.0, 440.0, -20.0)
    assert w.hover_label.text()
    other = tmp_path / "other.wav"
    sf.write(other, tone(8000, 6.0).T, 8000)
    assert w.actions_.open_path(str(other), wait=True)
    assert w.model.selection.is_empty            # the document has none...
    assert not spec_rect.isVisible()             # ...and neither has any view
    assert not any(r.isVisible() for r in w.waveform._regions)
    assert w.spectrogram.playhead.value() == 0.0
    assert w.overview.playhead.value() == 0.0
    assert all(p.value() == 0.0 for p in w.waveform._playheads)
    # the readouts name no selection, and no point of the old file
    assert "2.000" not in w.selection_label.text()
    assert w.hover_label.text() == ""
