"""A participating employer's own Spinnenweb answers (pub_employer_survey_answers) on the built
warehouses (DuckDB and PostgreSQL): the participants' answers of the waves they take part in,
each score shown only where enough other scores are left in the region's and the country's
rows (the rule recounted here from the mart); with hand-made numbers of scores in a copy, its
report shows its scores beside its region's means and withholds the one with too few others,
and the disclosure checker finds a score published against the rule."""

from __future__ import annotations

import pandas as pd
import pytest

from duurzaam.employers import load_employers
from duurzaam.publication.labels import NATIONAL, SPINNENWEB_LABELS
from duurzaam.quarters import Quarter
from duurzaam.reports.employer_content import employer_content
from duurzaam.reports.employer_data import load_employer_data
from duurzaam.transform.disclosure.check import check_warehouse
from duurzaam.transform.run import run_dbt
from duurzaam.warehouse.database import open_warehouse
from tests.integration.test_employer_figures import copied_warehouse

pytestmark = pytest.mark.slow
__all__ = ["copied_warehouse"]  # the fixture: a copy of the built warehouse per backend

ELEMENTS = list(SPINNENWEB_LABELS)
MARGIN = 2  # the numbers of scores are published rounded to 5


def tables(settings, *names: str) -> list[pd.DataFrame]:
    with open_warehouse(settings.warehouse_url) as warehouse:
        return [warehouse.query_frame(f"select * from {name}") for name in names]


def test_the_participants_answers_are_published_by_the_rule(built_warehouse):
    mart, published, survey = tables(
        built_warehouse,
        "marts.mart_employer_survey_answers",
        "published.pub_employer_survey_answers",
        "published.pub_employer_survey",
    )
    employers = load_employers(built_warehouse.employers_config)
    assert len(mart) > 0  # the test landing zone's participants answered
    for row in mart.itertuples():
        assert employers[row.employer_id].takes_part_in(Quarter.parse(row.wave))
    key = ["employer_id", "wave"]
    assert sorted(map(tuple, published[key].values)) == sorted(map(tuple, mart[key].values))
    # every participant's score in each row that holds it, and the row's published number
    rows = pd.concat(
        [
            mart.assign(row_region=mart["survey_region_code"]).dropna(subset=["row_region"]),
            mart.assign(row_region=NATIONAL),
        ]
    )
    numbers = survey.set_index(["region_code", "wave", "perspective"])
    merged = published.merge(mart, on=key, suffixes=("", "_exact")).set_index(key)
    for element in ELEMENTS:
        score = f"spinnenweb_{element}_score"
        scored = rows.dropna(subset=[score]).groupby(["row_region", "wave", "perspective"]).size()
        published_n = numbers[f"spinnenweb_{element}_n"].reindex(scored.index)
        open_rows = (published_n - MARGIN - scored >= 10).rename("open")
        holds = rows.join(open_rows, on=["row_region", "wave", "perspective"])
        shown = holds.groupby(key)["open"].agg(lambda v: bool(v.fillna(False).all()))
        # and only an answer that counts in a region (else the country less its regions)
        shown &= merged["survey_region_code"].notna().reindex(shown.index)
        expected = merged[score + "_exact"].where(shown.reindex(merged.index).fillna(False))
        assert merged[score].astype("Float64").equals(expected.astype("Float64")), element
        withheld = merged[score + "_exact"].notna() & merged[score].isna()
        assert (merged.loc[withheld, score + "_suppressed"] == "x").all(), element


@pytest.mark.parametrize(
    "copied_warehouse",
    ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)],
    indirect=True,
)
def test_own_answers_stand_beside_the_regions_and_are_withheld_with_too_few_others(
    copied_warehouse,
):
    """One participant's answers of a wave its region has employers' answers in, and the
    region's 30 scores per element (12 of Administratie en digitalisering: published as 10,
    at least 8, less its own leaves 7), the country's 100: its report shows six of its
    scores beside the region's means and withholds the seventh, saying why; the checker
    finds nothing, and finds the seventh when it is published all the same."""
    employers = load_employers(copied_warehouse.employers_config)
    (survey,) = tables(copied_warehouse, "marts.mart_employer_survey")
    rows = survey[survey["perspective"] == "werkgever"]
    employer, wave = next(
        (e, Quarter.parse(w))
        for e in employers.values()
        for w in sorted(rows.loc[rows["region_code"] == e.region_code, "wave"], reverse=True)
        if e.takes_part_in(Quarter.parse(w))
    )
    scores = dict(zip(ELEMENTS, (4, 2, 5, 3, 4, 2, 1), strict=True))
    with open_warehouse(copied_warehouse.warehouse_url) as warehouse:
        warehouse.execute("delete from marts.mart_employer_survey_answers")
        columns = [f"spinnenweb_{e}_score" for e in ELEMENTS]
        warehouse.execute(
            "insert into marts.mart_employer_survey_answers (employer_id, region_code, wave, "
            f"perspective, survey_region_code, {', '.join(columns)}) values "
            f"(%s, %s, %s, 'werkgever', %s, {', '.join(['%s'] * len(columns))})",
            (employer.employer_id, employer.region_code, str(wave), employer.region_code,
             *scores.values()),
        )  # fmt: skip
        for region, scored in ((employer.region_code, 30), (NATIONAL, 100)):
            numbers = ", ".join(
                f"spinnenweb_{e}_n = {12 if e == ELEMENTS[-1] and region != NATIONAL else scored}"
                f", spinnenweb_{e}_mean = 3.24"
                for e in ELEMENTS
            )
            warehouse.execute(
                f"update marts.mart_employer_survey set {numbers} where region_code = %s "
                "and wave = %s and perspective = 'werkgever'",
                (region, str(wave)),
            )
    run_dbt(
        ["run", "--select", "pub_employer_survey", "pub_employer_survey_answers"],
        copied_warehouse,
    )
    with open_warehouse(copied_warehouse.warehouse_url) as warehouse:
        data = load_employer_data(warehouse, wave, employer)
    web = employer_content(data, 10)["spinnenweb"]
    assert web["responded"] and web["wave_label"] == wave.label_nl
    region = f"Werkgevers in {data.region_name}"
    assert web["columns"] == ["Onderdeel", "Uw organisatie", region, "Werkgevers in Nederland"]
    assert web["rows"][0] == ["Kennis doelgroep", "4", "3,2", "3,2"]
    assert web["rows"][-1] == ["Administratie en digitalisering", "x", "3,2", "3,2"]
    assert any(
        "Uw score op administratie en digitalisering tonen we niet" in s for s in web["sentences"]
    )
    # dbt keeps its DuckDB connection open in this process: the checker joins it
    assert check_warehouse(copied_warehouse, read_only=False).findings == []

    with open_warehouse(copied_warehouse.warehouse_url) as warehouse:
        warehouse.execute(
            "update published.pub_employer_survey_answers set "
            "spinnenweb_administratie_digitalisering_score = 1, "
            "spinnenweb_administratie_digitalisering_score_suppressed = null"
        )
    (finding,) = check_warehouse(copied_warehouse, read_only=False).findings
    assert str(finding.cell) == (
        f"pub_employer_survey {employer.region_code} {wave} werkgever "
        "others(spinnenweb_administratie_digitalisering_n)"
    )
    assert finding.attack == "mean" and finding.value == 7
