"""The real window under a real X server (xvfb-run): `studio gui FILE --screenshot` must save a
PNG that is not blank."""
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from studio.paths import resource

pytestmark = pytest.mark.xvfb


@pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="xvfb-run is not installed")
def test_screenshot_under_xvfb(tmp_path):
    from PySide6.QtGui import QImage
    out = tmp_path / "shot.png"
    env = {k: v for k, v in __import__("os").environ.items() if k != "QT_QPA_PLATFORM"}
    env["XDG_CONFIG_HOME"] = str(tmp_path)
    cmd = ["xvfb-run", "-a", "-s", "-screen 0 1920x1080x24", sys.executable, "-m", "studio",
           "gui", str(resource("demo", "demo.flac")), "--screenshot", str(out),
           "--size", "1280x800"]
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=240,
                       cwd=Path(__file__).resolve().parents[2])
    assert r.returncode == 0, r.stderr[-2000:]
    img = QImage(str(out))
    assert img.width() == 1280 and img.height() == 800
    ptr = img.convertToFormat(QImage.Format_RGB32).constBits()
    px = np.frombuffer(ptr, np.uint8).reshape(800, 1280, 4)[..., :3].astype(float)
    assert px.std() > 20  # a blank or single-colour window would be ~0
    # the spectrogram's lower half of the window is colourful, not background
    assert len(np.unique(px[400:700:7, 100:1000:7].reshape(-1, 3), axis=0)) > 200
