import os
import tempfile

# Every Qt test runs offscreen unless a test starts its own X server (tests/ui/test_xvfb.py).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Keep torch to the machine's cores.
os.environ.setdefault("OMP_NUM_THREADS", "2")
# Tests never write into the user's config, data (presets, recovery) or settings: a private
# home for the XDG folders of this test run. The bench material cache stays shared.
_home = tempfile.mkdtemp(prefix="studio-tests-")
for _var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME"):
    os.environ[_var] = os.path.join(_home, _var.lower())
os.environ.setdefault("STUDIO_RECOVERY_DIR", os.path.join(_home, "recovery"))
