"""Synthetic placement extracts: a realistic, reproducible landing zone for the demo, the tests
and benchmarks.

The generator simulates, nationally, people from the target group starting placements, from a
burn-in period before the first requested quarter up to the end of the last one, and writes
one extract per requested quarter in the format the employer desks deliver (the contract of
`duurzaam.sources.placements`): `<out_dir>/placements/<YYYYQn>.csv`.

The simulation, vectorised per quarter of arrivals and per step along the placement chains:
- new spells arrive per quarter, allocated to regions by population; a few are re-entries of
  people who lost a job earlier;
- a placement ends with a monthly hazard that decreases with tenure, multiplied by planted
  hazard ratios (instruments, contract type, employer size, legal basis, region) and a
  calendar shock (the pandemic, 2020Q2);
- an end is a job-to-job move (a next placement starts within 3 months, reason andere_baan)
  or a job loss that ends the spell.
All tunable numbers live in include/config/synthetic.yml.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import yaml

from duurzaam.quarters import Quarter
from duurzaam.settings import CONFIG_DIR, MUNICIPALITIES_CSV
from duurzaam.sources.placements import COLUMNS as CONTRACT_COLUMNS

CONFIG_PATH = CONFIG_DIR / "synthetic.yml"
SOURCE_DIR = "placements"

SIZES = ("<10", "10-99", "100+")
SECTOR_KINDS = ("markt", "overheid")
SECTIONS = tuple("ABCDEFGHIJKLMNOPQRS")
CONTRACTS = ("vast", "tijdelijk", "oproep", "detachering", "uitzend", "anders")
BASES = ("wajong", "wsw", "participatiewet", "pro_vso", "wiw_id")
INSTRUMENTS = (
    "loonkostensubsidie",
    "jobcoach",
    "no_riskpolis",
    "werkplekaanpassing",
    "proefplaatsing",
    "arbeidsdeskundige",
)
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
_BISECTION_STEPS = 28
_BSN_WEIGHTS = np.array([9, 8, 7, 6, 5, 4, 3, 2], dtype=np.int64)


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
    world = _build_world(config, scale, simulation_rng)
    first = quarters[0] - 4 * int(config["inflow"]["burn_in_years"])
    simulation = _Simulation(config, world, scale, _day(quarters[-1].end), simulation_rng)
    simulation.run(first, quarters[-1])
    if not simulation.batches:
        raise ValueError(f"scale {scale} is too small: no placements were simulated")
    placements = _finish(simulation, world)
    persons = _person_keys(placements, identifier, bsn_rng)
    summary = _write(Path(out_dir), quarters, placements, persons, identifier, world)
    table = placement_table(placements, persons, world, quarters[-1])
    for stream, writer in enumerate(_other_source_writers(), start=2):
        summary.other_files[writer.SOURCE] = writer.write(
            Path(out_dir), quarters, table, np.random.default_rng([seed, stream])
        )
    return summary


def _other_source_writers() -> list[Any]:
    """The modules writing the sources derived from the placements, each with
    SOURCE and write(out_dir, quarters, placements, rng) -> list of files written."""
    from duurzaam.synthetic import employer_survey, followup_survey, jobs_agreement, register

    return [
        register,
        jobs_agreement,
        employer_survey,
        followup_survey,
    ]


def placement_table(
    frame: pd.DataFrame, persons: np.ndarray, world: _World, last: Quarter
) -> pd.DataFrame:
    """Every simulated placement as the other sources see it: readable values, the
    region, and the true start and end (NaT when it runs past the last quarter)."""
    employers = world.employers
    employer = frame["employer"].to_numpy()
    end = frame["end"].to_numpy()
    return pd.DataFrame(
        {
            "plaatsing_id": _numbered(
                "PL", pd.Series(np.arange(1, len(frame) + 1)), max(7, len(str(len(frame))))
            ),
            "persoon": persons[frame["person"].to_numpy()],
            "spell": frame["spell"].to_numpy(),
            "gemeente_code": world.municipalities.codes[frame["municipality"].to_numpy()],
            "region_code": np.array(world.region_codes, dtype=object)[employers.region[employer]],
            "werkgever_id": _numbered(
                "WG", frame["employer_number"], max(6, len(str(len(employers.region))))
            ),
            "werkgever_grootte": _labels(SIZES, frame["werkgever_grootte"]),
            "sector": _labels(SECTIONS, frame["section"]),
            "sector_type": _labels(SECTOR_KINDS, frame["kind"]),
            "startdatum": pd.to_datetime(frame["start"].to_numpy(), unit="D"),
            "einddatum": pd.to_datetime(
                np.where(end <= _day(last.end), end, np.iinfo(np.int64).min), unit="D"
            ),
            "reden_einde": np.where(
                end <= _day(last.end), np.array(END_REASONS, dtype=object)[frame["reason"]], ""
            ),
            "contractvorm": _labels(CONTRACTS, frame["contractvorm"]),
            "uren_per_week": frame["hours2"].to_numpy() / 2,
            "grondslag": _labels(BASES, frame["grondslag"]),
            **{name: _labels(YES_NO, frame[name]) for name in INSTRUMENTS},
        }
    )


def load_config(path: Path = CONFIG_PATH) -> dict[str, Any]:
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


# --- days -------------------------------------------------------------------------------


def _day(value: date) -> np.int64:
    return np.datetime64(value, "D").astype(np.int64)


def _years(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970


def _quarter_keys(days: np.ndarray) -> np.ndarray:
    """year * 4 + quarter number - 1, the same key as `_quarter_key`."""
    months = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    return months // 3 + 1970 * 4


def _quarter_key(quarter: Quarter) -> int:
    return quarter.year * 4 + quarter.number - 1


def _month_ends(days: np.ndarray) -> np.ndarray:
    months = days.astype("datetime64[D]").astype("datetime64[M]")
    return (months + 1).astype("datetime64[D]").astype(np.int64) - 1


# --- the static world: municipalities, regions, employers ---------------------------------


@dataclass(frozen=True)
class _Municipalities:
    """Municipalities with a region, sorted by region and then last year, newest first,
    so the ones existing in a year are a prefix of each region's block."""

    codes: np.ndarray
    last_year: np.ndarray
    region_start: np.ndarray
    first_table_year: int
    valid_count: np.ndarray  # regions x years since first_table_year

    def pick(self, regions: np.ndarray, years: np.ndarray, u: np.ndarray) -> np.ndarray:
        """A uniformly drawn municipality of each region that existed in each year."""
        column = np.clip(years - self.first_table_year, 0, self.valid_count.shape[1] - 1)
        counts = self.valid_count[regions, column]
        return self.region_start[regions] + (u * counts).astype(np.int64)


def _load_municipalities(region_codes: list[str]) -> _Municipalities:
    table = pd.read_csv(MUNICIPALITIES_CSV, dtype=str, keep_default_na=False)
    table = table[table["region_code"] != ""]  # pre-2014 municipalities: never used
    table = table.assign(year=table["year"].astype(int))
    # A renamed municipality appears twice with one code: keep its last year.
    table = table.groupby("code", as_index=False).agg(
        year=("year", "max"), region_code=("region_code", "first")
    )
    unknown = sorted(set(table["region_code"]) ^ set(region_codes))
    if unknown:
        raise ValueError(
            f"{CONFIG_PATH.name}: region_population must list exactly the regions of "
            f"{MUNICIPALITIES_CSV.name}; these differ: {', '.join(unknown)}"
        )
    # The newest year in the table means "still exists": open-ended.
    last_year = np.where(table["year"] == table["year"].max(), 9999, table["year"])
    table = table.assign(
        region=table["region_code"].map({code: i for i, code in enumerate(region_codes)}),
        last_year=last_year,
    ).sort_values(["region", "last_year", "code"], ascending=[True, False, True])
    regions = table["region"].to_numpy()
    years = np.arange(int(table["year"].min()), int(table["year"].max()) + 2)
    exists = table["last_year"].to_numpy()[None, :] >= years[:, None]
    region_start = np.searchsorted(regions, np.arange(len(region_codes)))
    valid_count = np.add.reduceat(exists, region_start, axis=1).T
    return _Municipalities(
        codes=table["code"].to_numpy(dtype=object),
        last_year=table["last_year"].to_numpy(),
        region_start=region_start,
        first_table_year=int(years[0]),
        valid_count=valid_count,
    )


@dataclass(frozen=True)
class _Employers:
    """Employers sorted by region; each keeps its size, sector and region."""

    region: np.ndarray
    size: np.ndarray
    kind: np.ndarray
    section: np.ndarray
    number: np.ndarray  # the number in werkgever_id, shuffled so ids do not follow regions
    cumulative_weight: np.ndarray
    region_bounds: np.ndarray  # cumulative weight before each region's block, and the total

    def pick(self, regions: np.ndarray, u: np.ndarray) -> np.ndarray:
        """An employer in each region, larger employers more often (by hiring weight)."""
        low, high = self.region_bounds[regions], self.region_bounds[regions + 1]
        chosen = np.searchsorted(self.cumulative_weight, low + u * (high - low), side="right")
        return np.minimum(chosen, len(self.region) - 1)


def _build_employers(
    config: dict[str, Any], population_share: np.ndarray, scale: float, rng: np.random.Generator
) -> _Employers:
    settings = config["employers"]
    per_region = np.maximum(
        int(settings["min_per_region"]),
        np.rint(settings["count"] * scale * population_share).astype(np.int64),
    )
    region = np.repeat(np.arange(len(per_region)), per_region)
    count = len(region)
    hiring = np.array([settings["hiring_weight"][s] for s in SIZES], dtype=float)
    # Fewer large employers, each hiring more, so placements follow size_shares.
    size_p = np.array([settings["size_shares"][s] for s in SIZES], dtype=float) / hiring
    size = rng.choice(len(SIZES), count, p=size_p / size_p.sum())
    kind = (rng.random(count) < settings["government_share"]).astype(np.int64)
    section = np.empty(count, dtype=np.int64)
    for code, name in enumerate(SECTOR_KINDS):
        rows = kind == code
        section[rows] = _draw(settings["sectors"][name], SECTIONS, rows.sum(), rng)
    weight = hiring[size]
    cumulative = np.cumsum(weight)
    starts = np.searchsorted(region, np.arange(len(per_region)))
    bounds = np.append(np.concatenate([[0.0], cumulative])[starts], cumulative[-1])
    return _Employers(
        region=region,
        size=size,
        kind=kind,
        section=section,
        number=rng.permutation(count) + 1,
        cumulative_weight=cumulative,
        region_bounds=bounds,
    )


@dataclass(frozen=True)
class _World:
    region_codes: list[str]
    region_share: np.ndarray
    region_hazard_ratio: np.ndarray
    municipalities: _Municipalities
    employers: _Employers


def _build_world(config: dict[str, Any], scale: float, rng: np.random.Generator) -> _World:
    population = config["region_population"]
    region_codes = sorted(population)
    share = np.array([population[code] for code in region_codes], dtype=float)
    share /= share.sum()
    spread = float(config["hazard"]["region_spread"])
    ratio = np.exp(rng.normal(-(spread**2) / 2, spread, len(region_codes)))
    return _World(
        region_codes=region_codes,
        region_share=share,
        region_hazard_ratio=ratio,
        municipalities=_load_municipalities(region_codes),
        employers=_build_employers(config, share, scale, rng),
    )


def _draw(
    weights: dict[str, float], levels: tuple[str, ...], n: int, rng: np.random.Generator
) -> np.ndarray:
    """Codes (indexes into levels) drawn with the given weights (normalised)."""
    p = np.array([float(weights.get(level, 0)) for level in levels])
    return rng.choice(len(levels), n, p=p / p.sum())


# --- the simulation ---------------------------------------------------------------------


@dataclass
class _People:
    """Per person: region, legal basis and the municipality of the latest placement."""

    region: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    basis: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    municipality: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))

    def add(self, region: np.ndarray, basis: np.ndarray) -> np.ndarray:
        ids = np.arange(len(self.region), len(self.region) + len(region))
        self.region = np.concatenate([self.region, region])
        self.basis = np.concatenate([self.basis, basis])
        self.municipality = np.concatenate([self.municipality, np.full(len(region), -1)])
        return ids


@dataclass
class _ReentryPool:
    """People whose spell ended, by the first day they may start a new spell."""

    person: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    eligible: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))

    def add(self, person: np.ndarray, eligible: np.ndarray) -> None:
        self.person = np.concatenate([self.person, person])
        self.eligible = np.concatenate([self.eligible, eligible])

    def take(self, n: int, day: np.int64, oldest: np.int64, rng: np.random.Generator) -> np.ndarray:
        """Up to n people eligible on `day`; those eligible before `oldest` leave the pool."""
        keep = self.eligible >= oldest
        self.person, self.eligible = self.person[keep], self.eligible[keep]
        candidates = np.flatnonzero(self.eligible <= day)
        chosen = rng.choice(candidates, min(n, len(candidates)), replace=False)
        taken = self.person[chosen]
        keep = np.ones(len(self.person), dtype=bool)
        keep[chosen] = False
        self.person, self.eligible = self.person[keep], self.eligible[keep]
        return taken


class _Simulation:
    def __init__(
        self,
        config: dict[str, Any],
        world: _World,
        scale: float,
        horizon: np.int64,
        rng: np.random.Generator,
    ) -> None:
        self.config = config
        self.world = world
        self.scale = scale
        self.horizon = horizon
        self.rng = rng
        self.people = _People()
        self.pool = _ReentryPool()
        self.batches: list[dict[str, np.ndarray]] = []
        self.spell_count = 0
        shock = config["hazard"]["shock"]
        self.shock_start, self.shock_end = _day(shock["start"]), _day(shock["end"])
        self.hazard_tables = _hazard_tables(config["hazard"]["hazard_ratios"])

    def run(self, first: Quarter, last: Quarter) -> None:
        quarter = first
        while quarter <= last:
            persons, starts = self._arrivals(quarter)
            spells = np.arange(self.spell_count, self.spell_count + len(persons))
            self.spell_count += len(persons)
            self._follow_chains(persons, starts, spells, np.full(len(persons), -1))
            quarter = quarter.next()

    def _arrivals(self, quarter: Quarter) -> tuple[np.ndarray, np.ndarray]:
        """New spells starting in the quarter: re-entries from the pool, then new people."""
        inflow = self.config["inflow"]
        rate = inflow["new_spells_per_quarter"] * self.scale * inflow["season"][quarter.number]
        if _day(quarter.start) <= self.shock_end and _day(quarter.end) >= self.shock_start:
            rate *= self.config["hazard"]["shock"]["inflow_factor"]
        n = self.rng.poisson(rate)
        starts = self._start_days(quarter, n)
        oldest = _day(quarter.start) - int(365.25 * inflow["reentry_max_years"])
        returning = self.pool.take(
            self.rng.binomial(n, inflow["reentry_share"]), _day(quarter.start), oldest, self.rng
        )
        fresh = n - len(returning)
        regions = self.rng.choice(len(self.world.region_codes), fresh, p=self.world.region_share)
        bases = _draw(self.config["shares"]["grondslag"], BASES, fresh, self.rng)
        return np.concatenate([returning, self.people.add(regions, bases)]), starts

    def _start_days(self, quarter: Quarter, n: int) -> np.ndarray:
        first = _day(quarter.start)
        days = first + self.rng.integers(0, _day(quarter.end) - first + 1, n)
        on_first = self.rng.random(n) < self.config["inflow"]["first_of_month_share"]
        month_starts = (
            (np.datetime64(quarter.start, "M") + self.rng.integers(0, 3, n))
            .astype("datetime64[D]")
            .astype(np.int64)
        )
        return np.where(on_first, month_starts, days)

    def _follow_chains(
        self, persons: np.ndarray, starts: np.ndarray, spells: np.ndarray, employers: np.ndarray
    ) -> None:
        """Place everyone, then their job-to-job successors (at another employer), until no
        one starts again."""
        reentry_gap = int(self.config["inflow"]["reentry_min_gap_days"])
        while len(persons):
            batch = self._place(persons, starts, spells, employers)
            self.batches.append(batch)
            ended = batch["end"] <= self.horizon
            moves = batch["reason"] == JOB_TO_JOB
            losses = ended & ~moves
            self.pool.add(persons[losses], batch["end"][losses] + reentry_gap)
            next_starts = batch["end"][moves] + self._job_to_job_gaps(moves.sum())
            within = next_starts <= self.horizon
            persons, starts = persons[moves][within], next_starts[within]
            spells, employers = spells[moves][within], batch["employer"][moves][within]

    def _job_to_job_gaps(self, n: int) -> np.ndarray:
        max_gap = int(self.config["job_to_job"]["max_gap_days"])
        return 1 + (max_gap * self.rng.random(n) ** 2).astype(np.int64)

    def _place(
        self,
        persons: np.ndarray,
        starts: np.ndarray,
        spells: np.ndarray,
        previous_employers: np.ndarray,
    ) -> dict[str, np.ndarray]:
        """One placement per person starting on the given day: attributes, end and reason."""
        n, rng, people = len(persons), self.rng, self.people
        regions = people.region[persons]
        municipality = self._municipalities(persons, regions, _years(starts))
        people.municipality[persons] = municipality
        employer = self._employers(regions, previous_employers)
        shares = self.config["shares"]
        codes = {
            "contractvorm": _draw(shares["contractvorm"], CONTRACTS, n, rng),
            "grondslag": people.basis[persons],
            "werkgever_grootte": self.world.employers.size[employer],
        }
        instruments = rng.random((len(INSTRUMENTS), n))
        for row, name in enumerate(INSTRUMENTS):
            codes[name] = (instruments[row] < shares["instruments"][name]).astype(np.int64)
        ratio = self.world.region_hazard_ratio[regions]
        for column, table in self.hazard_tables.items():
            ratio = ratio * table[codes[column]]
        end = self._ends(starts, ratio)
        reason = self._reasons(end, codes["contractvorm"])
        end = np.where(reason == END_OF_CONTRACT, _month_ends(end), end)
        return {
            "person": persons,
            "spell": spells,
            "start": starts,
            "end": end,
            "reason": reason,
            "municipality": municipality,
            "employer": employer,
            "hours2": self._half_hours(n),
            **codes,
        }

    def _employers(self, regions: np.ndarray, previous: np.ndarray) -> np.ndarray:
        """An employer in the region, other than the previous one (a few tries suffice)."""
        employers = self.world.employers
        chosen = employers.pick(regions, self.rng.random(len(regions)))
        for _ in range(10):
            same = np.flatnonzero(chosen == previous)
            if not len(same):
                break
            chosen[same] = employers.pick(regions[same], self.rng.random(len(same)))
        return chosen

    def _municipalities(
        self, persons: np.ndarray, regions: np.ndarray, years: np.ndarray
    ) -> np.ndarray:
        """The person's municipality if it still exists, else a new one in the region."""
        municipalities = self.world.municipalities
        current = self.people.municipality[persons]
        drawn = municipalities.pick(regions, years, self.rng.random(len(persons)))
        still_exists = (current >= 0) & (municipalities.last_year[current] >= years)
        return np.where(still_exists, current, drawn)

    def _half_hours(self, n: int) -> np.ndarray:
        """Hours per week times two (half hours are common: 25.5 is the jobs-agreement unit)."""
        hours, rng = self.config["hours"], self.rng
        kind = rng.random(n)
        shape = float(hours["spread_shape"])
        spread = np.rint(2 * rng.gamma(shape, hours["spread_mean"] / shape, n))
        values = np.array([int(v) for v in hours["round_values"]])
        weights = np.array(list(hours["round_values"].values()), dtype=float)
        rounded = 2 * rng.choice(values, n, p=weights / weights.sum())
        unit = kind < hours["unit_share"]
        round_ = ~unit & (kind < hours["unit_share"] + hours["round_share"])
        half_hours = np.where(unit, 51, np.where(round_, rounded, spread))
        return np.clip(half_hours, 4, 120).astype(np.int64)

    def _ends(self, starts: np.ndarray, ratio: np.ndarray) -> np.ndarray:
        """End days by inverting each placement's cumulative hazard (bisection on the
        duration); NO_END where the placement outlasts the horizon."""
        target = self.rng.exponential(size=len(starts)) / ratio
        limit = (self.horizon + 1 - starts).astype(float)
        low, high = np.zeros_like(limit), limit.copy()
        for _ in range(_BISECTION_STEPS):
            middle = (low + high) / 2
            below = self._cumulative_hazard(starts, middle) < target
            low, high = np.where(below, middle, low), np.where(below, high, middle)
        end = starts + np.floor(high).astype(np.int64)
        ends = (self._cumulative_hazard(starts, limit) >= target) & (end <= self.horizon)
        return np.where(ends, end, NO_END)

    def _cumulative_hazard(self, starts: np.ndarray, duration: np.ndarray) -> np.ndarray:
        """Baseline cumulative hazard over the first `duration` days, the part falling in the
        shock window counted `factor` times."""
        in_shock_from = np.clip(self.shock_start - starts, 0, duration)
        in_shock_to = np.clip(self.shock_end + 1 - starts, 0, duration)
        extra = self._baseline(in_shock_to) - self._baseline(in_shock_from)
        factor = float(self.config["hazard"]["shock"]["factor"])
        return self._baseline(duration) + (factor - 1) * extra

    def _baseline(self, days: np.ndarray) -> np.ndarray:
        hazard = self.config["hazard"]
        months = days / DAYS_PER_MONTH
        total = hazard["floor"] * months
        for component in hazard["components"]:
            decay = float(component["decay_months"])
            total = total + component["level"] * decay * -np.expm1(-months / decay)
        return total

    def _reasons(self, end: np.ndarray, contract: np.ndarray) -> np.ndarray:
        """andere_baan when a next placement follows, else a reason for the loss."""
        n, rng = len(end), self.rng
        ended = end <= self.horizon
        in_shock = (end >= self.shock_start) & (end <= self.shock_end)
        shock = self.config["hazard"]["shock"]
        move_p = self.config["job_to_job"]["probability"] * np.where(
            in_shock, shock["job_to_job_factor"], 1.0
        )
        moves = ended & (rng.random(n) < move_p)
        weights = self._loss_reason_weights(contract, in_shock)
        cumulative = np.cumsum(weights, axis=1)
        u = rng.random(n) * cumulative[:, -1]
        loss_reason = np.array([END_REASONS.index(r) for r in LOSS_REASONS])[
            (cumulative < u[:, None]).sum(axis=1)
        ]
        return np.where(moves, JOB_TO_JOB, np.where(ended, loss_reason, 0))

    def _loss_reason_weights(self, contract: np.ndarray, in_shock: np.ndarray) -> np.ndarray:
        settings = self.config["end_reasons"]
        base = np.array([float(settings["weights"][r]) for r in LOSS_REASONS])
        weights = np.tile(base, (len(contract), 1))
        contract_factor = np.array(
            [float(settings["end_of_contract_factor"].get(c, 1.0)) for c in CONTRACTS]
        )
        weights[:, LOSS_REASONS.index("einde_contract")] *= contract_factor[contract]
        for reason, factor in settings["shock_factor"].items():
            column = LOSS_REASONS.index(reason)
            weights[:, column] *= np.where(in_shock, float(factor), 1.0)
        return weights


def _hazard_tables(hazard_ratios: dict[str, dict[str, float]]) -> dict[str, np.ndarray]:
    """Per column, the hazard ratio of each level code (levels not listed: 1)."""
    levels = {
        "contractvorm": CONTRACTS,
        "grondslag": BASES,
        "werkgever_grootte": SIZES,
        **{name: YES_NO for name in INSTRUMENTS},
    }
    tables = {}
    for column, ratios in hazard_ratios.items():
        if column not in levels:
            raise ValueError(f"{CONFIG_PATH.name}: no hazard ratios possible for {column!r}")
        tables[column] = np.array([float(ratios.get(level, 1.0)) for level in levels[column]])
    return tables


# --- from simulation to files ---------------------------------------------------------


def _finish(simulation: _Simulation, world: _World) -> pd.DataFrame:
    """All placements, numbered in order of start (the plaatsing_id), persons numbered in
    order of their first placement."""
    frame = pd.DataFrame(
        {
            column: np.concatenate([batch[column] for batch in simulation.batches])
            for column in simulation.batches[0]
        }
    )
    frame = frame.sort_values("start", kind="stable", ignore_index=True)
    first_seen = pd.unique(frame["person"].to_numpy())
    number = np.empty(len(simulation.people.region), dtype=np.int64)
    number[first_seen] = np.arange(1, len(first_seen) + 1)
    frame["person"] = number[frame["person"].to_numpy()]
    employers = world.employers
    frame["employer_number"] = employers.number[frame["employer"].to_numpy()]
    frame["section"] = employers.section[frame["employer"].to_numpy()]
    frame["kind"] = employers.kind[frame["employer"].to_numpy()]
    return frame


def _person_keys(placements: pd.DataFrame, identifier: str, rng: np.random.Generator) -> np.ndarray:
    """The identifier text per person number (index 0 unused)."""
    count = int(placements["person"].max()) + 1
    if identifier == "bsn":
        return np.concatenate([[""], _bsns(count - 1, rng)])
    return ("P" + pd.Series(np.arange(count)).astype(str).str.zfill(8)).to_numpy(dtype=object)


def _bsns(n: int, rng: np.random.Generator) -> np.ndarray:
    """n distinct 9-digit numbers passing the 11-proef, in random order."""
    chosen = np.empty(0, dtype=np.int64)
    while len(chosen) < n:
        # The 8 leading digits determine the check digit; 0 would give 000000000.
        prefixes = rng.integers(1, 10**8, size=int(1.2 * (n - len(chosen))) + 16)
        digits = prefixes[:, None] // 10 ** np.arange(7, -1, -1) % 10
        check = digits @ _BSN_WEIGHTS % 11
        candidates = np.concatenate([chosen, prefixes[check < 10] * 10 + check[check < 10]])
        _, first = np.unique(candidates, return_index=True)
        chosen = candidates[np.sort(first)]
    return pd.Series(chosen[:n]).astype(str).str.zfill(9).to_numpy(dtype=object)


def _labels(levels: tuple[str, ...], codes: pd.Series) -> np.ndarray:
    return np.array(levels, dtype=object)[codes.to_numpy()]


def _numbered(prefix: str, numbers: pd.Series, width: int) -> np.ndarray:
    return (prefix + numbers.astype(str).str.zfill(width)).to_numpy(dtype=object)


def _static_parts(
    frame: pd.DataFrame, persons: np.ndarray, world: _World
) -> tuple[np.ndarray, np.ndarray]:
    """Per placement, the cells before startdatum and after reden_einde: what does not change
    between extracts."""
    employers = len(world.employers.region)
    hours = np.array([f"{h // 2},5" if h % 2 else str(h // 2) for h in range(121)], dtype=object)
    head = _joined(
        [
            _numbered("PL", pd.Series(np.arange(1, len(frame) + 1)), max(7, len(str(len(frame))))),
            persons[frame["person"].to_numpy()],
            world.municipalities.codes[frame["municipality"].to_numpy()],
            _numbered("WG", frame["employer_number"], max(6, len(str(employers)))),
            _labels(SIZES, frame["werkgever_grootte"]),
            _labels(SECTIONS, frame["section"]),
            _labels(SECTOR_KINDS, frame["kind"]),
        ]
    )
    tail = _joined(
        [
            _labels(CONTRACTS, frame["contractvorm"]),
            hours[frame["hours2"].to_numpy()],
            _labels(BASES, frame["grondslag"]),
            *[_labels(YES_NO, frame[name]) for name in INSTRUMENTS],
        ]
    )
    return head + ";", ";" + tail


def _joined(cells: list[np.ndarray]) -> np.ndarray:
    """Per row, the cells joined with semicolons."""
    line = cells[0]
    for cell in cells[1:]:
        line = line + ";" + cell
    return line


def _write(
    out_dir: Path,
    quarters: list[Quarter],
    frame: pd.DataFrame,
    persons: np.ndarray,
    identifier: str,
    world: _World,
) -> GenerationSummary:
    folder = out_dir / SOURCE_DIR
    folder.mkdir(parents=True, exist_ok=True)
    # The contract's columns in export order, the person identifier after plaatsing_id.
    header = ";".join((CONTRACT_COLUMNS[0], identifier, *CONTRACT_COLUMNS[1:]))
    extracts = _Extracts(frame, persons, world, _day(quarters[-1].end))
    written = np.zeros(len(frame), dtype=bool)
    files, rows = [], {}
    for quarter in quarters:
        selected = extracts.rows_of(quarter)
        written[selected] = True
        text = "\n".join([header, *extracts.lines(selected, quarter)]) + "\n"
        path = folder / f"{quarter}.csv"
        path.write_bytes(_encode(text, quarter))
        files.append(path)
        rows[str(quarter)] = len(selected)
    return _summary(out_dir, tuple(files), rows, frame, written, quarters, world)


class _Extracts:
    """The lines of each quarter's extract: the placements started in or running during the
    quarter, with their state at its end."""

    def __init__(
        self, frame: pd.DataFrame, persons: np.ndarray, world: _World, horizon: np.int64
    ) -> None:
        self.head, self.tail = _static_parts(frame, persons, world)
        self.start, self.end = frame["start"].to_numpy(), frame["end"].to_numpy()
        self.reasons = np.array(END_REASONS, dtype=object)[frame["reason"].to_numpy()]
        self.dates = _DateText(int(self.start.min()), int(horizon))

    def rows_of(self, quarter: Quarter) -> np.ndarray:
        first, last = _day(quarter.start), _day(quarter.end)
        return np.flatnonzero((self.start <= last) & (self.end >= first))

    def lines(self, rows: np.ndarray, quarter: Quarter) -> np.ndarray:
        last = _day(quarter.end)
        end = self.end[rows]
        ended = end <= last  # an end after the quarter is not known yet
        dmy = quarter.number % 2 == 0
        dates = _joined(
            [
                self.dates.text(self.start[rows], dmy),
                np.where(ended, self.dates.text(np.minimum(end, last), dmy), ""),
                np.where(ended, self.reasons[rows], ""),
            ]
        )
        return self.head[rows] + dates + self.tail[rows]


class _DateText:
    """Dates as text, looked up per day: ISO (Q1, Q3) or DD-MM-YYYY (Q2, Q4)."""

    def __init__(self, first_day: int, last_day: int) -> None:
        self.first_day = first_day
        days = pd.date_range(pd.Timestamp(first_day, unit="D"), periods=last_day - first_day + 1)
        self.iso = days.strftime("%Y-%m-%d").to_numpy(dtype=object)
        self.dmy = days.strftime("%d-%m-%Y").to_numpy(dtype=object)

    def text(self, days: np.ndarray, dmy: bool) -> np.ndarray:
        return (self.dmy if dmy else self.iso)[days - self.first_day]


def _encode(text: str, quarter: Quarter) -> bytes:
    """Q1 UTF-8 with BOM, Q3 UTF-8, Q2 and Q4 Windows-1252: the parser must take all three."""
    encoding = {1: "utf-8-sig", 2: "cp1252", 3: "utf-8", 4: "cp1252"}[quarter.number]
    if encoding == "cp1252" and text.isascii():
        encoding = "ascii"  # the same bytes, encoded many times faster
    return text.encode(encoding)


def _summary(
    out_dir: Path,
    files: tuple[Path, ...],
    rows: dict[str, int],
    frame: pd.DataFrame,
    written: np.ndarray,
    quarters: list[Quarter],
    world: _World,
) -> GenerationSummary:
    shown = frame[written]
    ended = frame[frame["end"] <= _day(quarters[-1].end)]
    end_days = ended["end"].to_numpy()
    is_move = (ended["reason"] == JOB_TO_JOB).to_numpy()
    spell_starts = frame.groupby("spell")["start"].min().to_numpy()
    return GenerationSummary(
        out_dir=out_dir,
        files=files,
        rows_per_file=rows,
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
    keys = [_quarter_key(quarter) for quarter in quarters]
    return float(np.isin(_quarter_keys(days), keys).sum() / len(keys))


def _retention_12_months(frame: pd.DataFrame, quarters: list[Quarter]) -> float | None:
    """Share of spells starting in the window, at least a year before its end, that are
    still running a year after their start (a job-to-job move continues the spell)."""
    spells = frame.groupby("spell").agg(
        start=("start", "min"), end=("end", "max"), reason=("reason", "last")
    )
    start = spells["start"].to_numpy()
    end = np.where(spells["reason"].to_numpy() == JOB_TO_JOB, NO_END, spells["end"].to_numpy())
    cohort = (start >= _day(quarters[0].start)) & (start <= _day(quarters[-1].end) - 365)
    if not cohort.any():
        return None
    return float((end[cohort] >= start[cohort] + 365).mean())
