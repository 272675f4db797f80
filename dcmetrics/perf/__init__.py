"""Benchmarks of what a user feels (pages through a running app); tools beside the product."""
