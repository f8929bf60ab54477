"""Fits the move-effects models on the warehouse's ends of in-work spells and writes their
estimates to `estimates.move_effects`, which dbt publishes as marts.mart_move_effects. The
ends (person-level) are read into this process only; what is written are odds ratios,
intervals and counts per region, factor and level.

The same fallback rule as the retention effects (store.py): the national model has every
factor and the region; a region gets a model of its own when it has at least
EVENTS_PER_PARAMETER moves and as many job losses per estimated parameter, otherwise its rows
carry the national estimates and say so."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from duurzaam.effects.estimates import EVENTS_PER_PARAMETER, replace_estimates, run_id, stored
from duurzaam.effects.model import MIN_LEVEL_EVENTS, REGION_FACTOR
from duurzaam.effects.moves import FACTORS, OUTCOME, YEAR, MoveFit, fit_moves, no_fit
from duurzaam.publication.labels import NATIONAL
from duurzaam.settings import Settings
from duurzaam.warehouse.database import Warehouse, open_warehouse

logger = logging.getLogger(__name__)

MODEL_VERSION = "logit-glm-end-year-v1"  # part of the run id
ENDS_TABLE = "intermediate.int_job_ends"
END_ID = "end_id"  # made from the person's pseudonym (int_job_ends)
TABLE = "estimates.move_effects"
COLUMNS: list[tuple[str, str]] = [
    ("region_code", "text not null"),
    ("factor", "text not null"),
    ("level", "text not null"),
    ("reference_level", "text not null"),
    ("is_reference", "boolean not null"),
    ("odds_ratio", "double precision"),
    ("or_ci_lower", "double precision"),
    ("or_ci_upper", "double precision"),
    ("p_value", "double precision"),
    ("ends", "bigint not null"),
    ("moves", "bigint not null"),
    ("model_region_code", "text"),
    ("note", "text"),
    ("model_ends", "bigint"),
    ("model_moves", "bigint"),
    ("model_run_id", "text not null"),
]


def fit_move_effects(settings: Settings) -> int:
    """Reads the ends, fits the models and replaces the estimates in one transaction (a
    rerun on the same ends writes the same rows). Returns the rows written."""
    with open_warehouse(settings.warehouse_url) as warehouse:
        ends = read_ends(warehouse)
    rows = move_rows(ends)  # fitted with the warehouse closed, as the retention effects
    replace_estimates(settings, TABLE, COLUMNS, rows)
    logger.info("move effects of %d ends: %d rows in %s", len(ends), len(rows), TABLE)
    return len(rows)


def read_ends(warehouse: Warehouse) -> pd.DataFrame:
    """The ends whose outcome is known, in a fixed order by what they hold (as the retention
    effects' spells, for the same reasons: store.read_spells)."""
    columns = [END_ID, "region_code", YEAR, OUTCOME, *FACTORS]
    frame = warehouse.query_frame(
        f"select {', '.join(columns)} from {ENDS_TABLE} where is_outcome_known"
    )
    by_content = [column for column in frame.columns if column != END_ID]
    return frame.sort_values([*by_content, END_ID], ignore_index=True).astype(
        {YEAR: "int64", OUTCOME: "bool"} | dict.fromkeys(FACTORS, "object")
    )


def move_rows(ends: pd.DataFrame) -> pd.DataFrame:
    """Every row of the estimates table: 'NL' (the factors and the region) and each region."""
    if ends.empty:
        return pd.DataFrame(columns=[name for name, _ in COLUMNS])
    ends = ends.assign(**{REGION_FACTOR: ends["region_code"].fillna("onbekend")})
    factors = [*FACTORS, REGION_FACTOR]
    national_note = None
    try:
        national = fit_moves(ends, factors)
    except (ValueError, np.linalg.LinAlgError) as error:
        national, national_note = no_fit(ends, factors), f"no national model: {error}"
    rows = _scope_rows(NATIONAL, ends, factors, {NATIONAL: national}, national_note)
    parameters = sum(ends[factor].nunique() - 1 for factor in FACTORS)
    for region, regional in ends.dropna(subset=["region_code"]).groupby("region_code"):
        fits, note = {NATIONAL: national}, _too_few_outcomes(regional, parameters)
        if note is None:
            try:
                fits[str(region)] = fit_moves(regional, FACTORS)
            except (ValueError, np.linalg.LinAlgError) as error:
                note = f"the region's own model failed ({error}): national estimates"
        rows += _scope_rows(str(region), regional, FACTORS, fits, note)
    frame = pd.DataFrame(rows, columns=[name for name, _ in COLUMNS[:-1]])
    frame["model_run_id"] = run_id(ends, MODEL_VERSION, END_ID)
    return frame


def _too_few_outcomes(ends: pd.DataFrame, parameters: int) -> str | None:
    """Why a region gets no model of its own, or None when it has enough of both outcomes."""
    needed = EVENTS_PER_PARAMETER * max(parameters, 1)
    moves = int(ends[OUTCOME].sum())
    fewest = min(moves, len(ends) - moves)
    if fewest >= needed:
        return None
    return (
        f"{moves} moves and {len(ends) - moves} job losses in the region, fewer than the "
        f"{needed} of each its own model needs ({EVENTS_PER_PARAMETER} per parameter): "
        "national estimates"
    )


def _scope_rows(
    region: str,
    ends: pd.DataFrame,
    factors: Sequence[str],
    fits: dict[str, MoveFit],
    region_note: str | None,
) -> list[list[Any]]:
    """One row per factor and level occurring in the ends of the scope. The estimate comes
    from the region's own model where it has one for the level, else from the national one."""
    own = fits.get(region)
    rows = []
    for factor in factors:
        counts = ends.groupby(factor)[OUTCOME].agg(["size", "sum"])
        for level, (size, moves) in counts.iterrows():
            key, note = (factor, str(level)), region_note
            if own is not None and (key in own.estimates.index or own.references[factor] == level):
                source = region
            else:
                source = NATIONAL
                if own is not None and region != NATIONAL:
                    note = "too few moves or job losses at this level in the region: national"
            fit = fits[source]
            if key not in fit.estimates.index and fit.references[factor] != level:
                note = note or (
                    f"fewer than {MIN_LEVEL_EVENTS} moves or job losses at the level: no estimate"
                )
            rows.append(
                [
                    region,
                    factor,
                    str(level),
                    *_estimate(fit, key),
                    int(size),
                    int(moves),
                    source,
                    note,
                    fit.ends,
                    fit.moves,
                ]
            )
    return rows


def _estimate(fit: MoveFit, key: tuple[str, str]) -> list[Any]:
    reference = fit.references[key[0]]
    if key[1] == reference:
        return [reference, True, 1.0, None, None, None]
    if key not in fit.estimates.index:  # too rare even nationally: no estimate
        return [reference, False, None, None, None, None]
    row = fit.estimates.loc[key]
    assert isinstance(row, pd.Series)  # the index holds each level once
    values = (row[c] for c in ("odds_ratio", "ci_lower", "ci_upper", "p_value"))
    return [reference, False, *(stored(v) for v in values)]
