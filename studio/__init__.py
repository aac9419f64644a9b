"""Audio Diffusion Studio: a desktop audio editor with a background torch engine."""
import os as _os

__version__ = "0.1.0"

# Before anything imports torch: idle OpenMP workers sleep instead of spinning. On a busy
# 2-core machine spinning workers starve each other and the GUI thread (measured: 2-thread
# torch ops 3-10x slower than 1 thread at load 5; with PASSIVE the second thread helps again).
_os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
