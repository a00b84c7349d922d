"""Benchmarks: `make bench`. Each prints a baseline measured in the same run and the ratio."""
