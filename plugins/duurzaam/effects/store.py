"""Fits the retention-effects models on the warehouse's spells and writes their estimates to
`estimates.retention_effects`, which dbt publishes as marts.mart_retention_effects. The spells
(person-level) are read into this process only; what is written are hazard ratios, intervals
and counts per region, factor and level.

The national model has every factor and the region; each region gets a model of its own when
it has at least EVENTS_PER_PARAMETER job losses per estimated parameter, otherwise its rows
carry the national estimates and say so."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from duurzaam.effects.estimates import (
    EVENTS_PER_PARAMETER,
    replace_estimates,
    run_id,
    stored,
)
from duurzaam.effects.model import (
    FACTORS,
    MIN_LEVEL_EVENTS,
    REGION_FACTOR,
    CoxFit,
    fit_cox,
    no_fit,
)
from duurzaam.publication.labels import NATIONAL
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
    if spells.empty:
        return pd.DataFrame(columns=[name for name, _ in COLUMNS])
    spells = spells.assign(**{REGION_FACTOR: spells["region_code"].fillna("onbekend")})
    factors = [*FACTORS, REGION_FACTOR]
    national_note = None
    try:
        national = fit_cox(spells, factors)
    except (ValueError, np.linalg.LinAlgError) as error:
        national, national_note = no_fit(spells, factors), f"no national model: {error}"
    identity = run_id(spells, MODEL_VERSION, SPELL_ID)
    rows = _scope_rows(NATIONAL, spells, factors, {NATIONAL: national}, national_note)
    # a regional model has a parameter per non-reference level of the factors
    parameters = sum(spells[factor].nunique() - 1 for factor in FACTORS)
    for region, regional in spells.dropna(subset=["region_code"]).groupby("region_code"):
        fits, note = {NATIONAL: national}, _too_few_events(regional, parameters)
        if note is None:
            try:
                fits[str(region)] = fit_cox(regional, FACTORS)
            except (ValueError, np.linalg.LinAlgError) as error:
                note = f"the region's own model failed ({error}): national estimates"
        rows += _scope_rows(str(region), regional, FACTORS, fits, note)
    frame = pd.DataFrame(rows, columns=[name for name, _ in COLUMNS[:-1]])
    frame["model_run_id"] = identity
    return frame


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


def _scope_rows(
    region: str,
    spells: pd.DataFrame,
    factors: Sequence[str],
    fits: dict[str, CoxFit],
    region_note: str | None,
) -> list[list[Any]]:
    """One row per factor and level occurring in the spells of the scope. The estimate comes
    from the region's own model where it has one for the level, else from the national one."""
    own = fits.get(region)
    rows = []
    for factor in factors:
        counts = spells.groupby(factor)["is_event"].agg(["size", "sum"])
        for level, (size, events) in counts.iterrows():
            key, note = (factor, str(level)), region_note
            if own is not None and (key in own.estimates.index or own.references[factor] == level):
                source = region
            else:
                source = NATIONAL
                if own is not None and region != NATIONAL:
                    note = "too few job losses at this level in the region: national estimate"
            fit = fits[source]
            if key not in fit.estimates.index and fit.references[factor] != level:
                note = note or f"fewer than {MIN_LEVEL_EVENTS} job losses at the level: no estimate"
            model = _model_columns(fit, factor, source, note)
            estimate = _estimate(fit, key)
            rows.append([region, factor, str(level), *estimate, int(size), int(events), *model])
    return rows


def _estimate(fit: CoxFit, key: tuple[str, str]) -> list[Any]:
    reference = fit.references[key[0]]
    if key[1] == reference:
        return [reference, True, 1.0, None, None, None]
    if key not in fit.estimates.index:  # too rare even nationally: no estimate
        return [reference, False, None, None, None, None]
    row = fit.estimates.loc[key]
    assert isinstance(row, pd.Series)  # the index holds each level once
    return [reference, False, *(stored(row[c]) for c in ("hr", "ci_lower", "ci_upper", "p_value"))]


def _model_columns(fit: CoxFit, factor: str, source: str, note: str | None) -> list[Any]:
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
    return [source, note, *ph, fit.spells, fit.events]
