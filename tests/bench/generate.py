"""Generation benchmark (a script, not a test):
`python tests/bench/generate.py [--model PATH] [--quick]` (same as `studio bench generate`)."""
import sys

from studio.bench.generate import main

if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
