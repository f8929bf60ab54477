"""The placement generator's coded levels and its tunable numbers (include/config/synthetic.yml):
every simulated attribute is a code, an index into one of these tuples."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import yaml

from duurzaam.ingest.sources.placements import YES_NO_COLUMNS
from duurzaam.settings import CONFIG_DIR

CONFIG_PATH = CONFIG_DIR / "synthetic.yml"
SIZES = ("<10", "10-99", "100+")
SECTOR_KINDS = ("markt", "overheid")
SECTIONS = tuple("ABCDEFGHIJKLMNOPQRS")
CONTRACTS = ("vast", "tijdelijk", "oproep", "detachering", "uitzend", "anders")
BASES = ("wajong", "wsw", "participatiewet", "pro_vso", "wiw_id")
INSTRUMENTS = YES_NO_COLUMNS  # the contract's yes/no columns, one per instrument
YES_NO = ("nee", "ja")
# Code 0: no end yet. JOB_TO_JOB is the reason of every end followed by a next placement.
END_REASONS = (
    "",
    "einde_contract",
    "ontslag",
    "eigen_verzoek",
    "andere_baan",
    "ziekte",
    "reorganisatie",
    "overig",
)
JOB_TO_JOB = END_REASONS.index("andere_baan")
END_OF_CONTRACT = END_REASONS.index("einde_contract")
LOSS_REASONS = tuple(r for r in END_REASONS[1:] if r != "andere_baan")

DAYS_PER_MONTH = 365.25 / 12
NO_END = np.int64(10**7)  # a day number far beyond any horizon: still running at the end


def load_config(path: Path = CONFIG_PATH) -> dict[str, Any]:
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def draw(
    weights: dict[str, float], levels: tuple[str, ...], n: int, rng: np.random.Generator
) -> np.ndarray:
    """Codes (indexes into levels) drawn with the given weights (normalised)."""
    p = np.array([float(weights.get(level, 0)) for level in levels])
    return rng.choice(len(levels), n, p=p / p.sum())
