"""What the attacker knows: the definitions of the published tables, one line per fact.

A fact whose columns a table lacks is skipped (logged at debug level), so the same spec
serves the current schema and an older one. The kinds are in
duurzaam.transform.disclosure.relations;
every relation here holds exactly on the marts (tests/integration/test_disclosure.py checks
them there)."""

from __future__ import annotations

from dataclasses import dataclass, field

from duurzaam.publication.labels import NATIONAL
from duurzaam.transform.disclosure.employer_relations import (
    PartOfElsewhere,
    quarter_of,
    region_benchmark,
    region_quarter,
    sector_size_benchmark,
)
from duurzaam.transform.disclosure.members import KnownMembers
from duurzaam.transform.disclosure.relations import (
    AnswerShares,
    EachPart,
    EqualElsewhere,
    GroupSum,
    QuarterChain,
    RatePair,
    Relation,
    RollingSum,
    RowSum,
    TotalElsewhere,
)

RQ, FACTORS, FOLLOWUP = "pub_region_quarter", "pub_retention_factors", "pub_followup"
SURVEY, EFFECTS, SURVIVAL = "pub_employer_survey", "pub_retention_effects", "pub_cohort_survival"
MOVES, MOVE_EFFECTS = "pub_move_factors", "pub_move_effects"
EMPLOYER, BENCHMARKS = "pub_employer_quarter", "pub_employer_benchmarks"
ANSWERS = "pub_employer_survey_answers"


@dataclass(frozen=True)
class TableSpec:
    """A published table's row key, and the columns that are one value for a part of the key
    (the national figure repeated on every region's row)."""

    keys: tuple[str, ...]
    repeated: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class CurveSpec:
    """A Kaplan-Meier curve per `keys`, over `time`; at-risk numbers published rounded to a
    multiple of `at_risk_base` (1: exact; checked on the data: a value off the base means
    exact)."""

    table: str
    keys: tuple[str, ...]
    time: str
    at_risk: str
    survival: str
    at_risk_base: int = 1


@dataclass(frozen=True)
class Spec:
    tables: dict[str, TableSpec]
    relations: tuple[Relation, ...]
    rates: tuple[RatePair, ...]
    curves: tuple[CurveSpec, ...]
    not_counts: frozenset[str]  # integer columns that count no one
    # columns published rounded to a multiple: no exact relation holds for them (checked on
    # the data: a value off the multiple means exact)
    rounded: dict[tuple[str, str], int] = field(default_factory=dict)
    # published scores that are members of published means (not counts)
    members: tuple[KnownMembers, ...] = ()


NO_REGION = "no_region"  # the country minus its regions: the people of no region
_YEAR = {"rolling_year": 4}  # a rolling year: its quarter and the three before it
OWN_MODEL = "model_region_code == region_code"  # a region's own model's rows (or the country's)

_NATIONAL = ("placements_started", "job_losses", "job_to_job_moves", "placed_in_work")
_REGISTER = ("wajong", "wsw", "participatiewet", "pro_vso", "wiw_id")
_QUESTIONS = ("geen_reden", "reden", "contract")  # the employer_survey_options macro's keys
_MOVES = ("ends", "moves", "back_3_6m", "back_6_12m", "not_back_12m")
_INSTRUMENTS: tuple[str, ...] = ("jobcoach", "wage_cost_subsidy", "no_risk_policy")
_INSTRUMENTS += ("workplace_adaptation", "labour_expert")  # employer_instruments() in dbt
_EMPLOYER: tuple[str, ...] = ("placements_started", "job_losses", "job_to_job_moves")
_EMPLOYER += ("rolling_year_placements", *(f"{i}_placements" for i in _INSTRUMENTS))
_BENCHMARK = (*_EMPLOYER, "employers", "rolling_year_employers")

TABLES = {
    RQ: TableSpec(
        ("region_code", "quarter"),
        {
            c: ("quarter",)
            for c in (
                *(f"nl_{c}" for c in (*_NATIONAL, "register_total", "net_change")),
                *(f"count(nl_{c})" for c in ("employment_rate",)),
            )
        },
    ),
    FACTORS: TableSpec(
        ("region_code", "factor", "level"),
        {"total(spells)": ("region_code",), "total(spells_followed_12m)": ("region_code",)},
    ),
    FOLLOWUP: TableSpec(("region_code", "wave_number", "labour_expert_role")),
    SURVEY: TableSpec(
        ("region_code", "wave", "perspective"), {"wave_respondents": ("region_code", "wave")}
    ),
    EFFECTS: TableSpec(
        ("region_code", "factor", "level"),
        {"model_spells": ("region_code", "factor"), "model_events": ("region_code", "factor")},
    ),
    SURVIVAL: TableSpec(("region_code", "cohort_quarter", "cohort_kind", "month")),
    MOVES: TableSpec(
        ("region_code", "factor", "level"), {f"total({c})": ("region_code",) for c in _MOVES}
    ),
    MOVE_EFFECTS: TableSpec(
        ("region_code", "factor", "level"),
        {"model_ends": ("region_code", "factor"), "model_moves": ("region_code", "factor")},
    ),
    EMPLOYER: TableSpec(("employer_id", "quarter")),
    ANSWERS: TableSpec(("employer_id", "wave")),
    BENCHMARKS: TableSpec(
        ("benchmark", "scope", "quarter"), {f"total({c})": ("quarter",) for c in _BENCHMARK}
    ),
}

RELATIONS: tuple[Relation, ...] = (
    # pub_region_quarter: the country is the sum of its regions, per quarter
    *(GroupSum(RQ, c, "region_code", total=f"nl_{c}") for c in (*_NATIONAL, "register_total")),
    GroupSum(RQ, "register_working", "region_code", total="count(nl_employment_rate)"),
    RowSum(RQ, "register_total", tuple(f"register_{g}" for g in _REGISTER)),
    RowSum(RQ, "register_total", ("register_working",), rest="rest(register_total)"),
    RowSum(RQ, "register_working", ("count(employment_rate)",)),
    RowSum(RQ, "job_losses", ("job_losses_provisional",), rest="rest(job_losses)"),
    RowSum(RQ, "spell_ends", ("job_losses",)),
    RowSum(RQ, "placements_started", ("net_change", "job_losses"), bounded=False),
    RowSum(RQ, "nl_placements_started", ("nl_net_change", "nl_job_losses"), bounded=False),
    QuarterChain(RQ, "placed_in_work", "placements_started", "job_losses"),
    QuarterChain(RQ, "nl_placed_in_work", "nl_placements_started", "nl_job_losses"),
    RollingSum(
        RQ,
        "retention_12m_cohort",
        "placements_started",
        kind="retention_cohort_kind",
        windows={"quarter": 1, "rolling_year": 4},
    ),
    # the placements a region started in every quarter are the spells pub_retention_factors
    # splits by factor (their total known from any factor shown whole)
    TotalElsewhere(RQ, "placements_started", "region_code", FACTORS, "total(spells)"),
    # pub_retention_factors: every factor splits the same spells; the country and its regions
    *(
        GroupSum(FACTORS, c, "level", total=f"total({c})")
        for c in ("spells", "spells_followed_12m")
    ),
    *(
        GroupSum(FACTORS, c, "region_code", total_row=NATIONAL)
        for c in ("spells", "spells_followed_12m")
    ),
    RowSum(FACTORS, "spells", ("spells_followed_12m",), rest="rest(spells)"),
    # pub_followup: a placement of no region counts in the country only
    *(
        GroupSum(FOLLOWUP, c, "region_code", total_row=NATIONAL, rest=NO_REGION)
        for c in (
            "placements_followed",
            "still_employed",
            "followed_to_next_wave",
            "count(*_share)",
        )
    ),
    RowSum(FOLLOWUP, "placements_followed", ("still_employed",), rest="rest(placements_followed)"),
    # pub_employer_survey: the perspectives of a wave; the country and its regions (and the
    # employers of no region)
    GroupSum(SURVEY, "respondents", "perspective", total="wave_respondents"),
    *(
        GroupSum(SURVEY, c, "region_code", total_row=NATIONAL, rest=NO_REGION)
        for c in ("respondents", "spinnenweb_*_n", "count(*_share)", "count(*_of_respondents)")
    ),
    RowSum(SURVEY, "respondents", ("count(employing_share)",), rest="rest(respondents)"),
    EachPart(SURVEY, "respondents", "spinnenweb_*_n"),
    AnswerShares(SURVEY, _QUESTIONS),
    # pub_retention_effects: a region's own model's totals are the sums of a factor's levels
    *(
        GroupSum(EFFECTS, c, "level", total=f"model_{c}", where=OWN_MODEL)
        for c in ("spells", "events")
    ),
    RowSum(EFFECTS, "spells", ("events",), rest="rest(spells)"),
    # and they are the spells pub_retention_factors splits by factor
    EqualElsewhere(EFFECTS, "model_spells", "region_code", FACTORS, "total(spells)", OWN_MODEL),
    # pub_move_factors: every factor splits the same ends; the country and its regions; the
    # moves, the return bands and the losses not yet followed 12 months make up the ends
    *(GroupSum(MOVES, c, "level", total=f"total({c})") for c in _MOVES),
    *(GroupSum(MOVES, c, "region_code", total_row=NATIONAL) for c in _MOVES),
    RowSum(MOVES, "ends", _MOVES[1:], rest="rest(ends)"),
    RowSum(MOVES, "moves", ("count(move_share)",)),
    # pub_move_effects: a model of the country's or a region's own counts the ends (and
    # moves) pub_move_factors splits by factor
    *(
        EqualElsewhere(MOVE_EFFECTS, f"model_{c}", "region_code", MOVES, f"total({c})", OWN_MODEL)
        for c in ("ends", "moves")
    ),
    # pub_employer_quarter and pub_employer_benchmarks: every row's rolling year is its four
    # quarters, and its placements with and without each instrument
    *(
        RollingSum(t, "rolling_year_placements", "placements_started", "", _YEAR, "rolling_year")
        for t in (EMPLOYER, BENCHMARKS)
    ),
    *(
        RowSum(t, "rolling_year_placements", (f"{i}_placements",), rest=f"rest({i}_placements)")
        for t in (EMPLOYER, BENCHMARKS)
        for i in _INSTRUMENTS
    ),
    # a participating employer is part of its two benchmarks, with the other employers
    *(
        PartOfElsewhere(EMPLOYER, c, "quarter", BENCHMARKS, c, total_key=benchmark)
        for benchmark in (region_benchmark, sector_size_benchmark)
        for c in _EMPLOYER
    ),
    # and its job losses of its region's (where its people live in it)
    PartOfElsewhere(EMPLOYER, "job_losses", "quarter", RQ, "job_losses", total_key=region_quarter),
    # the regions (and the employers of no region), and the sector types x size classes, add
    # up to all employers; their job losses are the country's
    *(
        GroupSum(
            BENCHMARKS, c, "scope", total=f"total({c})", where=f"benchmark == '{kind}'", rest=rest
        )
        for kind, rest in (("region", NO_REGION), ("sector_size", None))
        for c in _BENCHMARK
    ),
    PartOfElsewhere(
        BENCHMARKS, "total(job_losses)", "quarter", RQ, "nl_job_losses", quarter_of, False
    ),
)

RATES: tuple[RatePair, ...] = (
    *(
        RatePair(t, f"{i}_share", "rolling_year_placements")
        for t in (EMPLOYER, BENCHMARKS)
        for i in _INSTRUMENTS
    ),
    *(
        RatePair(t, f"retention_{m}m", "rolling_year_placements", exact=False)
        for t in (EMPLOYER, BENCHMARKS)
        for m in (6, 12)
    ),
    *(
        RatePair(RQ, f"{nl}retention_{m}m", d, exact=False)
        for nl, d in (("", "retention_12m_cohort"), ("nl_", "nl_placements_started"))
        for m in (6, 12, 24)
    ),
    RatePair(RQ, "employment_rate", "register_total"),
    RatePair(RQ, "nl_employment_rate", "nl_register_total"),
    RatePair(FACTORS, "retention_12m", "spells", exact=False),
    RatePair(MOVES, "move_share", "ends"),
    RatePair(FOLLOWUP, "*_share", "placements_followed"),
    RatePair(FOLLOWUP, "retention_to_next_wave", "followed_to_next_wave", exact=False),
    RatePair(SURVEY, "employing_share", "respondents"),
    # the employers asked why they employ no one are those that do not
    RatePair(SURVEY, "geen_reden_*_of_respondents", "rest(respondents)"),
    RatePair(SURVEY, "*_of_respondents", "count(employing_share)"),
)

CURVES = (
    CurveSpec(
        SURVIVAL,
        ("region_code", "cohort_quarter", "cohort_kind"),
        "month",
        "at_risk",
        "survival",
        at_risk_base=5,
    ),
)

NOT_COUNTS = frozenset(
    {"month", "wave_number", "ph_df", "net_change", "nl_net_change", "model_run_id"}
)

ROUNDED = {
    (RQ, "placed_in_work"): 10,
    (SURVEY, "spinnenweb_*_n"): 5,
    (EMPLOYER, "in_work"): 10,
    (BENCHMARKS, "in_work"): 10,
}

# a participating employer's own scores are among those of its region's and the country's
# Spinnenweb means of its wave and perspective
MEMBERS = (
    KnownMembers(
        ANSWERS,
        SURVEY,
        "spinnenweb_*_score",
        "spinnenweb_*_n",
        "survey_region_code",
        ("wave", "perspective"),
    ),
)

SPEC = Spec(TABLES, RELATIONS, RATES, CURVES, NOT_COUNTS, ROUNDED, MEMBERS)
