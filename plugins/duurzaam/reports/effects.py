"""The adjusted effects in a region's report (pub_retention_effects): per factor level the
hazard ratio of a job loss with the other factors held equal, nationally and, where the
region has its own estimate from enough job losses, regionally, with their intervals. And
the rule every comparison sentence follows: "hoger" or "lager" only when the interval
excludes the other value."""

from __future__ import annotations

from typing import Any, Protocol

import pandas as pd

from duurzaam.publication.labels import NATIONAL, level_label, percentage

SECTION = "Effecten na correctie"


class Disclosure(Protocol):
    """What this module needs of content.Disclosure: a row's value, or None when it is
    withheld (noted under `section`)."""

    def value(
        self, row: Any, column: str, section: str | None = None, what: str = ""
    ) -> float | None: ...


REFERENCE = "1 (referentie)"
NATIONAL_ESTIMATE = "landelijke schatting"


def effects_content(
    effects: pd.DataFrame, region_code: str, labels: dict[str, str], d: Disclosure
) -> dict[str, Any]:
    """Per factor level, the national estimate and the region's own (where it has a model of
    its own and the layer shows the estimate), with their texts for the report's table: a
    reference level is 1 by definition, a region on the national model shows the national
    estimate, named as such. And whether the region has a model of its own, and which
    factors fail the proportional-hazards check. The forest plot draws the rows that are not
    a reference."""
    if effects.empty:
        return {"rows": [], "own_model": False, "changing": []}
    national = effects[effects["region_code"] == NATIONAL].set_index(["factor", "level"])
    regional = effects[effects["region_code"] == region_code].set_index(["factor", "level"])
    rows = []
    for factor, label in labels.items():
        if factor not in national.index.get_level_values("factor"):
            continue
        for level, nl in national.loc[factor].sort_index().iterrows():
            reference = bool(nl["is_reference"])
            if not reference and _missing(nl["hazard_ratio"]) and _marker(nl) is None:
                continue  # not estimated (a level without spells)
            name = (
                f"{label}: {level_label(level)} (referentie)"
                if reference
                else f"{label}: {level_label(level)} (t.o.v. {level_label(nl['reference_level'])})"
            )
            key = (factor, str(level))
            own = _own_row(regional, key, region_code)
            national_estimate = None if reference else _estimate(nl, d, f"{name}, Nederland")
            region_estimate = None if reference or own is None else _estimate(own, d, name)
            rows.append(
                {
                    "label": name,
                    "reference": reference,
                    "national": national_estimate,
                    "region": region_estimate,
                    "national_text": REFERENCE if reference else _text(nl, national_estimate),
                    "region_text": (
                        REFERENCE
                        if reference
                        else _text(own, region_estimate)
                        if own is not None
                        else NATIONAL_ESTIMATE
                        if key in regional.index
                        else "–"
                    ),
                }
            )
    own_rows = regional[regional["model_region_code"] == region_code]
    flagged = regional if not own_rows.empty else national
    changing = sorted(
        {
            labels[f]
            for f in flagged.loc[
                flagged["ph_violated"].fillna(False).astype(bool)
            ].index.get_level_values("factor")
            if f in labels
        }
    )
    return {"rows": rows, "own_model": not own_rows.empty, "changing": changing}


def forest_rows(effects: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows the forest plot draws: estimated levels (a reference is 1 by definition)
    with at least one estimate shown."""
    return [
        row
        for row in effects["rows"]
        if not row["reference"] and (row["national"] is not None or row["region"] is not None)
    ]


def _own_row(regional: pd.DataFrame, key: tuple[str, str], region_code: str) -> pd.Series | None:
    """The region's row of the level when its estimate is the region's own (not the
    national model's)."""
    if key not in regional.index:
        return None
    row = regional.loc[key]
    assert isinstance(row, pd.Series)  # one row per factor and level
    return row if row["model_region_code"] == region_code else None


def _estimate(row: pd.Series, d: Disclosure, what: str) -> dict[str, float] | None:
    """The hazard ratio with its interval, where the layer shows all three (a withheld
    estimate, over fewer job losses than the threshold, is noted)."""
    if d.value(row, "hazard_ratio", SECTION, what) is None:
        return None
    bounds = (row["hr_ci_lower"], row["hr_ci_upper"])
    if any(_missing(bound) for bound in bounds):
        return None
    return {"hr": float(row["hazard_ratio"]), "lower": float(bounds[0]), "upper": float(bounds[1])}


def _text(row: pd.Series, estimate: dict[str, float] | None) -> str:
    """'0,70 (0,56–0,88)', or what the layer shows in place of a withheld estimate."""
    if estimate is not None:
        return f"{_ratio(estimate['hr'])} ({_ratio(estimate['lower'])}–{_ratio(estimate['upper'])})"
    return _marker(row) or "–"


def _ratio(value: float) -> str:
    return f"{value:.2f}".replace(".", ",")


def _marker(row: pd.Series) -> str | None:
    marker = row.get("hazard_ratio_suppressed")
    return None if _missing(marker) else str(marker)


def _missing(value: Any) -> bool:
    return value is None or bool(pd.isna(value))


def compare(value: float, lower: float | None, upper: float | None, other: float) -> str | None:
    """'hoger dan' or 'lager dan' when the 95% interval [lower, upper] of `value` excludes
    `other`; None when it does not (or there is no interval): no measurable difference."""
    if pd.isna(other) or lower is None or upper is None or pd.isna(lower) or pd.isna(upper):
        return None
    if lower > other:
        return "hoger dan"
    if upper < other:
        return "lager dan"
    return None


def retention_sentence(
    cohort_phrase: str,
    people: str | None,
    region: str,
    interval: tuple[float, float] | None,
    difference: str | None,
    national: str | None,
    national_cohort: str | None = None,
) -> str:
    """The summary's sentence on 12-month retention of the people who started in the
    cohort ('in 2023-K2', 'tussen 2022-K3 en 2023-K2'), with the number of people behind
    it, against the country only where its rate is shown (`national`, of the people who
    started `national_cohort` when that is another cohort), claiming a difference only when
    the interval carries it."""
    bounds = (
        f" (95%-interval {percentage(interval[0])} tot {percentage(interval[1])})"
        if interval
        else ""
    )
    who = f"Van de {people} mensen" if people else "Van de mensen"
    opening = f"{who} die {cohort_phrase} begonnen, werkt na 12 maanden nog {region}{bounds}"
    if national is None:
        return f"{opening}."
    country = f"het landelijke {national}"
    if national_cohort:
        country += f" (van wie {national_cohort} begon)"
    if difference:
        return f"{opening}: {difference} {country}."
    return f"{opening}; dat verschilt niet meetbaar van {country}."
