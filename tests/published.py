"""Hand-made rows of the published layer (dbt schema `published`), shaped as its models
publish them: a withheld value is null with `<column>_suppressed` beside it. For the unit
tests of the reports and the dashboard, which read nothing else."""

from __future__ import annotations

from typing import Any

import pandas as pd

from duurzaam.dashboard.data import DashboardData, withheld_as_text

Row = dict[str, Any]

# the pub_region_quarter columns the reports and the dashboard read, with a value each
REGION_QUARTER = {
    "register_total": 1200,
    "register_working": 540,
    "employment_rate": 0.45,
    "placements_started": 60,
    "job_losses": 20,
    "job_to_job_moves": 12,
    "retention_12m": 0.75,
    "retention_12m_cohort": 44,
    "jobs_progress": 0.8,
    "nl_register_total": 250_000,
    "nl_employment_rate": 0.5,
    "nl_placements_started": 9000,
    "nl_job_losses": 3000,
    "nl_job_to_job_moves": 1500,
    "nl_retention_12m": 0.7,
    "nl_jobs_progress": 0.75,
}
UNSUPPRESSED = {"jobs_progress", "nl_jobs_progress"}  # published as it is


def region_quarter(
    code: str,
    quarter: str,
    withheld: dict[str, str] | None = None,
    kind: str = "quarter",
    **values: Any,
) -> Row:
    """A pub_region_quarter row; withheld: column -> the text the layer puts beside it."""
    withheld = withheld or {}
    row: Row = {
        "region_code": code,
        "region_name": f"Regio {code}",
        "quarter": quarter,
        "retention_cohort_kind": kind,
        "jobs_market": 10.0,
        "jobs_government": 2.5,
        "jobs_target": 20,
    }
    for column, value in {**REGION_QUARTER, **values}.items():
        row[column] = None if column in withheld else value
        if column not in UNSUPPRESSED:
            row[f"{column}_suppressed"] = withheld.get(column)
    return row


def survival_rows(
    code: str,
    cohort_quarter: str,
    steps: dict[int, float],
    last_month: int,
    cut_off: int | None = None,
    kind: str = "quarter",
    at_risk: int = 100,
) -> list[Row]:
    """pub_cohort_survival rows of one curve, month 0 to last_month: the survival of the last
    step at or before each month (steps: month -> survival), its interval +-0.05; from
    `cut_off` on withheld ('n<10'); at risk falling by 5 a month."""
    rows = []
    survival, ci = 1.0, (1.0, 1.0)
    for month in range(last_month + 1):
        if month in steps:
            survival = steps[month]
            ci = (survival - 0.05, min(survival + 0.05, 1.0))
        hidden = cut_off is not None and month >= cut_off
        people = at_risk - 5 * month
        rows.append(
            {
                "region_code": code,
                "cohort_quarter": cohort_quarter,
                "cohort_kind": kind,
                "month": month,
                "at_risk": None if people < 10 else people,
                "at_risk_suppressed": "<10" if people < 10 else None,
                "survival": None if hidden else survival,
                "survival_suppressed": "n<10" if hidden else None,
                "ci_lower": None if hidden else ci[0],
                "ci_lower_suppressed": "n<10" if hidden else None,
                "ci_upper": None if hidden else ci[1],
                "ci_upper_suppressed": "n<10" if hidden else None,
                "is_step": month in steps and month > 0 and not hidden,
                "is_observable": True,
            }
        )
    return rows


def effect_row(
    region: str, factor: str, level: str, hr: float | None, events: int = 120, **extra: Any
) -> Row:
    """A pub_retention_effects row: a reference level's ratio published as 1 (its interval
    null, not withheld); an estimate over fewer than 10 job losses withheld ('n<10') with
    its counts ('<10'), unless it is the national model's (model_region_code 'NL')."""
    reference = "vast" if factor == "contractvorm" else "nee"  # an instrument: 'nee'
    is_reference = level == reference
    national_model = extra.get("model_region_code", region) == "NL"
    withheld = events < 10
    estimate = None if withheld and not national_model else hr
    bounded = estimate is not None and not is_reference
    return {
        "region_code": region,
        "factor": factor,
        "level": level,
        "reference_level": reference,
        "is_reference": is_reference,
        "hazard_ratio": 1.0 if is_reference else estimate,
        "hazard_ratio_suppressed": "n<10" if estimate is None and not is_reference else None,
        "hr_ci_lower": hr * 0.8 if bounded and hr is not None else None,
        "hr_ci_upper": hr * 1.25 if bounded and hr is not None else None,
        "spells": None if withheld else 400,
        "spells_suppressed": "<10" if withheld else None,
        "events": None if withheld else events,
        "events_suppressed": "<10" if withheld else None,
        "model_region_code": region,
        "ph_violated": False,
        **extra,
    }


def dashboard_data(**models: list[Row]) -> DashboardData:
    """DashboardData over the given models' rows (as the dashboard reads them: withheld
    values as their text), each split by region."""
    split: dict[str, dict[str, list[Row]]] = {}
    for name, rows in models.items():
        for row in withheld_as_text(rows):
            split.setdefault(name, {}).setdefault(str(row["region_code"]), []).append(row)
    return DashboardData(split)


def frame(rows: list[Row]) -> pd.DataFrame:
    return pd.DataFrame(rows)
