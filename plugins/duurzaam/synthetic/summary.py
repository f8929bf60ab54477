"""What a generation run wrote and simulated: counts of the written placement files and the
simulated truth per quarter, to compare the marts against."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from duurzaam.quarters import Quarter
from duurzaam.synthetic.config import JOB_TO_JOB, NO_END
from duurzaam.synthetic.days import day, quarter_key, quarter_keys
from duurzaam.synthetic.placements import SOURCE_DIR, WrittenExtracts
from duurzaam.synthetic.world import World


@dataclass(frozen=True)
class GenerationSummary:
    out_dir: Path
    files: tuple[Path, ...]
    rows_per_file: dict[str, int]
    persons: int  # distinct people in the written files
    placements: int  # distinct placements in the written files
    spells: int  # distinct spells (placements with gaps <= 3 months) in the written files
    employers: int
    # Simulated truth over the requested quarters, per quarter on average:
    new_spells_per_quarter: float
    job_losses_per_quarter: float
    job_to_job_per_quarter: float
    # Share of spells started in the window (with 12 months to follow) still in work at 12 months.
    retention_12_months: float | None
    # The files of the sources derived from the placements, per source.
    other_files: dict[str, list[Path]] = field(default_factory=dict)

    def __str__(self) -> str:
        retention = "n/a" if self.retention_12_months is None else f"{self.retention_12_months:.1%}"
        return (
            f"wrote {len(self.files)} placement files ({sum(self.rows_per_file.values()):,} rows)"
            f" to {self.out_dir / SOURCE_DIR}: {self.placements:,} placements of"
            f" {self.persons:,} persons in {self.spells:,} spells at {self.employers:,}"
            f" employers; per quarter {self.new_spells_per_quarter:,.0f} new spells,"
            f" {self.job_losses_per_quarter:,.0f} job losses,"
            f" {self.job_to_job_per_quarter:,.0f} job-to-job moves; retention at 12 months"
            f" {retention}"
            + "".join(
                f"; {len(paths)} {source} files" for source, paths in self.other_files.items()
            )
        )


def summarise(
    out_dir: Path,
    extracts: WrittenExtracts,
    frame: pd.DataFrame,
    quarters: list[Quarter],
    world: World,
) -> GenerationSummary:
    shown = frame[extracts.written]
    ended = frame[frame["end"] <= day(quarters[-1].end)]
    end_days = ended["end"].to_numpy()
    is_move = (ended["reason"] == JOB_TO_JOB).to_numpy()
    spell_starts = frame.groupby("spell")["start"].min().to_numpy()
    return GenerationSummary(
        out_dir=out_dir,
        files=extracts.files,
        rows_per_file=extracts.rows_per_file,
        persons=int(shown["person"].nunique()),
        placements=len(shown),
        spells=int(shown["spell"].nunique()),
        employers=len(world.employers.region),
        new_spells_per_quarter=_per_quarter(spell_starts, quarters),
        job_losses_per_quarter=_per_quarter(end_days[~is_move], quarters),
        job_to_job_per_quarter=_per_quarter(end_days[is_move], quarters),
        retention_12_months=_retention_12_months(frame, quarters),
    )


def _per_quarter(days: np.ndarray, quarters: list[Quarter]) -> float:
    """How many of the days fall in the given quarters, per quarter."""
    keys = [quarter_key(quarter) for quarter in quarters]
    return float(np.isin(quarter_keys(days), keys).sum() / len(keys))


def _retention_12_months(frame: pd.DataFrame, quarters: list[Quarter]) -> float | None:
    """Share of spells starting in the window, at least a year before its end, that are
    still running a year after their start (a job-to-job move continues the spell)."""
    spells = frame.groupby("spell").agg(
        start=("start", "min"), end=("end", "max"), reason=("reason", "last")
    )
    start = spells["start"].to_numpy()
    end = np.where(spells["reason"].to_numpy() == JOB_TO_JOB, NO_END, spells["end"].to_numpy())
    cohort = (start >= day(quarters[0].start)) & (start <= day(quarters[-1].end) - 365)
    if not cohort.any():
        return None
    return float((end[cohort] >= start[cohort] + 365).mean())
