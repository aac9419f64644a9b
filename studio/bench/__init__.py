"""Benchmarks: `studio bench NAME` runs `studio.bench.NAME.main(argv)`; the scripts in
tests/bench/ call the same functions. Each benchmark makes its own material, measures
ratios against peers in the same run, and prints markdown tables."""
