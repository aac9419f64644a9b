"""Conversion benchmark (voice vs Praat, timbre vs real renders); see studio/bench/convert.py.

    .venv/bin/python tests/bench/convert.py [--quick]
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from studio.bench.convert import main  # noqa: E402

if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
