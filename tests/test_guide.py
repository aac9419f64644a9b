"""The user guide's script walks every journey in the real window and writes a picture
per step: every step must reach its result (the script stops otherwise), and every picture is
a drawn window, not a blank one. Slow (minutes): `make test-slow`."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_the_guide_walks_every_journey(tmp_path):
    from PySide6.QtGui import QImage
    r = subprocess.run([sys.executable, str(ROOT / "resources/recipes/make_guide.py"),
                        "--out", str(tmp_path)], capture_output=True, text=True, timeout=1500,
                       cwd=ROOT, env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"})
    assert r.returncode == 0, r.stderr[-2000:]
    guide = (tmp_path / "guide.md").read_text()
    pngs = sorted(tmp_path.glob("*.png"))
    assert len(pngs) >= 12
    for png in pngs:
        assert f"({png.name})" in guide
        img = QImage(str(png)).convertToFormat(QImage.Format_RGB32)
        px = np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.width(), 4)
        assert px[..., :3].std() > 15, png.name


def test_a_run_of_some_journeys_keeps_the_others_in_the_guide(tmp_path):
    """`make_guide.py --only redraw` rewrites that journey's section and pictures only."""
    sys.path.insert(0, str(ROOT / "resources" / "recipes"))
    import make_guide as mg
    g = object.__new__(mg.Guide)   # no window: only the writing is under test
    g.out = tmp_path
    g.journeys = [mg.Journey(1, "Repairing", "intro one", [("1-01-open.png", "Open it.")]),
                  mg.Journey(2, "Generating", "intro two", [("2-01-form.png", "Fill it.")])]
    g.write()
    g.journeys = [mg.Journey(2, "Generating", "new intro", [("2-01-form.png", "New step.")])]
    text = g.write(keep_others=True).read_text()
    assert "intro one" in text and "(1-01-open.png)" in text and "Open it." in text
    assert "new intro" in text and "New step." in text and "intro two" not in text
    assert text.index("## Repairing") < text.index("## Generating")
    assert text.count("# User guide") == 1
