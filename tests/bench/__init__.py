"""Benchmarks (``make bench``): each prints its figures as ratios measured in one run."""
