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

import pandas as pd

from duurzaam.effects.estimates import (
    EVENTS_PER_PARAMETER,
    EffectsModel,
    estimate_rows,
    replace_estimates,
)
from duurzaam.effects.moves import FACTORS, OUTCOME, YEAR, fit_moves, no_fit
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
    return estimate_rows(ends, MOVES)


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


MOVES = EffectsModel(
    version=MODEL_VERSION,
    id_column=END_ID,
    columns=COLUMNS,
    factors=FACTORS,
    outcome=OUTCOME,
    outcomes="moves or job losses",
    ratio="odds_ratio",
    fit=fit_moves,
    no_fit=no_fit,
    too_few=_too_few_outcomes,
    model_columns=lambda fit, factor: [fit.ends, fit.moves],
)
