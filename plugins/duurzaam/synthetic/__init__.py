"""Synthetic extracts: a realistic, reproducible landing zone for the demo, the tests and the
benchmarks. `generate()` simulates placements (synthetic/placements.py) and derives every
other source from the same simulated people, employers and placements, so the sources agree
with each other the way real extracts do."""

from duurzaam.synthetic.placements import GenerationSummary, generate

__all__ = ["GenerationSummary", "generate"]
