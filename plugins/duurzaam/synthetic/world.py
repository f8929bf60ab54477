"""The static world of the placement simulation: municipalities (with the region they belong to
and the last year they existed), regions and employers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from duurzaam.reference import municipalities
from duurzaam.settings import MUNICIPALITIES_CSV
from duurzaam.synthetic.config import CONFIG_PATH, SECTIONS, SECTOR_KINDS, SIZES, draw


@dataclass(frozen=True)
class Municipalities:
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


def _load_municipalities(region_codes: list[str]) -> Municipalities:
    table = municipalities()
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
    return Municipalities(
        codes=table["code"].to_numpy(dtype=object),
        last_year=table["last_year"].to_numpy(),
        region_start=region_start,
        first_table_year=int(years[0]),
        valid_count=valid_count,
    )


@dataclass(frozen=True)
class Employers:
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
) -> Employers:
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
        section[rows] = draw(settings["sectors"][name], SECTIONS, rows.sum(), rng)
    weight = _hiring_weight(region, size, settings, rng)
    cumulative = np.cumsum(weight)
    starts = np.searchsorted(region, np.arange(len(per_region)))
    bounds = np.append(np.concatenate([[0.0], cumulative])[starts], cumulative[-1])
    return Employers(
        region=region,
        size=size,
        kind=kind,
        section=section,
        number=rng.permutation(count) + 1,
        cumulative_weight=cumulative,
        region_bounds=bounds,
    )


def _hiring_weight(
    region: np.ndarray, size: np.ndarray, settings: dict[str, Any], rng: np.random.Generator
) -> np.ndarray:
    """Each employer's share of its region's placements: within its size class in proportion
    to its workforce (the heavy tail), each class of a region holding its share of size_shares
    (among the classes the region has)."""
    group = region * len(SIZES) + size
    groups = (int(region.max()) + 1) * len(SIZES)
    bounds = np.array([settings["workforce"][s] for s in SIZES], dtype=float)
    workforce = _workforce(group, bounds[size], float(settings["size_tail"]), rng)
    total = np.bincount(group, weights=workforce, minlength=groups).reshape(-1, len(SIZES))
    shares = np.array([settings["size_shares"][s] for s in SIZES], dtype=float)
    class_share = np.where(total > 0, shares, 0.0)
    class_share /= class_share.sum(axis=1, keepdims=True)
    return workforce * (class_share / np.where(total > 0, total, 1.0)).ravel()[group]


def _workforce(
    group: np.ndarray, bounds: np.ndarray, tail: float, rng: np.random.Generator
) -> np.ndarray:
    """Employees per employer: a Pareto draw with shape `tail` within its size class's bounds,
    stratified within each group (region and size class): the i-th of a group's n employers
    (in random order) draws from the i-th n-th of the distribution. Every region's largest
    employer then comes from the far tail; independent draws would leave some without one."""
    order = np.lexsort((rng.random(len(group)), group))
    sorted_group = group[order]
    rank = np.empty(len(group))
    rank[order] = np.arange(len(group)) - np.searchsorted(sorted_group, sorted_group)
    members = np.bincount(group)[group]
    u = (rank + rng.random(len(group))) / members
    low, high = bounds.T
    # the inverse of the Pareto distribution function truncated to [low, high)
    return low * (1 - u * (1 - (low / high) ** tail)) ** (-1 / tail)


@dataclass(frozen=True)
class World:
    region_codes: list[str]
    region_share: np.ndarray
    region_hazard_ratio: np.ndarray
    municipalities: Municipalities
    employers: Employers


def build_world(config: dict[str, Any], scale: float, rng: np.random.Generator) -> World:
    population = config["region_population"]
    region_codes = sorted(population)
    share = np.array([population[code] for code in region_codes], dtype=float)
    share /= share.sum()
    spread = float(config["hazard"]["region_spread"])
    ratio = np.exp(rng.normal(-(spread**2) / 2, spread, len(region_codes)))
    return World(
        region_codes=region_codes,
        region_share=share,
        region_hazard_ratio=ratio,
        municipalities=_load_municipalities(region_codes),
        employers=_build_employers(config, share, scale, rng),
    )
