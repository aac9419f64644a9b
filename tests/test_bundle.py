"""The desktop bundle, built and started: `make bundle`, then build_spec/smoke.py runs the
built app (operations, a restoration, a generation, the window under Xvfb on the demo).
Slow (the build takes many minutes): `make test-slow`."""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
@pytest.mark.xvfb
@pytest.mark.timeout(3600)
def test_bundle_builds_and_passes_its_smoke_test(tmp_path):
    if shutil.which("xvfb-run") is None:
        pytest.fail("xvfb-run is missing (apt-get install xvfb xauth)")
    build = subprocess.run(["nice", "-n", "10", "make", "bundle"], cwd=ROOT, capture_output=True,
                           text=True, timeout=3000)
    assert build.returncode == 0, build.stdout[-2000:] + build.stderr[-3000:]
    smoke = subprocess.run([sys.executable, str(ROOT / "build_spec" / "smoke.py"), "--out",
                            str(tmp_path)], capture_output=True, text=True, timeout=600)
    assert smoke.returncode == 0, smoke.stdout + smoke.stderr[-3000:]
    assert "smoke test passed" in smoke.stdout
