"""The mono time-axis fault showed only in a real window (`studio gui mono.wav`, not the
screenshot mode): open a mono file in the real MainWindow under a real X server, let it lay
itself out, and compare what the waveform and the spectrogram show."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

pytestmark = pytest.mark.xvfb

SCRIPT = r"""
import sys, time
from studio.app import make_app
app = make_app()
from PySide6.QtCore import QSettings
from studio.ui.main_window import MainWindow
from studio.ui.settings import Settings
w = MainWindow(Settings(QSettings(sys.argv[2], QSettings.IniFormat)))
w.show()
assert w.actions_.open_path(sys.argv[1], wait=True)
end = time.monotonic() + 3
while time.monotonic() < end:
    app.processEvents(); time.sleep(0.02)
def ranges():
    return w.waveform.master.viewRange()[0] + w.spectrogram.vb.viewRange()[0] + [
        w.waveform.master.width()]
print("open", *ranges())
w.waveform.zoom(5.0, centre=1.0)
for _ in range(20):
    app.processEvents(); time.sleep(0.01)
print("zoom", *ranges())
w.quiet = True
w.close()
"""


@pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="xvfb-run is not installed")
def test_mono_file_in_a_real_window_has_one_time_axis(tmp_path):
    path = tmp_path / "mono.wav"
    t = np.arange(16000 * 6) / 16000
    sf.write(str(path), (0.4 * np.sin(2 * np.pi * 300 * t)).astype(np.float32), 16000)
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    env.update(XDG_CONFIG_HOME=str(tmp_path), STUDIO_RECOVERY_DIR=str(tmp_path / "rec"))
    r = subprocess.run(["xvfb-run", "-a", "-s", "-screen 0 1600x1000x24", sys.executable, "-c",
                        SCRIPT, str(path), str(tmp_path / "s.ini")], env=env,
                       capture_output=True, text=True, timeout=240,
                       cwd=Path(__file__).resolve().parents[2])
    assert r.returncode == 0, r.stderr[-2000:]
    rows = {line.split()[0]: [float(v) for v in line.split()[1:]]
            for line in r.stdout.splitlines() if line.startswith(("open", "zoom"))}
    a0, a1, b0, b1, width = rows["open"]
    assert (a0, a1) == (0.0, 6.0)
    pixel = (a1 - a0) / width
    assert abs(b0 - a0) <= pixel and abs(b1 - a1) <= pixel, rows
    a0, a1, b0, b1, width = rows["zoom"]
    assert a1 - a0 < 1.3
    assert abs(b0 - a0) <= (a1 - a0) / width and abs(b1 - a1) <= (a1 - a0) / width, rows
