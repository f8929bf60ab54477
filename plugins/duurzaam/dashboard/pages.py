"""The figures of each page, as JSON-ready dicts: a region's (or the country's) page and the
page comparing the regions. Numbers stay numbers for the charts; each figure carries its
Dutch text and the number of people behind it. What the published layer withheld stays
withheld: it is shown as the layer publishes it, never recomputed here."""

from __future__ import annotations

from typing import Any

from duurzaam.dashboard import show
from duurzaam.dashboard.data import DashboardData, Row
from duurzaam.dashboard.effects import effects_table
from duurzaam.dashboard.moves import moves_section
from duurzaam.publication.cohorts import (
    QUARTER,
    ROLLING_YEAR,
    WHY_ROLLING,
    cohort_kind,
    cohort_label,
    cohort_phrase,
    is_rolling,
    published_curve,
)
from duurzaam.publication.labels import (
    FACTOR_LABELS,
    NATIONAL,
    PERSPECTIVES,
    SPINNENWEB_LABELS,
    level_label,
)
from duurzaam.quarters import Quarter

RETENTION_COHORT = "retention_12m_cohort"  # the people behind a retention rate
# The measures of the comparison page: column, label, kind, the column of the people behind
# it (a count is its own; the jobs agreement counts jobs, not people: none).
MEASURES = [
    ("placements_started", "Plaatsingen", "count", "placements_started"),
    ("job_losses", "Baanverlies", "count", "job_losses"),
    ("job_to_job_moves", "Van werk naar werk", "count", "job_to_job_moves"),
    ("retention_12m", "Nog aan het werk na 12 maanden", "rate", RETENTION_COHORT),
    ("employment_rate", "Aandeel werkend (doelgroepregister)", "rate", "register_total"),
    ("jobs_progress", "Banenafspraak: gerealiseerd van het doel", "rate", None),
]


def region_page(data: DashboardData, code: str, name: str) -> dict[str, Any]:
    """Everything one region's page (or the country's, code 'NL') shows, for every quarter,
    cohort, factor and wave the reader can choose."""
    is_national = code == NATIONAL
    rows = data.national if is_national else data.part("region_quarter", code)
    rows = sorted(rows, key=lambda r: r["quarter"])
    by_quarter = {str(r["quarter"]): r for r in rows}
    national = {str(r["quarter"]): r for r in data.national}
    cohorts = _cohorts(
        data.part("survival", code),
        data.part("survival", NATIONAL),
        None if is_national else name,
    )
    return {
        "page": "region",
        "code": code,
        "name": name,
        "is_national": is_national,
        "quarters": quarters(list(by_quarter)),
        "headline": {
            q: _headline(by_quarter, national, q, cohorts, is_national) for q in by_quarter
        },
        "trend": _trend(rows),
        "cohorts": cohorts,
        "factors": _factors(data.part("factors", code), data.part("factors", NATIONAL)),
        "jobs": _jobs(rows),
        "survey": _survey(data.part("survey", code), data.part("survey", NATIONAL), code),
        "followup": _followup(data.part("followup", code)),
        "effects": effects_table(data.part("effects", code), data.part("effects", NATIONAL)),
        "moves": moves_section(data, code),
    }


def quarters(ids: list[str]) -> list[dict[str, str]]:
    """The quarters a reader chooses from: 2024-K2, its days, its last day."""
    return [
        {
            "id": q,
            "label": Quarter.parse(q).label_nl,
            "period": show.period(q),
            "last_day": show.day(Quarter.parse(q).end),
        }
        for q in ids
    ]


def _headline(
    rows: dict[str, Row],
    national: dict[str, Row],
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
        return {
            "key": column,
            "label": label,
            "value": show.figure(None if source is None else source.get(column), kind),
            "national": None
            if is_national
            else show.figure(None if nl_source is None else nl_source.get(column), kind),
            "people": show.people(people),
            **extra,
        }

    jobs = show.add(row["jobs_market"], row["jobs_government"])
    retention_people = (
        cohort_people if is_national or cohort is None else cohort["retention_12m_cohort"]
    )
    kind = QUARTER if cohort is None else cohort.get("retention_cohort_kind")
    retention_note = f"van wie {cohort_phrase(cohort_quarter, kind)} begon"
    if is_rolling(kind):
        retention_note += (
            f" ({WHY_ROLLING}); landelijk van wie {cohort_phrase(cohort_quarter, QUARTER)} begon"
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
            note=retention_note,
        ),
        figure(
            "Banenafspraak: gerealiseerd van het doel",
            "rate",
            "jobs_progress",
            note=f"{show.number(jobs)} banen van 25,5 uur" if jobs is not None else None,
        ),
    ]


def _trend(rows: list[Row]) -> dict[str, list]:
    """Placements, job losses and job-to-job moves over every loaded quarter."""
    return {
        "labels": [Quarter.parse(r["quarter"]).label_nl for r in rows],
        "quarters": [r["quarter"] for r in rows],
        "placements": [show.count_point(r["placements_started"]) for r in rows],
        "job_losses": [show.count_point(r["job_losses"]) for r in rows],
        "job_to_job": [show.count_point(r["job_to_job_moves"]) for r in rows],
    }


def _curve(rows: list[Row]) -> list[dict]:
    """A Kaplan-Meier curve as far as the published layer shows it, as its steps (the start,
    each step, the last month shown; drawn as a step line, never interpolated), with the
    people still followed as the layer rounds them."""
    return [
        {
            "month": int(r["month"]),
            "survival": show.rate_value(r["survival"]),
            "lower": show.rate_value(r["ci_lower"]),
            "upper": show.rate_value(r["ci_upper"]),
            "at_risk": show.rounded(r["at_risk"]),
        }
        for r in published_curve(rows)
    ]


def _cohorts(own: list[Row], national: list[Row], name: str | None) -> dict[str, dict]:
    """Per cohort quarter: the region's Kaplan-Meier curve with its interval (of the rolling
    year up to that quarter where a quarter's cohort is too small), the country's beside it,
    how many people started (at risk in month 0, rounded) and what the page says about it.
    name: the region's, None on the country's page."""
    own = [r for r in own if r["is_observable"]]
    national = [r for r in national if r["is_observable"]]
    cohorts = {}
    for cohort in sorted({str(r["cohort_quarter"]) for r in own + national}):
        region = [r for r in own if r["cohort_quarter"] == cohort]
        kind = cohort_kind(region)
        start = [r["at_risk"] for r in region if r["month"] == 0]
        people = show.rounded(start[0] if start else None)
        note = f"Mensen die {cohort_phrase(cohort, kind)} aan een baan begonnen (n = {people})"
        if is_rolling(kind):
            note += f"; {WHY_ROLLING}"
        if name is not None and not region:
            note = f"{name}: geen eigen curve voor dit cohort. Nederland: wie "
            note += f"{cohort_phrase(cohort, QUARTER)} begon"
        elif name is not None:
            note = f"{name}: {note[0].lower()}{note[1:]}. Nederland: wie "
            note += f"{cohort_phrase(cohort, QUARTER)} begon"
        cohorts[cohort] = {
            "label": cohort_label(cohort, kind),
            "people_text": people,
            "note": note
            + ". Het aandeel dat na elk aantal maanden nog werkt, met 95%-betrouwbaarheids"
            "interval. De curve daalt alleen in stappen van minstens 10 mensen die hun baan "
            "verloren, en stopt waar te weinig mensen gevolgd worden; het aantal gevolgden "
            "is afgerond op 5.",
            "region": _curve(region),
            "national": _curve([r for r in national if r["cohort_quarter"] == cohort]),
        }
    return cohorts


def _factors(own: list[Row], national: list[Row]) -> dict[str, dict]:
    """Per factor: each level's retention at 12 months with its interval and number of
    placements, the country's beside it."""
    nl = {(r["factor"], r["level"]): r["retention_12m"] for r in national}
    result: dict[str, dict] = {}
    for level in sorted(own, key=lambda r: (r["factor"], str(r["level"]))):
        factor = str(level["factor"])
        entry = result.setdefault(
            factor, {"label": FACTOR_LABELS.get(factor, factor), "levels": []}
        )
        entry["levels"].append(
            {
                "level": level_label(level["level"]),
                "retention": show.rate_value(level["retention_12m"]),
                "lower": show.rate_value(level["retention_12m_ci_lower"]),
                "upper": show.rate_value(level["retention_12m_ci_upper"]),
                "text": show.figure(level["retention_12m"], "rate"),
                "people": show.people(level["spells"]),
                "national": show.rate_value(nl.get((level["factor"], level["level"]))),
            }
        )
    return result


def _jobs(rows: list[Row]) -> dict[str, list]:
    return {
        "labels": [Quarter.parse(r["quarter"]).label_nl for r in rows],
        "market": [show.number_value(r["jobs_market"]) for r in rows],
        "government": [show.number_value(r["jobs_government"]) for r in rows],
        "target": [show.number_value(r["jobs_target"]) for r in rows],
        "progress": [show.figure(r["jobs_progress"], "rate") for r in rows],
    }


def _survey(own: list[Row], national: list[Row], code: str) -> dict[str, dict]:
    """Per wave: the Spinnenweb per perspective (the region's and the country's), the
    respondents and the share employing someone from the target group."""
    waves: dict[str, dict] = {}
    chosen = own if code == NATIONAL else own + national
    for row in sorted(
        chosen, key=lambda r: (r["wave"], r["region_code"] != code, r["perspective"])
    ):
        wave = str(row["wave"])
        entry = waves.setdefault(
            wave,
            {
                "label": Quarter.parse(wave).label_nl,
                "elements": list(SPINNENWEB_LABELS.values()),
                "webs": [],
                "respondents": [],
            },
        )
        is_own = row["region_code"] == code
        name = PERSPECTIVES.get(str(row["perspective"]), str(row["perspective"]))
        if not is_own:
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
            entry["webs"].append({"name": name, "scores": scores, "national": not is_own})
    return waves


def _followup(rows: list[Row]) -> list[dict]:
    return [
        {
            "wave": f"T{int(r['wave_number'])}",
            "role": str(r["labour_expert_role"]),
            "followed": show.people(r["placements_followed"]),
            "employed": show.people(r["still_employed"]),
            "retention": show.figure(r["retention_to_next_wave"], "rate"),
        }
        for r in sorted(rows, key=lambda r: (r["wave_number"], r["labour_expert_role"]))
    ]


def compare_page(data: DashboardData) -> dict[str, Any]:
    """Every region on each measure, per quarter, with the country's value."""
    national = {str(r["quarter"]): r for r in data.national}
    regions = sorted(data.all("region_quarter"), key=lambda r: r["region_code"])
    measures = []
    for column, label, kind, people_column in MEASURES:
        per_quarter = {}
        for quarter in data.quarters:
            nl = national[quarter]
            per_quarter[quarter] = {
                "national": show.figure(nl[column], kind),
                "national_value": show.value(nl[column], kind),
                "regions": [
                    {
                        "code": r["region_code"],
                        "name": r["region_name"],
                        "value": show.value(r[column], kind),
                        "text": show.figure(r[column], kind),
                        "people": show.people(r[people_column] if people_column else None),
                        # a rate of the rolling year up to the quarter (a small region)
                        "cohort": (
                            cohort_label(quarter, ROLLING_YEAR)
                            if people_column == RETENTION_COHORT
                            and is_rolling(r.get("retention_cohort_kind"))
                            else None
                        ),
                    }
                    for r in regions
                    if r["quarter"] == quarter
                ],
            }
        measures.append({"key": column, "label": label, "kind": kind, "quarters": per_quarter})
    return {
        "page": "compare",
        "quarters": quarters(data.quarters),
        "measures": measures,
    }
