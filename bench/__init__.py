"""Benchmarks that print ratios against a baseline taken in the same run (BENCH.md)."""
