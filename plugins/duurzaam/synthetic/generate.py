"""The generator: simulates the placements once (synthetic/simulation.py), writes their
extracts (synthetic/placements.py) and derives every other source from the same simulated
people, employers and placements, so the sources agree with each other the way real extracts
do."""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Protocol

import numpy as np
import pandas as pd

# By full name: `from duurzaam.synthetic import ...` reads the package, whose __init__
# imports this module.
import duurzaam.synthetic.employer_survey as employer_survey
import duurzaam.synthetic.followup_survey as followup_survey
import duurzaam.synthetic.jobs_agreement as jobs_agreement
import duurzaam.synthetic.participants as participants
import duurzaam.synthetic.register as register
from duurzaam.quarters import Quarter
from duurzaam.synthetic.config import load_config
from duurzaam.synthetic.days import day
from duurzaam.synthetic.placements import person_keys, placement_table, write
from duurzaam.synthetic.simulation import Simulation, finish
from duurzaam.synthetic.summary import GenerationSummary, summarise
from duurzaam.synthetic.world import build_world


class SourceWriter(Protocol):
    """A module writing a source derived from the simulated placements."""

    SOURCE: str

    def write(
        self,
        out_dir: Path,
        quarters: list[Quarter],
        placements: pd.DataFrame,
        rng: np.random.Generator,
    ) -> list[Path]:
        """Writes the source's extract of each quarter; returns the files written."""
        ...


# In this order: each writer's random stream is numbered by its place (2, 3, ...). The last
# writes no extract but the participating employers' file (employers.yml).
OTHER_SOURCE_WRITERS: tuple[SourceWriter, ...] = (
    register,
    jobs_agreement,
    employer_survey,
    followup_survey,
    participants,
)


def generate(
    out_dir: Path,
    quarters: list[Quarter],
    seed: int,
    scale: float = 1.0,
    identifier: Literal["persoon_id", "bsn"] = "persoon_id",
) -> GenerationSummary:
    """Simulate placements and write `out_dir/placements/<YYYYQn>.csv` for every quarter given.
    The same seed, scale and quarters give byte-identical files."""
    if not quarters:
        raise ValueError("no quarters to generate")
    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale}")
    if identifier not in ("persoon_id", "bsn"):
        raise ValueError(f"identifier must be 'persoon_id' or 'bsn', got {identifier!r}")
    config = load_config()
    quarters = sorted(set(quarters))
    simulation_rng, bsn_rng = (np.random.default_rng([seed, stream]) for stream in (0, 1))
    world = build_world(config, scale, simulation_rng)
    first = quarters[0] - 4 * int(config["inflow"]["burn_in_years"])
    simulation = Simulation(config, world, scale, day(quarters[-1].end), simulation_rng)
    simulation.run(first, quarters[-1])
    if not simulation.batches:
        raise ValueError(f"scale {scale} is too small: no placements were simulated")
    placements = finish(simulation, world)
    persons = person_keys(placements, identifier, bsn_rng)
    extracts = write(Path(out_dir), quarters, placements, persons, identifier, world)
    summary = summarise(Path(out_dir), extracts, placements, quarters, world)
    table = placement_table(placements, persons, world, quarters[-1])
    for stream, writer in enumerate(OTHER_SOURCE_WRITERS, start=2):
        summary.other_files[writer.SOURCE] = writer.write(
            Path(out_dir), quarters, table, np.random.default_rng([seed, stream])
        )
    return summary
