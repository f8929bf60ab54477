"""The warehouse the benchmarks measure against: every source of the bundled sample quarters,
loaded and transformed into a fresh DuckDB file (not timed)."""

from __future__ import annotations

from pathlib import Path

from duurzaam.bench import load_sample
from duurzaam.settings import Settings
from duurzaam.transform import transform


def sample_warehouse(folder: Path) -> tuple[Settings, list[str]]:
    """Settings of a warehouse built in `folder` from the sample quarters, and the quarters."""
    settings, quarters = load_sample(folder)
    transform(settings)
    return settings, quarters
