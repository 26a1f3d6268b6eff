"""Benchmarks: scripts that print measured figures and ratios against targets and peers."""
