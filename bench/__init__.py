"""Benchmarks: `make bench BENCH_SCALE=tiny|small|national` (bench/run.py)."""
