"""What the effects models share when they store their estimates: the rows per scope (the
country, each region) with the regional/national fallback rule, the table replaced whole in
one transaction, the run id that names the data and the model, and the digits a statistic is
stored to."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd

from duurzaam.effects.model import MIN_LEVEL_EVENTS, REGION_FACTOR
from duurzaam.publication.labels import NATIONAL
from duurzaam.settings import Settings
from duurzaam.warehouse.database import open_warehouse

# A region gets a model of its own with at least this many outcomes (of each kind the model
# needs) per estimated parameter; otherwise its rows carry the national estimates.
EVENTS_PER_PARAMETER = 10


class Fit(Protocol):
    """A fitted model as the rows need it: per estimated (factor, level) its ratio, interval
    and p-value; per factor its reference level."""

    @property
    def estimates(self) -> pd.DataFrame: ...
    @property
    def references(self) -> dict[str, str]: ...


@dataclass(frozen=True)
class EffectsModel:
    """How one model's estimates are stored: what differs between the retention model (Cox,
    hazard ratios) and the move model (logistic, odds ratios)."""

    version: str  # part of the run id
    id_column: str  # made from the person's pseudonym: left out of the run id
    columns: list[tuple[str, str]]  # the estimates table, model_run_id last
    factors: Sequence[str]
    outcome: str  # the 0/1 column counted per level
    outcomes: str  # what a level or region has too few of, in the notes
    ratio: str  # the column of fit.estimates holding the ratio
    fit: Callable[[pd.DataFrame, Sequence[str]], Fit]
    no_fit: Callable[[pd.DataFrame, Sequence[str]], Fit]
    too_few: Callable[[pd.DataFrame, int], str | None]  # why a region has no model, or None
    model_columns: Callable[[Any, str], list[Any]]  # (fit, factor): the columns after note


def estimate_rows(frame: pd.DataFrame, model: EffectsModel) -> pd.DataFrame:
    """Every row of a model's estimates table: 'NL' (the factors and the region) and each
    region, a region with its own model where it has enough outcomes, else national."""
    names = [name for name, _ in model.columns]
    if frame.empty:
        return pd.DataFrame(columns=names)
    identity = run_id(frame, model.version, model.id_column)
    frame = frame.assign(**{REGION_FACTOR: frame["region_code"].fillna("onbekend")})
    factors = [*model.factors, REGION_FACTOR]
    national_note = None
    try:
        national = model.fit(frame, factors)
    except (ValueError, np.linalg.LinAlgError) as error:
        national, national_note = model.no_fit(frame, factors), f"no national model: {error}"
    rows = _scope_rows(model, NATIONAL, frame, factors, {NATIONAL: national}, national_note)
    # a regional model has a parameter per non-reference level of the factors
    parameters = sum(frame[factor].nunique() - 1 for factor in model.factors)
    for region, regional in frame.dropna(subset=["region_code"]).groupby("region_code"):
        fits, note = {NATIONAL: national}, model.too_few(regional, parameters)
        if note is None:
            try:
                fits[str(region)] = model.fit(regional, model.factors)
            except (ValueError, np.linalg.LinAlgError) as error:
                note = f"the region's own model failed ({error}): national estimates"
        rows += _scope_rows(model, str(region), regional, model.factors, fits, note)
    estimates = pd.DataFrame(rows, columns=names[:-1])
    estimates[names[-1]] = identity
    return estimates


def _scope_rows(
    model: EffectsModel,
    region: str,
    frame: pd.DataFrame,
    factors: Sequence[str],
    fits: dict[str, Fit],
    region_note: str | None,
) -> list[list[Any]]:
    """One row per factor and level occurring in the scope. The estimate comes from the
    region's own model where it has one for the level, else from the national one."""
    own = fits.get(region)
    rows = []
    for factor in factors:
        counts = frame.groupby(factor)[model.outcome].agg(["size", "sum"])
        for level, (size, outcomes) in counts.iterrows():
            key, note = (factor, str(level)), region_note
            if own is not None and (key in own.estimates.index or own.references[factor] == level):
                source = region
            else:
                source = NATIONAL
                if own is not None and region != NATIONAL:
                    note = (
                        f"too few {model.outcomes} at this level in the region: national estimate"
                    )
            fit = fits[source]
            if key not in fit.estimates.index and fit.references[factor] != level:
                note = note or (
                    f"fewer than {MIN_LEVEL_EVENTS} {model.outcomes} at the level: no estimate"
                )
            estimate = _estimate(fit, key, model.ratio)
            counted = [int(size), int(outcomes), source, note]
            rows.append(
                [region, factor, str(level), *estimate, *counted, *model.model_columns(fit, factor)]
            )
    return rows


def _estimate(fit: Fit, key: tuple[str, str], ratio: str) -> list[Any]:
    """reference_level, is_reference, the ratio, its interval and p-value."""
    reference = fit.references[key[0]]
    if key[1] == reference:
        return [reference, True, 1.0, None, None, None]
    if key not in fit.estimates.index:  # too rare even nationally: no estimate
        return [reference, False, None, None, None, None]
    row = fit.estimates.loc[key]
    assert isinstance(row, pd.Series)  # the index holds each level once
    return [reference, False, *(stored(row[c]) for c in (ratio, "ci_lower", "ci_upper", "p_value"))]


def replace_estimates(
    settings: Settings, table: str, columns: list[tuple[str, str]], rows: pd.DataFrame
) -> None:
    """Replaces an estimates table's rows in one transaction (created when missing)."""
    with open_warehouse(settings.warehouse_url) as warehouse, warehouse.transaction():
        warehouse.execute("create schema if not exists estimates")
        body = ", ".join(f"{name} {kind}" for name, kind in columns)
        warehouse.execute(f"create table if not exists {table} ({body})")
        warehouse.execute(f"delete from {table}")
        if not rows.empty:
            warehouse.bulk_insert(table, rows)


def run_id(spells: pd.DataFrame, version: str, id_column: str) -> str:
    """The same spells give the same id: it names the data and the model, not the moment (nor
    the pseudonyms the spells' ids come from)."""
    digest = hashlib.sha256(version.encode())
    content = spells.drop(columns=id_column, errors="ignore")
    digest.update(pd.util.hash_pandas_object(content, index=False).to_numpy().tobytes())
    return digest.hexdigest()[:16]


def stored(value: Any) -> float:
    """A statistic to 10 significant digits. Its last binary digits differ between processes
    on the same spells (seen between a Celery task and the command line, in the
    proportional-hazards test), and a rerun has to write the same rows."""
    return float(f"{float(value):.10g}")
