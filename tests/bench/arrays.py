"""Array benchmark: figures update time, editor drag repaint rate, DOA error and separation
SDR on simulated scenes. See studio/bench/arrays.py.

    QT_QPA_PLATFORM=offscreen .venv/bin/python tests/bench/arrays.py [--quick] [--only doa]
"""
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))

from studio.bench.arrays import main  # noqa: E402

if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
