"""The placement simulation, nationally, from a burn-in period before the first requested
quarter up to the end of the last one, vectorised per quarter of arrivals and per step along
the placement chains:
- new spells arrive per quarter, allocated to regions by population; a few are re-entries of
  people who lost a job earlier;
- a placement ends with a monthly hazard that decreases with tenure, multiplied by planted
  hazard ratios (instruments, contract type, employer size, legal basis, region) and a
  calendar shock (the pandemic, 2020Q2); support (jobcoach, no-risk policy, labour expert)
  goes more often to placements at a higher baseline risk;
- an end is a job-to-job move (a next placement starts within 3 months, reason andere_baan)
  or a job loss that ends the spell; the chance of a move has planted odds ratios (moves.py).
All tunable numbers live in include/config/synthetic.yml.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from duurzaam.quarters import Quarter
from duurzaam.synthetic.config import (
    BASES,
    CONFIG_PATH,
    CONTRACTS,
    DAYS_PER_MONTH,
    END_OF_CONTRACT,
    END_REASONS,
    INSTRUMENTS,
    JOB_TO_JOB,
    LOSS_REASONS,
    NO_END,
    SIZES,
    YES_NO,
    draw,
)
from duurzaam.synthetic.days import day, month_ends, years
from duurzaam.synthetic.moves import MoveChance
from duurzaam.synthetic.world import World

_BISECTION_STEPS = 28
# The planted effects that make up a placement's baseline risk, which support follows.
RISK_COLUMNS = ("contractvorm", "grondslag", "werkgever_grootte")


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


class Simulation:
    def __init__(
        self,
        config: dict[str, Any],
        world: World,
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
        self.shock_start, self.shock_end = day(shock["start"]), day(shock["end"])
        self.hazard_tables = _hazard_tables(config["hazard"]["hazard_ratios"])
        self.move_chance = MoveChance(config)
        self.typical_log_risk = _typical_log_risk(config, self.hazard_tables)

    def run(self, first: Quarter, last: Quarter) -> None:
        quarter = first
        while quarter <= last:
            persons, starts = self._arrivals(quarter)
            spells = np.arange(self.spell_count, self.spell_count + len(persons))
            self.spell_count += len(persons)
            self._follow_chains(persons, starts, spells, np.full(len(persons), -1), starts)
            quarter = quarter.next()

    def _arrivals(self, quarter: Quarter) -> tuple[np.ndarray, np.ndarray]:
        """New spells starting in the quarter: re-entries from the pool, then new people."""
        inflow = self.config["inflow"]
        rate = inflow["new_spells_per_quarter"] * self.scale * inflow["season"][quarter.number]
        if day(quarter.start) <= self.shock_end and day(quarter.end) >= self.shock_start:
            rate *= self.config["hazard"]["shock"]["inflow_factor"]
        n = self.rng.poisson(rate)
        starts = self._start_days(quarter, n)
        oldest = day(quarter.start) - int(365.25 * inflow["reentry_max_years"])
        returning = self.pool.take(
            self.rng.binomial(n, inflow["reentry_share"]), day(quarter.start), oldest, self.rng
        )
        fresh = n - len(returning)
        regions = self.rng.choice(len(self.world.region_codes), fresh, p=self.world.region_share)
        bases = draw(self.config["shares"]["grondslag"], BASES, fresh, self.rng)
        return np.concatenate([returning, self.people.add(regions, bases)]), starts

    def _start_days(self, quarter: Quarter, n: int) -> np.ndarray:
        first = day(quarter.start)
        days = first + self.rng.integers(0, day(quarter.end) - first + 1, n)
        on_first = self.rng.random(n) < self.config["inflow"]["first_of_month_share"]
        month_starts = (
            (np.datetime64(quarter.start, "M") + self.rng.integers(0, 3, n))
            .astype("datetime64[D]")
            .astype(np.int64)
        )
        return np.where(on_first, month_starts, days)

    def _follow_chains(
        self,
        persons: np.ndarray,
        starts: np.ndarray,
        spells: np.ndarray,
        employers: np.ndarray,
        spell_starts: np.ndarray,
    ) -> None:
        """Place everyone, then their job-to-job successors (at another employer), until no
        one starts again."""
        reentry_gap = int(self.config["inflow"]["reentry_min_gap_days"])
        while len(persons):
            batch = self._place(persons, starts, spells, employers, spell_starts)
            self.batches.append(batch)
            ended = batch["end"] <= self.horizon
            moves = batch["reason"] == JOB_TO_JOB
            losses = ended & ~moves
            self.pool.add(persons[losses], batch["end"][losses] + reentry_gap)
            next_starts = batch["end"][moves] + self._job_to_job_gaps(moves.sum())
            within = next_starts <= self.horizon
            persons, starts = persons[moves][within], next_starts[within]
            spells, employers = spells[moves][within], batch["employer"][moves][within]
            spell_starts = spell_starts[moves][within]

    def _job_to_job_gaps(self, n: int) -> np.ndarray:
        max_gap = int(self.config["job_to_job"]["max_gap_days"])
        return 1 + (max_gap * self.rng.random(n) ** 2).astype(np.int64)

    def _place(
        self,
        persons: np.ndarray,
        starts: np.ndarray,
        spells: np.ndarray,
        previous_employers: np.ndarray,
        spell_starts: np.ndarray,
    ) -> dict[str, np.ndarray]:
        """One placement per person starting on the given day: attributes, end and reason."""
        n, rng, people = len(persons), self.rng, self.people
        regions = people.region[persons]
        municipality = self._municipalities(persons, regions, years(starts))
        people.municipality[persons] = municipality
        employer = self._employers(regions, previous_employers)
        shares = self.config["shares"]
        codes = {
            "contractvorm": draw(shares["contractvorm"], CONTRACTS, n, rng),
            "grondslag": people.basis[persons],
            "werkgever_grootte": self.world.employers.size[employer],
        }
        instruments = rng.random((len(INSTRUMENTS), n))
        chances = self._support_chances(codes)
        for row, name in enumerate(INSTRUMENTS):
            codes[name] = (instruments[row] < chances[name]).astype(np.int64)
        ratio = self.world.region_hazard_ratio[regions]
        for column, table in self.hazard_tables.items():
            ratio = ratio * table[codes[column]]
        end = self._ends(starts, ratio)
        reason, end = self._reasons(end, codes, spell_starts)
        return {
            "person": persons,
            "spell": spells,
            "spell_start": spell_starts,
            "start": starts,
            "end": end,
            "reason": reason,
            "municipality": municipality,
            "employer": employer,
            "hours2": self._half_hours(n),
            **codes,
        }

    def _support_chances(self, codes: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Per instrument and placement, the chance of "ja": the configured share at a typical
        baseline risk, its odds rising with the placement's risk (support_follows_risk)."""
        shares = self.config["shares"]
        risk = np.zeros(len(codes["contractvorm"]))
        for column in RISK_COLUMNS:
            if column in self.hazard_tables:
                risk = risk + np.log(self.hazard_tables[column][codes[column]])
        # and of a failed move at its end (0 for a permanent contract)
        move_risk = self.move_chance.log_risk(codes["contractvorm"])
        move_slopes = shares.get("support_follows_move_risk", {})
        slopes = shares.get("support_follows_risk", {})
        chances = {}
        for name in INSTRUMENTS:
            share = float(shares["instruments"][name])
            shift = float(slopes.get(name, 0.0)) * (risk - self.typical_log_risk)
            shift = shift + float(move_slopes.get(name, 0.0)) * move_risk
            odds = share / (1 - share) * np.exp(shift)
            chances[name] = odds / (1 + odds)
        return chances

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

    def _reasons(
        self, end: np.ndarray, codes: dict[str, np.ndarray], spell_starts: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """The reason of each end and its day: a contract ending at its term (einde_contract)
        ends on the last day of its month, whether a next placement follows or not; then
        andere_baan when a next placement follows (the chance of a move taken at the end as
        recorded), else the reason for the loss."""
        n, rng, contract = len(end), self.rng, codes["contractvorm"]
        ended = end <= self.horizon
        in_shock = (end >= self.shock_start) & (end <= self.shock_end)  # the same month
        shock = self.config["hazard"]["shock"]
        move_draw = rng.random(n)
        weights = self._loss_reason_weights(contract, in_shock)
        cumulative = np.cumsum(weights, axis=1)
        u = rng.random(n) * cumulative[:, -1]
        loss_reason = np.array([END_REASONS.index(r) for r in LOSS_REASONS])[
            (cumulative < u[:, None]).sum(axis=1)
        ]
        end = np.where(ended & (loss_reason == END_OF_CONTRACT), month_ends(end), end)
        move_p = self.move_chance(codes, spell_starts, end) * np.where(
            in_shock, shock["job_to_job_factor"], 1.0
        )
        moves = ended & (move_draw < move_p)
        return np.where(moves, JOB_TO_JOB, np.where(ended, loss_reason, 0)), end

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


def _typical_log_risk(config: dict[str, Any], tables: dict[str, np.ndarray]) -> float:
    """The mean log baseline hazard ratio of a placement (contract type, legal basis,
    employer size) under the configured shares: support is given at its configured share at
    this risk."""
    shares = {
        "contractvorm": (config["shares"]["contractvorm"], CONTRACTS),
        "grondslag": (config["shares"]["grondslag"], BASES),
        "werkgever_grootte": (config["employers"]["size_shares"], SIZES),
    }
    total = 0.0
    for column in RISK_COLUMNS:
        if column in tables:
            weights, levels = shares[column]
            p = np.array([float(weights.get(level, 0)) for level in levels])
            total += float(np.dot(p / p.sum(), np.log(tables[column])))
    return total


def finish(simulation: Simulation, world: World) -> pd.DataFrame:
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
