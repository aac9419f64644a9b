"""Axis labels as the window draws them (issue 18): a stereo file's level labels stay inside
their own row (one row's "-1" ran into the next row's "1"), and the spectrogram's frequency
axis names every kilohertz one way ("1k", "2k", never "1000" beside "2k")."""
import numpy as np
import soundfile as sf
from PySide6.QtGui import QImage, QPainter


def _drawn_labels(axis):
    """(text, scene rect) of each tick label the axis paints, from its own draw specs."""
    image = QImage(10, 10, QImage.Format_ARGB32)
    painter = QPainter(image)
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    if specs is None:
        return []
    return [(text, axis.mapRectToScene(rect)) for rect, _flags, text in specs[2] if text]


def test_stereo_rows_level_labels_do_not_meet(demo_window, qtbot):
    w = demo_window
    plots = w.waveform.plots
    assert len(plots) == 2
    qtbot.wait(50)
    rows = []
    for plot in plots:
        axis = plot.getAxis("left")
        assert axis.style["showValues"], plot.getViewBox().height()  # rows tall enough
        labels = _drawn_labels(axis)
        assert {t for t, _ in labels} >= {"0"}, labels
        vb = plot.getViewBox().sceneBoundingRect()
        for text, rect in labels:  # each label inside its own row
            assert vb.top() - 1 <= rect.top() and rect.bottom() <= vb.bottom() + 1, text
        rows.append(labels)
    lowest_of_first = max(r.bottom() for _, r in rows[0])
    highest_of_second = min(r.top() for _, r in rows[1])
    assert lowest_of_first < highest_of_second


def test_spectrogram_frequency_labels_use_one_style(window, qtbot, tmp_path):
    w = window
    path = tmp_path / "tone22k.wav"
    t = np.arange(22050) / 22050
    sf.write(path, 0.3 * np.sin(2 * np.pi * 1000 * t), 22050)
    assert w.actions_.open_path(str(path), wait=True)
    spec = w.spectrogram
    qtbot.waitUntil(lambda: spec.axis.rate == 22050, timeout=5000)
    try:
        for scale in ("log", "linear", "mel"):
            spec.set_settings(scale=scale)
            texts = [text for text, _ in _drawn_labels(spec.axis)]
            assert len(texts) >= 3, (scale, texts)
            for text in texts:  # under 1 kHz in Hz, from 1 kHz on in "k"
                assert text.endswith("k") or int(text) < 1000, (scale, texts)
            assert "1k" in texts, (scale, texts)
    finally:
        spec.set_settings(scale="log")


def test_training_loss_plot_labels_apart_and_legend_off_the_points(qtbot):
    from studio.ui.dialogs._train_parts import LossPlot
    plot = LossPlot()
    qtbot.addWidget(plot)
    plot.resize(480, 240)
    plot.show()
    qtbot.waitExposed(plot)
    steps = np.arange(1, 301)
    rng = np.random.default_rng(3)
    losses = 1.2 * np.exp(-steps / 60) + 0.03 + 0.02 * rng.random(steps.size)
    plot.set_losses(steps, losses)
    qtbot.wait(50)
    labels = _drawn_labels(plot.getPlotItem().getAxis("left"))
    assert len(labels) >= 2, labels
    rects = [r for _, r in labels]
    for i, a in enumerate(rects):  # no two y labels touch
        for b in rects[i + 1:]:
            assert not a.adjusted(0, -1, 0, 1).intersects(b), [t for t, _ in labels]
    for text, _ in labels:  # numbers as people write them, not 10^x exponents
        float(text)
    # the legend sits outside the area the points are drawn in
    legend = plot.getPlotItem().legend
    vb = plot.getPlotItem().getViewBox()
    assert legend is not None and legend.isVisible()
    assert not legend.sceneBoundingRect().intersects(vb.sceneBoundingRect())
    names = [label.text for _, label in legend.items]
    assert names == ["loss per step", "mean of 50"]
