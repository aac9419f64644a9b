"""`studio gui FILE --screenshot OUT` as a user runs it: a file that cannot be opened ends the
process with status 1 and one line on stderr, never an abort from a thread left running."""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]


def _gui(tmp_path, *args):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "cfg"),
               STUDIO_RECOVERY_DIR=str(tmp_path / "recovery"))
    return subprocess.run([sys.executable, "-m", "studio", "gui", *map(str, args)], env=env,
                          capture_output=True, text=True, timeout=240, cwd=ROOT)


@pytest.mark.parametrize("content", ["random", "missing"])
def test_screenshot_of_a_file_that_cannot_open_exits_1_with_one_line(tmp_path, content):
    bad = tmp_path / "random.wav"
    if content == "random":
        bad.write_bytes(np.random.default_rng(0).integers(0, 256, 50_000, np.uint8).tobytes())
    out = tmp_path / "x.png"
    r = _gui(tmp_path, bad, "--screenshot", out)
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 1, r.stderr[-2000:]
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("studio: ") and str(bad) in lines[0]
    assert "QThread" not in r.stderr and not out.exists()
