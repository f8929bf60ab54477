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

NATIONAL_NAME = "Nederland"

# The measures of the comparison page: column, label, kind, the column of its people.
MEASURES = [
    ("placements_started", "Plaatsingen", "count", None),
    ("job_losses", "Baanverlies", "count", None),
    ("job_to_job_moves", "Van werk naar werk", "count", None),
    ("retention_12m", "Nog aan het werk na 12 maanden", "rate", "retention_12m_cohort"),
    ("employment_rate", "Aandeel werkend (doelgroepregister)", "rate", "register_total"),
    ("jobs_progress", "Banenafspraak: gerealiseerd van het doel", "rate", None),
]


def national_quarters(region_quarter: pd.DataFrame) -> pd.DataFrame:
    """The country's row per quarter in the shape of a region's: the nl_ columns beside
    every region row, and the sums over the regions where the model has no nl_ column."""
    first = region_quarter.sort_values("region_code").drop_duplicates("quarter")
    national = pd.DataFrame({"quarter": first["quarter"].to_numpy()})
    for column in region_quarter.columns:
        if column.startswith("nl_"):
            national[column.removeprefix("nl_")] = first[column].to_numpy()
    columns = ["jobs_market", "jobs_government", "jobs_target"]
    numbers = region_quarter[columns].apply(pd.to_numeric, errors="coerce")  # withheld: NaN
    jobs = numbers.groupby(region_quarter["quarter"], sort=True).sum(min_count=1)
    national = national.merge(jobs, left_on="quarter", right_index=True, how="left")
    national["region_code"], national["region_name"] = NATIONAL, NATIONAL_NAME
    return national.sort_values("quarter").reset_index(drop=True)


def region_page(data: DashboardData, code: str, name: str) -> dict[str, Any]:
    """Everything one region's page (or the country's, code 'NL') shows, for every quarter,
    cohort, factor and wave the reader can choose."""
    is_national = code == NATIONAL
    national = national_quarters(data.region_quarter)
    rows = (
        national
        if is_national
        else data.region_quarter[data.region_quarter["region_code"] == code].sort_values("quarter")
    )
    cohorts = _cohorts(data.survival, code)
    return {
        "page": "region",
        "code": code,
        "name": name,
        "is_national": is_national,
        "quarters": [{"id": q, "label": Quarter.parse(q).label_nl} for q in rows["quarter"]],
        "headline": {
            q: _headline(rows, national, q, cohorts, is_national) for q in rows["quarter"]
        },
        "trend": _trend(rows),
        "cohorts": cohorts,
        "factors": _factors(data.factors, code),
        "jobs": _jobs(rows),
        "survey": _survey(data.survey, code),
        "followup": _followup(data.followup, code),
        "effects": _effects(data.effects, code),
    }


def _at(rows: pd.DataFrame, quarter: str) -> pd.Series | None:
    found = rows[rows["quarter"] == quarter]
    return None if found.empty else found.iloc[0]


def _headline(
    rows: pd.DataFrame,
    national: pd.DataFrame,
    quarter: str,
    cohorts: dict[str, dict],
    is_national: bool,
) -> list[dict]:
    """The headline figures of a quarter, the country's value beside each. Retention is
    that of the cohort placed a year earlier: the latest with 12 months observed."""
    row, nl = _at(rows, quarter), _at(national, quarter)
    assert row is not None and nl is not None  # quarters come from these rows
    cohort_quarter = str(Quarter.parse(quarter) - 4)
    cohort, nl_cohort = _at(rows, cohort_quarter), _at(national, cohort_quarter)
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
        for _, r in rows.sort_values("month").iterrows()
        if show.rate_value(r["survival"]) is not None
    ]


def _cohorts(survival: pd.DataFrame, code: str) -> dict[str, dict]:
    """Per cohort quarter: the region's Kaplan-Meier curve with its interval, the country's
    beside it, and how many people started (at risk in month 0)."""
    observed = survival[survival["is_observable"].astype(bool)]
    cohorts = {}
    for cohort, rows in observed.groupby("cohort_quarter", sort=True):
        own = rows[rows["region_code"] == code]
        start = own[own["month"] == 0]["at_risk"]
        cohorts[str(cohort)] = {
            "label": Quarter.parse(str(cohort)).label_nl,
            "people_text": show.people(None if start.empty else start.iloc[0]),
            "region": _curve(own),
            "national": _curve(rows[rows["region_code"] == NATIONAL]),
        }
    return cohorts


def _factors(factors: pd.DataFrame, code: str) -> dict[str, dict]:
    """Per factor: each level's retention at 12 months with its interval and number of
    placements, the country's beside it."""
    national = factors[factors["region_code"] == NATIONAL].set_index(["factor", "level"])
    result = {}
    own = factors[factors["region_code"] == code]
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
                    "national": show.rate_value(
                        national.loc[(factor, level["level"]), "retention_12m"]
                        if (factor, level["level"]) in national.index
                        else None
                    ),
                }
                for _, level in levels.sort_values("level").iterrows()
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


def _survey(survey: pd.DataFrame, code: str) -> dict[str, dict]:
    """Per wave: the Spinnenweb per perspective (the region's and the country's), the
    respondents and the share employing someone from the target group."""
    waves: dict[str, dict] = {}
    chosen = survey[survey["region_code"].isin([code, NATIONAL])]
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


def _followup(followup: pd.DataFrame, code: str) -> list[dict]:
    rows = followup[followup["region_code"] == code]
    return [
        {
            "wave": f"T{int(r['wave_number'])}",
            "role": str(r["labour_expert_role"]),
            "followed": show.people(r["placements_followed"]),
            "employed": show.people(r["still_employed"]),
            "retention": show.figure(r["retention_to_next_wave"], "rate"),
        }
        for _, r in rows.sort_values(["wave_number", "labour_expert_role"]).iterrows()
    ]


def _effects(effects: pd.DataFrame | None, code: str) -> list[dict] | None:
    """The adjusted effects of the published layer, as its rows are (None until it has
    them)."""
    if effects is None:
        return None
    rows = effects[effects["region_code"] == code]
    return [
        {column: show.plain(value) for column, value in row.items()} for _, row in rows.iterrows()
    ]


def compare_page(data: DashboardData) -> dict[str, Any]:
    """Every region on each measure, per quarter, with the country's value."""
    national = national_quarters(data.region_quarter)
    quarters = data.quarters
    measures = []
    for column, label, kind, people_column in MEASURES:
        per_quarter = {}
        for quarter in quarters:
            rows = data.region_quarter[data.region_quarter["quarter"] == quarter]
            nl = _at(national, quarter)
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
                    for _, r in rows.sort_values("region_code").iterrows()
                ],
            }
        measures.append({"key": column, "label": label, "kind": kind, "quarters": per_quarter})
    return {
        "page": "compare",
        "quarters": [{"id": q, "label": Quarter.parse(q).label_nl} for q in quarters],
        "measures": measures,
    }
