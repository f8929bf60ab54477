"""A simulated national history for the effects models' tests (tests/unit/test_effects.py,
tests/unit/test_move_effects.py): only the placements are simulated, no extract is written,
and each test shapes them as the warehouse's model input has them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from duurzaam.quarters import Quarter, parse_quarter_range
from duurzaam.synthetic.config import (
    BASES,
    CONTRACTS,
    INSTRUMENTS,
    SECTOR_KINDS,
    SIZES,
    YES_NO,
    load_config,
)
from duurzaam.synthetic.days import day
from duurzaam.synthetic.simulation import Simulation
from duurzaam.synthetic.world import World, build_world


@dataclass(frozen=True)
class History:
    placements: pd.DataFrame  # one row per simulated placement
    world: World
    people_region: np.ndarray  # person -> index into world.region_codes
    window: list[Quarter]  # the quarters asked for
    horizon: int  # the last day of the last quarter


def simulate(quarters: str, seed: int, burn_in_quarters: int, scale: float = 1.0) -> History:
    """The placements of a simulated history, from burn_in_quarters before the quarters (so
    that re-entries and long spells occur in them) to the end of the last one."""
    config = load_config()
    window = parse_quarter_range(quarters)
    rng = np.random.default_rng([seed, 0])
    world = build_world(config, scale, rng)
    horizon = day(window[-1].end)
    simulation = Simulation(config, world, scale, horizon, rng)
    simulation.run(window[0] - burn_in_quarters, window[-1])
    batches = simulation.batches
    placements = pd.DataFrame({c: np.concatenate([b[c] for b in batches]) for c in batches[0]})
    return History(placements, world, simulation.people.region, window, horizon)


def labels(levels: tuple[str, ...], codes: np.ndarray) -> np.ndarray:
    return np.array(levels, dtype=object)[codes]


def factor_columns(history: History, placements: pd.DataFrame) -> dict[str, np.ndarray]:
    """The region and each factor of the placements, labelled as the warehouse labels them."""
    hours = placements["hours2"].to_numpy() / 2
    kinds = history.world.employers.kind[placements["employer"].to_numpy()]
    regions = history.people_region[placements["person"].to_numpy()]
    return {
        "region_code": labels(tuple(history.world.region_codes), regions),
        **{name: labels(YES_NO, placements[name].to_numpy()) for name in INSTRUMENTS},
        "contractvorm": labels(CONTRACTS, placements["contractvorm"].to_numpy()),
        "sector_type": labels(SECTOR_KINDS, kinds),
        "werkgever_grootte": labels(SIZES, placements["werkgever_grootte"].to_numpy()),
        "grondslag": labels(BASES, placements["grondslag"].to_numpy()),
        "uren_band": np.select(
            [hours < 12, hours < 24, hours < 32], ["<12", "12-24", "24-32"], "32+"
        ).astype(object),
    }


def planted_ratios(
    planted: dict[str, dict[str, float]],
    references: dict[str, str],
    extra_levels: dict[str, tuple[str, ...]] | None = None,
) -> dict[tuple[str, str], float]:
    """Every level's planted ratio against its factor's reference level (levels the
    configuration does not list: 1), for the factors the generator plants on."""
    levels = {**dict.fromkeys(INSTRUMENTS, YES_NO), "contractvorm": CONTRACTS}
    levels |= {"werkgever_grootte": SIZES, "grondslag": BASES, **(extra_levels or {})}
    return {
        (factor, level): planted.get(factor, {}).get(level, 1.0)
        / planted.get(factor, {}).get(references[factor], 1.0)
        for factor, factor_levels in levels.items()
        for level in factor_levels
        if level != references[factor]
    }
