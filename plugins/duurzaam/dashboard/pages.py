"""The figures of each page, as JSON-ready dicts: a region's (or the country's) page and the
page comparing the regions. Numbers stay numbers for the charts; each figure carries its
Dutch text and the number of people behind it. What the published layer withheld stays
withheld: it is shown as the layer publishes it, never recomputed here."""

from __future__ import annotations

from typing import Any

import pandas as pd

from duurzaam.dashboard import show
from duurzaam.dashboard.data import DashboardData
from duurzaam.dashboard.links import NATIONAL
from duurzaam.quarters import Quarter
from duurzaam.reports.content import FACTOR_LABELS, PERSPECTIVES, SPINNENWEB_LABELS

# The measures of the comparison page: column, label, kind, the column of its people.
MEASURES = [
    ("placements_started", "Plaatsingen", "count", None),
    ("job_losses", "Baanverlies", "count", None),
    ("job_to_job_moves", "Van werk naar werk", "count", None),
    ("retention_12m", "Nog aan het werk na 12 maanden", "rate", "retention_12m_cohort"),
    ("employment_rate", "Aandeel werkend (doelgroepregister)", "rate", "register_total"),
    ("jobs_progress", "Banenafspraak: gerealiseerd van het doel", "rate", None),
]


def region_page(data: DashboardData, code: str, name: str) -> dict[str, Any]:
    """Everything one region's page (or the country's, code 'NL') shows, for every quarter,
    cohort, factor and wave the reader can choose."""
    is_national = code == NATIONAL
    national = data.national
    rows = national if is_national else data.part("region_quarter", code).sort_values("quarter")
    cohorts = _cohorts(data.part("survival", code), data.part("survival", NATIONAL))
    return {
        "page": "region",
        "code": code,
        "name": name,
        "is_national": is_national,
        "quarters": [{"id": q, "label": Quarter.parse(q).label_nl} for q in rows["quarter"]],
        "headline": {
            q: _headline(_by_quarter(rows), _by_quarter(national), q, cohorts, is_national)
            for q in rows["quarter"]
        },
        "trend": _trend(rows),
        "cohorts": cohorts,
        "factors": _factors(data.part("factors", code), data.part("factors", NATIONAL)),
        "jobs": _jobs(rows),
        "survey": _survey(data.part("survey", code), data.part("survey", NATIONAL), code),
        "followup": _followup(data.part("followup", code)),
        "effects": None if data.effects is None else _effects(data.part("effects", code)),
    }


def _by_quarter(rows: pd.DataFrame) -> dict[str, dict]:
    return {str(row["quarter"]): row for row in rows.to_dict("records")}


def _headline(
    rows: dict[str, dict],
    national: dict[str, dict],
    quarter: str,
    cohorts: dict[str, dict],
    is_national: bool,
) -> list[dict]:
    """The headline figures of a quarter, the country's value beside each. Retention is
    that of the cohort placed a year earlier: the latest with 12 months observed."""
    row, nl = rows[quarter], national[quarter]
    cohort_quarter = str(Quarter.parse(quarter) - 4)
    cohort, nl_cohort = rows.get(cohort_quarter), national.get(cohort_quarter)
    # the country's cohort size: its Kaplan-Meier curve's start (as the page writes it)
    cohort_people = cohorts.get(cohort_quarter, {}).get("people_text")

    def figure(label: str, kind: str, column: str, people: Any = None, **extra: Any) -> dict:
        source, nl_source = extra.pop("rows", (row, nl))
        value = None if source is None else source[column]
        nl_value = None if nl_source is None else nl_source[column]
        return {
            "key": column,
            "label": label,
            "value": show.figure(value, kind),
            "national": None if is_national else show.figure(nl_value, kind),
            "people": show.people(people),
            **extra,
        }

    jobs = show.add(row["jobs_market"], row["jobs_government"])
    retention_people = (
        cohort_people if is_national or cohort is None else cohort["retention_12m_cohort"]
    )
    return [
        figure("Mensen in het doelgroepregister", "count", "register_total"),
        figure(
            "Aandeel werkend (doelgroepregister)",
            "rate",
            "employment_rate",
            row["register_total"],
        ),
        figure("Plaatsingen (nieuwe werkperiodes)", "count", "placements_started"),
        figure("Baanverlies", "count", "job_losses"),
        figure("Van werk naar werk", "count", "job_to_job_moves"),
        figure(
            "Nog aan het werk na 12 maanden",
            "rate",
            "retention_12m",
            retention_people,
            rows=(cohort, nl_cohort),
            note=f"van wie in {Quarter.parse(cohort_quarter).label_nl} begon",
        ),
        figure(
            "Banenafspraak: gerealiseerd van het doel",
            "rate",
            "jobs_progress",
            note=f"{show.number(jobs)} banen van 25,5 uur" if jobs is not None else None,
        ),
    ]


def _trend(rows: pd.DataFrame) -> dict[str, list]:
    """Placements and job losses over every loaded quarter."""
    return {
        "labels": [Quarter.parse(q).label_nl for q in rows["quarter"]],
        "quarters": list(rows["quarter"]),
        "placements": [show.count_point(v) for v in rows["placements_started"]],
        "job_losses": [show.count_point(v) for v in rows["job_losses"]],
        "job_to_job": [show.count_point(v) for v in rows["job_to_job_moves"]],
    }


def _curve(rows: pd.DataFrame) -> list[dict]:
    return [
        {
            "month": int(r["month"]),
            "survival": show.rate_value(r["survival"]),
            "lower": show.rate_value(r["ci_lower"]),
            "upper": show.rate_value(r["ci_upper"]),
            "at_risk": show.count(r["at_risk"]),
        }
        for r in rows.sort_values("month").to_dict("records")
        if show.rate_value(r["survival"]) is not None
    ]


def _cohorts(own: pd.DataFrame, national: pd.DataFrame) -> dict[str, dict]:
    """Per cohort quarter: the region's Kaplan-Meier curve with its interval, the country's
    beside it, and how many people started (at risk in month 0)."""
    own = own[own["is_observable"].astype(bool)]
    national = national[national["is_observable"].astype(bool)]
    cohorts = {}
    for cohort in sorted(set(own["cohort_quarter"]) | set(national["cohort_quarter"])):
        region = own[own["cohort_quarter"] == cohort]
        start = region[region["month"] == 0]["at_risk"]
        cohorts[str(cohort)] = {
            "label": Quarter.parse(str(cohort)).label_nl,
            "people_text": show.people(None if start.empty else start.iloc[0]),
            "region": _curve(region),
            "national": _curve(national[national["cohort_quarter"] == cohort]),
        }
    return cohorts


def _factors(own: pd.DataFrame, national: pd.DataFrame) -> dict[str, dict]:
    """Per factor: each level's retention at 12 months with its interval and number of
    placements, the country's beside it."""
    nl = {(r["factor"], r["level"]): r["retention_12m"] for r in national.to_dict("records")}
    result = {}
    for factor, levels in own.groupby("factor", sort=True):
        result[str(factor)] = {
            "label": FACTOR_LABELS.get(str(factor), str(factor)),
            "levels": [
                {
                    "level": str(level["level"]),
                    "retention": show.rate_value(level["retention_12m"]),
                    "lower": show.rate_value(level["retention_12m_ci_lower"]),
                    "upper": show.rate_value(level["retention_12m_ci_upper"]),
                    "text": show.figure(level["retention_12m"], "rate"),
                    "people": show.people(level["spells"]),
                    "national": show.rate_value(nl.get((factor, level["level"]))),
                }
                for level in levels.sort_values("level").to_dict("records")
            ],
        }
    return result


def _jobs(rows: pd.DataFrame) -> dict[str, list]:
    return {
        "labels": [Quarter.parse(q).label_nl for q in rows["quarter"]],
        "market": [show.number_value(v) for v in rows["jobs_market"]],
        "government": [show.number_value(v) for v in rows["jobs_government"]],
        "target": [show.number_value(v) for v in rows["jobs_target"]],
        "progress": [show.figure(v, "rate") for v in rows["jobs_progress"]],
    }


def _survey(own: pd.DataFrame, national: pd.DataFrame, code: str) -> dict[str, dict]:
    """Per wave: the Spinnenweb per perspective (the region's and the country's), the
    respondents and the share employing someone from the target group."""
    waves: dict[str, dict] = {}
    chosen = own if code == NATIONAL else pd.concat([own, national])
    for (wave, region, perspective), rows in chosen.groupby(
        ["wave", "region_code", "perspective"], sort=True
    ):
        row = rows.iloc[0]
        entry = waves.setdefault(
            str(wave),
            {
                "label": Quarter.parse(str(wave)).label_nl,
                "elements": list(SPINNENWEB_LABELS.values()),
                "webs": [],
                "respondents": [],
            },
        )
        name = PERSPECTIVES.get(str(perspective), str(perspective))
        if region == NATIONAL and code != NATIONAL:
            name = f"{name} (Nederland)"
        scores = [show.score(row[f"spinnenweb_{element}_mean"]) for element in SPINNENWEB_LABELS]
        entry["respondents"].append(
            {
                "name": name,
                "people": show.people(row["respondents"]),
                "employing": show.figure(row["employing_share"], "rate"),
            }
        )
        if any(score is not None for score in scores):
            entry["webs"].append({"name": name, "scores": scores, "national": region != code})
    return waves


def _followup(rows: pd.DataFrame) -> list[dict]:
    return [
        {
            "wave": f"T{int(r['wave_number'])}",
            "role": str(r["labour_expert_role"]),
            "followed": show.people(r["placements_followed"]),
            "employed": show.people(r["still_employed"]),
            "retention": show.figure(r["retention_to_next_wave"], "rate"),
        }
        for r in rows.sort_values(["wave_number", "labour_expert_role"]).to_dict("records")
    ]


def _effects(rows: pd.DataFrame) -> list[dict]:
    """The adjusted effects of the published layer, as its rows are."""
    return [
        {str(column): show.plain(value) for column, value in row.items()}
        for row in rows.to_dict("records")
    ]


def compare_page(data: DashboardData) -> dict[str, Any]:
    """Every region on each measure, per quarter, with the country's value."""
    national = data.national
    quarters = data.quarters
    measures = []
    for column, label, kind, people_column in MEASURES:
        per_quarter = {}
        for quarter in quarters:
            rows = data.region_quarter[data.region_quarter["quarter"] == quarter]
            nl = _by_quarter(national).get(quarter)
            per_quarter[quarter] = {
                "national": show.figure(None if nl is None else nl[column], kind),
                "national_value": show.value(None if nl is None else nl[column], kind),
                "regions": [
                    {
                        "code": r["region_code"],
                        "name": r["region_name"],
                        "value": show.value(r[column], kind),
                        "text": show.figure(r[column], kind),
                        "people": show.people(r[people_column] if people_column else r[column]),
                    }
                    for r in rows.sort_values("region_code").to_dict("records")
                ],
            }
        measures.append({"key": column, "label": label, "kind": kind, "quarters": per_quarter})
    return {
        "page": "compare",
        "quarters": [{"id": q, "label": Quarter.parse(q).label_nl} for q in quarters],
        "measures": measures,
    }
