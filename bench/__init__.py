"""Benchmarks: bench/generate.py makes a data set, bench/run.py measures (see README, Performance)."""
