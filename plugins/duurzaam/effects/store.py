"""Fits the retention-effects models on the warehouse's spells and writes their estimates to
`estimates.retention_effects`, which dbt publishes as marts.mart_retention_effects. The spells
(person-level) are read into this process only; what is written are hazard ratios, intervals
and counts per region, factor and level.

The national model has every factor and the region; each region gets a model of its own when
it has at least EVENTS_PER_PARAMETER job losses per estimated parameter, otherwise its rows
carry the national estimates and say so."""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd

from duurzaam.effects.estimates import (
    EVENTS_PER_PARAMETER,
    EffectsModel,
    estimate_rows,
    replace_estimates,
    stored,
)
from duurzaam.effects.model import FACTORS, CoxFit, fit_cox, no_fit
from duurzaam.settings import Settings
from duurzaam.warehouse.database import Warehouse, open_warehouse

logger = logging.getLogger(__name__)

MODEL_VERSION = "cox-efron-days-strata-start-year-v1"  # part of the run id
SPELLS_TABLE = "intermediate.int_effect_spells"
SPELL_ID = "spell_id"  # made from the person's pseudonym (int_spells)
TABLE = "estimates.retention_effects"
COLUMNS: list[tuple[str, str]] = [
    ("region_code", "text not null"),
    ("factor", "text not null"),
    ("level", "text not null"),
    ("reference_level", "text not null"),
    ("is_reference", "boolean not null"),
    ("hazard_ratio", "double precision"),
    ("hr_ci_lower", "double precision"),
    ("hr_ci_upper", "double precision"),
    ("p_value", "double precision"),
    ("spells", "bigint not null"),
    ("events", "bigint not null"),
    ("model_region_code", "text"),
    ("note", "text"),
    ("ph_chi2", "double precision"),
    ("ph_df", "integer"),
    ("ph_p_value", "double precision"),
    ("ph_violated", "boolean"),
    ("model_spells", "bigint"),
    ("model_events", "bigint"),
    ("model_run_id", "text not null"),
]


def fit_retention_effects(settings: Settings) -> int:
    """Reads the spells, fits the models and replaces the estimates in one transaction
    (a rerun on the same spells writes the same rows). Returns the rows written. The
    transform's fit step: the move effects (move_store.py) are fitted with it, so that the
    models built after the fit (tag:estimates) find both."""
    from duurzaam.effects.move_store import fit_move_effects  # heavy: its own model

    with open_warehouse(settings.warehouse_url) as warehouse:
        spells = read_spells(warehouse)
    # fitted with the warehouse closed: DuckDB has one writer, and the fit takes a while
    rows = effect_rows(spells)
    replace_estimates(settings, TABLE, COLUMNS, rows)
    logger.info("retention effects of %d spells: %d rows in %s", len(spells), len(rows), TABLE)
    fit_move_effects(settings)
    return len(rows)


def read_spells(warehouse: Warehouse) -> pd.DataFrame:
    """The spells in a fixed order (the fit's sums, and so its digits, do not depend on how
    the warehouse returns them). Sorted here, not in SQL: PostgreSQL orders text by its
    collation, DuckDB by bytes. Sorted by what the spells hold, their id last: the id comes
    from the person's pseudonym, and a new pseudonymisation key (docs/operations.md) must
    not change the order, and so the estimates."""
    frame = warehouse.query_frame(f"select * from {SPELLS_TABLE}")
    by_content = [column for column in frame.columns if column != SPELL_ID]
    return frame.sort_values([*by_content, SPELL_ID], ignore_index=True).astype(
        {"duration_days": "int64", "start_year": "int64", "is_event": "bool"}
        | dict.fromkeys(FACTORS, "object")
    )


def effect_rows(spells: pd.DataFrame) -> pd.DataFrame:
    """Every row of the estimates table: 'NL' (the factors and the region) and each region."""
    return estimate_rows(spells, RETENTION)


def _too_few_events(spells: pd.DataFrame, parameters: int) -> str | None:
    """Why a region gets no model of its own, or None when it has enough job losses."""
    needed = EVENTS_PER_PARAMETER * max(parameters, 1)
    events = int(spells["is_event"].sum())
    if events >= needed:
        return None
    return (
        f"{events} job losses in the region, fewer than the {needed} its own model needs "
        f"({EVENTS_PER_PARAMETER} per parameter): national estimates"
    )


def _model_columns(fit: CoxFit, factor: str) -> list[Any]:
    """The factor's proportional-hazards test and the model's counts."""
    ph: list[Any] = [None] * 4
    if factor in fit.ph_test.index:
        test = fit.ph_test.loc[factor]
        assert isinstance(test, pd.Series)  # one test per factor
        ph = [
            stored(test["chi2"]),
            int(test["df"]),
            stored(test["p_value"]),
            bool(test["violated"]),
        ]
    return [*ph, fit.spells, fit.events]


RETENTION = EffectsModel(
    version=MODEL_VERSION,
    id_column=SPELL_ID,
    columns=COLUMNS,
    factors=FACTORS,
    outcome="is_event",
    outcomes="job losses",
    ratio="hr",
    fit=fit_cox,
    no_fit=no_fit,
    too_few=_too_few_events,
    model_columns=_model_columns,
)
