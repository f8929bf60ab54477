"""Synthetic extracts: a realistic, reproducible landing zone for the demo, the tests and the
benchmarks. `generate()` (synthetic/generate.py) simulates placements and derives every other
source from the same simulated people, employers and placements, so the sources agree with
each other the way real extracts do."""

from duurzaam.synthetic.generate import generate
from duurzaam.synthetic.summary import GenerationSummary

__all__ = ["GenerationSummary", "generate"]
