"""Restoration benchmark (a script, not a test): `python tests/bench/restore.py [--quick]`."""
import sys

from studio.bench.restore import main

if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
