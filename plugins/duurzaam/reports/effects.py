"""The adjusted effects in a region's report (pub_retention_effects): per factor level the
hazard ratio of a job loss with the other factors held equal, nationally and, where the
region has its own estimate from enough job losses, regionally, with their intervals. And
the rule every comparison sentence follows: "hoger" or "lager" only when the interval
excludes the other value."""

from __future__ import annotations

from typing import Any, Protocol

import pandas as pd

from duurzaam.privacy import percentage
from duurzaam.reports.data import NATIONAL

SECTION = "Effecten na correctie"


class Disclosure(Protocol):
    """What this module needs of content.Disclosure: a row's value, or None when it is
    withheld (noted under `section`)."""

    def value(
        self, row: Any, column: str, section: str | None = None, what: str = ""
    ) -> float | None: ...


def effects_content(
    effects: pd.DataFrame, region_code: str, labels: dict[str, str], d: Disclosure
) -> dict[str, Any]:
    """The forest plot's rows (estimated levels, factor by factor) and what the report says
    about them: whether the region has a model of its own and which factors fail the
    proportional-hazards check."""
    if effects.empty:
        return {"rows": [], "own_model": False, "changing": []}
    national = effects[effects["region_code"] == NATIONAL].set_index(["factor", "level"])
    regional = effects[effects["region_code"] == region_code].set_index(["factor", "level"])
    rows = []
    for factor, label in labels.items():
        if factor not in national.index.get_level_values("factor"):
            continue
        for level, nl in national.loc[factor].sort_index().iterrows():
            if nl["is_reference"] or pd.isna(nl["hazard_ratio"]):
                continue
            name = f"{label}: {level} (t.o.v. {nl['reference_level']})"
            rows.append(
                {
                    "label": name,
                    "national": _interval(nl),
                    "region": _regional(regional, (factor, str(level)), region_code, name, d),
                }
            )
    own = regional[regional["model_region_code"] == region_code]
    flagged = regional if not own.empty else national
    changing = sorted(
        {
            labels[f]
            for f in flagged.loc[
                flagged["ph_violated"].fillna(False).astype(bool)
            ].index.get_level_values("factor")
            if f in labels
        }
    )
    return {"rows": rows, "own_model": not own.empty, "changing": changing}


def _regional(
    regional: pd.DataFrame, key: tuple[str, str], region_code: str, name: str, d: Disclosure
) -> dict[str, float] | None:
    """The region's own estimate, when it has one and enough job losses at the level to
    show it (the national estimate it otherwise carries is shown as national only)."""
    if key not in regional.index:
        return None
    row = regional.loc[key]
    assert isinstance(row, pd.Series)  # one row per factor and level
    if row["model_region_code"] != region_code:
        return None
    if d.value(row, "hazard_ratio", SECTION, name) is None:  # too few job losses to show
        return None
    return _interval(row)


def _interval(row: pd.Series) -> dict[str, float]:
    return {
        "hr": float(row["hazard_ratio"]),
        "lower": float(row["hr_ci_lower"]),
        "upper": float(row["hr_ci_upper"]),
    }


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
    cohort_label: str,
    people: str,
    region: str,
    interval: tuple[float, float] | None,
    difference: str | None,
    national: str,
) -> str:
    """The summary's sentence on 12-month retention against the country, claiming a
    difference only when the interval carries it, with the number of people behind it."""
    bounds = (
        f" (95%-interval {percentage(interval[0])} tot {percentage(interval[1])})"
        if interval
        else ""
    )
    opening = (
        f"Van de {people} mensen die in {cohort_label} begonnen, werkt na 12 maanden nog "
        f"{region}{bounds}"
    )
    if difference:
        return f"{opening}: {difference} het landelijke {national}."
    return f"{opening}; dat verschilt niet meetbaar van het landelijke {national}."
