import os

# Every Qt test runs offscreen unless a test starts its own X server (tests/ui/test_xvfb.py).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Keep torch to the machine's cores and quiet in tests.
os.environ.setdefault("OMP_NUM_THREADS", "2")
