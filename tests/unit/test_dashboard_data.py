"""How the dashboard reads the published layer: a withheld value becomes the text the layer
says to show, a missing one None; the country's rows are the nl_ columns, with the
jobs-agreement figures summed over the regions; Dutch number and date formats; the CSV
downloads as Excel (Dutch locale) opens them, with the withheld text; a print stylesheet."""

from __future__ import annotations

import csv
import io
import json
import math
import re
from datetime import date

from duurzaam.dashboard import show
from duurzaam.dashboard.data import MODELS, DashboardData, national_quarters, withheld_as_text
from duurzaam.dashboard.downloads import compare_downloads, csv_bytes, region_downloads
from duurzaam.dashboard.effects import effects_table
from duurzaam.dashboard.moves import share_rows
from duurzaam.dashboard.pages import compare_page, region_page
from duurzaam.publication.labels import level_label
from duurzaam.settings import PROJECT_ROOT
from duurzaam.warehouse.export import NOT_EXPORTED
from tests.published import dashboard_data, effect_row, region_quarter, survival_rows


def test_a_withheld_value_becomes_the_text_the_layer_gives_and_its_marker_goes():
    rows = withheld_as_text(
        [
            {"placements_started": None, "placements_started_suppressed": "<10", "rate": 0.5},
            {"placements_started": 12, "placements_started_suppressed": None, "rate": math.nan},
        ]
    )
    assert rows == [
        {"placements_started": "<10", "rate": 0.5},
        {"placements_started": 12, "rate": None},
    ]


def test_the_country_per_quarter_from_the_nl_columns_and_summed_jobs():
    def region(code: str, quarter: str, market: object) -> dict:
        return {
            "region_code": code,
            "region_name": code,
            "quarter": quarter,
            "placements_started": 11,
            "nl_placements_started": 500,
            "jobs_market": market,
            "jobs_government": 2.5,
            "jobs_target": 10,
        }

    national = national_quarters(
        [region("AM02", "2024Q1", 1.5), region("AM01", "2024Q1", "x"), region("AM01", "2023Q4", 4)]
    )
    assert [(r["quarter"], r["region_code"], r["placements_started"]) for r in national] == [
        ("2023Q4", "NL", 500),
        ("2024Q1", "NL", 500),
    ]
    assert (national[1]["jobs_market"], national[1]["jobs_government"]) == (1.5, 5.0)
    assert national[1]["jobs_target"] == 20


def test_dutch_formats_and_withheld_text():
    assert show.count(12345) == "12.345"
    assert show.count("<10") == "<10"
    assert show.count(None) == "–"
    assert show.figure(0.625, "rate") == "62,5%"
    assert show.figure("n<10", "rate") == "n<10"
    assert show.number(1234.56) == "1.234,6"
    assert show.value("<10", "count") is None and show.value(0.5, "rate") == 50.0


def test_a_level_never_looks_like_a_withheld_count():
    """Employers of '<10' employees and '<12' hours a week are written out in the tables of
    the dashboard and the reports; the layer's '<10' stays the withheld marker."""
    assert [level_label(v) for v in ("<10", "<12", "10-99", "ja")] == [
        "minder dan 10",
        "minder dan 12",
        "10-99",
        "ja",
    ]
    moves = share_rows(
        [
            {"factor": "werkgever_grootte", "level": "<10", "ends": "<10", "move_share": "n<10"}
            | dict.fromkeys(["move_share_ci_lower", "move_share_ci_upper"])
            | dict.fromkeys(["back_3_6m", "back_6_12m", "not_back_12m"], "<10")
        ],
        [],
    )
    assert moves[0][1:3] == ["minder dan 10", "<10"]


def test_effects_say_when_a_region_shows_the_national_models_estimates():
    def row(region: str, model_region: str, hazard_ratio: object) -> dict:
        return {
            "region_code": region,
            "factor": "jobcoach",
            "level": "ja",
            "reference_level": "nee",
            "hazard_ratio": hazard_ratio,
            "hr_ci_lower": 0.6149,
            "hr_ci_upper": 0.8,
            "spells": 1234,
            "model_region_code": model_region,
        }

    own, national = (
        effects_table([row("AM22", "AM22", 0.7)]),
        effects_table([row("AM18", "NL", "x")]),
    )
    assert own["columns"][-1] == national["columns"][-1] == "Geschat op"
    # ratios to two decimals (the page formats them), the count as published
    assert own["rows"] == [["Jobcoach", "ja", "nee", 0.7, 0.61, 0.8, "1.234", "deze regio"]]
    assert (
        national["rows"][0][3] == "x"
        and national["rows"][0][-1] == "landelijk model (alle regio's)"
    )


ROLLING = "voortschrijdend jaar: 2022-K3 t/m 2023-K2"
STEPS = {0: 1.0, 4: 0.9, 11: 0.8}


def small_region(withheld: dict[str, str] | None = None) -> DashboardData:
    """AM05, a small region whose retention is its rolling year's, over 2022Q3-2024Q2 (the
    row of 2023Q2 with `withheld` columns withheld); the country beside it."""
    quarters = [f"{year}Q{k}" for year in (2022, 2023, 2024) for k in (1, 2, 3, 4)][2:10]
    return dashboard_data(
        region_quarter=[
            region_quarter("AM05", q, withheld if q == "2023Q2" else None, kind="rolling_year")
            for q in quarters
        ],
        survival=[
            *survival_rows("AM05", "2023Q2", STEPS, 14, cut_off=13, kind="rolling_year"),
            *survival_rows("NL", "2023Q2", {0: 1.0, 2: 0.95}, 14, at_risk=5000),
        ],
    )


def retention_figure(page: dict, quarter: str) -> dict:
    return next(f for f in page["headline"][quarter] if f["key"] == "retention_12m")


def test_a_small_regions_rolling_year_is_named_on_its_page_and_in_the_comparison():
    page = region_page(small_region(), "AM05", "Regio AM05")
    cohort = page["cohorts"]["2023Q2"]
    assert cohort["label"] == ROLLING
    assert (
        "Regio AM05: mensen die tussen 2022-K3 en 2023-K2 aan een baan begonnen" in (cohort["note"])
    )
    assert "Nederland: wie in 2023-K2 begon" in cohort["note"]
    assert cohort["people_text"] == "ca. 100"  # at risk as the layer rounds it, said so
    assert "afgerond op 5" in cohort["note"]
    figure = retention_figure(page, "2024Q2")
    assert figure["note"].startswith("van wie tussen 2022-K3 en 2023-K2 begon")
    assert figure["value"] == "75,0%" and figure["people"] == "44"

    compared = compare_page(small_region())
    retention = next(m for m in compared["measures"] if m["key"] == "retention_12m")
    (am05,) = retention["quarters"]["2023Q2"]["regions"]
    assert am05["cohort"] == ROLLING


def test_the_survival_curves_are_their_published_steps_with_rounded_at_risk():
    page = region_page(small_region(), "AM05", "Regio AM05")
    curve = page["cohorts"]["2023Q2"]["region"]
    assert [(p["month"], p["survival"]) for p in curve] == [
        (0, 100.0),
        (4, 90.0),
        (11, 80.0),
        (12, 80.0),
    ]
    assert [p["at_risk"] for p in curve] == ["ca. 100", "ca. 80", "ca. 45", "ca. 40"]
    published = survival_rows("AM05", "2023Q2", STEPS, 14)
    for row in published[:13]:  # every month shown lies on the step at or before it
        step = [p for p in curve if p["month"] <= row["month"]][-1]
        assert step["survival"] == round(100 * row["survival"], 1)
    # the page draws each curve as steps: held until the next point, never interpolated
    script = (PROJECT_ROOT / "include" / "dashboard" / "dashboard.js").read_text()
    curve_traces = script[script.index("function curveTraces") : script.index("function survival(")]
    assert curve_traces.count('shape: "hv"') == 3 and "spline" not in curve_traces


def test_a_rate_withheld_beside_its_shown_denominator_stays_withheld_on_the_page():
    page = region_page(small_region({"retention_12m": "x"}), "AM05", "Regio AM05")
    figure = retention_figure(page, "2024Q2")
    assert (figure["value"], figure["national"], figure["people"]) == ("x", "70,0%", "44")
    compared = compare_page(small_region({"retention_12m": "x"}))
    retention = next(m for m in compared["measures"] if m["key"] == "retention_12m")
    (am05,) = retention["quarters"]["2023Q2"]["regions"]
    assert (am05["value"], am05["text"], am05["people"]) == (None, "x", "44")
    assert "0.75" not in json.dumps(am05)


def test_a_reference_level_is_1_and_a_national_estimate_is_shown_on_a_region_page():
    # AM05 has no model of its own: its rows carry the national estimates, shown although
    # its own counts at the level are withheld; a row still published withheld takes the
    # country's published estimate.
    national = [effect_row("NL", "jobcoach", "nee", 1.0), effect_row("NL", "jobcoach", "ja", 0.7)]
    region = [
        effect_row("AM05", "jobcoach", "nee", 1.0, events=3, model_region_code="NL"),
        effect_row("AM05", "jobcoach", "ja", 0.7, events=4, model_region_code="NL"),
    ]
    data = small_region()
    data.models["effects"] = {
        "NL": withheld_as_text(national),
        "AM05": withheld_as_text(region),
    }
    table = region_page(data, "AM05", "Regio AM05")["effects"]
    rows = {
        (row[0], row[1]): dict(zip(table["columns"], row, strict=True)) for row in table["rows"]
    }
    reference, estimate = rows[("Jobcoach", "nee")], rows[("Jobcoach", "ja")]
    assert (reference["Hazard ratio"], reference["Vergeleken met"]) == (
        "1 (referentie)",
        "(referentie)",
    )
    assert reference["95%-interval van"] is None and reference["tot"] is None
    assert (estimate["Hazard ratio"], estimate["95%-interval van"], estimate["tot"]) == (
        0.7,
        0.56,
        0.88,
    )
    assert estimate["n (werkperiodes)"] == "<10"
    assert estimate["Geschat op"] == "landelijk model (alle regio's)"

    withheld = [{**row, "hazard_ratio": None, "hazard_ratio_suppressed": "n<10"} for row in region]
    data.models["effects"]["AM05"] = withheld_as_text(withheld)
    table = effects_table(data.part("effects", "AM05"), data.part("effects", "NL"))
    assert [row[3] for row in table["rows"]] == [0.7, "1 (referentie)"]


def test_the_comparison_gives_no_number_of_people_for_the_jobs_agreement():
    """Its progress is jobs of 25.5 hours against a target, not a share of people: no n (the
    rate itself is no count of people either)."""
    compared = compare_page(small_region())
    measures = {m["key"]: m for m in compared["measures"]}
    for quarter in measures["jobs_progress"]["quarters"].values():
        (am05,) = quarter["regions"]
        assert (am05["text"], am05["people"]) == ("80,0%", "–")
    placements = measures["placements_started"]["quarters"]["2024Q2"]["regions"][0]
    retention = measures["retention_12m"]["quarters"]["2024Q2"]["regions"][0]
    assert (placements["people"], retention["people"]) == ("60", "44")


def test_dutch_dates():
    assert show.day(date(2026, 12, 7)) == "7 december 2026"
    assert show.day(date(2024, 3, 31)) == "31 maart 2024"
    assert show.period("2024Q2") == "1 april 2024 t/m 30 juni 2024"


def read(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads UTF-8
    return list(csv.reader(io.StringIO(content[3:].decode("utf-8"), newline=""), delimiter=";"))


def test_csv_is_what_excel_opens_in_a_dutch_locale():
    content = csv_bytes(["Regio", "Waarde"], [["Fryslân", "62,5%"], ["AM05", None], ["x;y", "–"]])
    assert content.count(b"\r\n") == 4 and b"Frysl\xc3\xa2n" in content
    assert read(content) == [["Regio", "Waarde"], ["Fryslân", "62,5%"], ["AM05", ""], ["x;y", ""]]


def test_the_downloads_of_a_page_hold_its_figures_with_the_withheld_text():
    data = small_region({"placements_started": "<10", "retention_12m": "x"})
    page = region_page(data, "AM05", "Regio AM05")
    files = region_downloads(data, "AM05", page)
    assert set(files) == {
        f"csv/AM05/{name}.csv"
        for name in (
            "kerncijfers",
            "plaatsingen",
            "behoud",
            "kenmerken",
            "effecten",
            "banenafspraak",
            "enquete",
            "vervolgmeting",
            "werk-naar-werk",
            "werk-naar-werk-effecten",
        )
    }
    trend = read(files["csv/AM05/plaatsingen.csv"])
    assert trend[0] == ["Kwartaal", "Plaatsingen", "Baanverlies", "Van werk naar werk"]
    assert ["2023-K2", "<10", "20", "12"] in trend and ["2023-K3", "60", "20", "12"] in trend
    headline = {(r[0], r[1]): r[3:] for r in read(files["csv/AM05/kerncijfers.csv"])[1:]}
    assert headline[("2023-K2", "Plaatsingen (nieuwe werkperiodes)")] == ["<10", "9.000", ""]
    assert headline[("2023-K2", "Aandeel werkend (doelgroepregister)")] == [
        "45,0%",
        "50,0%",
        "1.200",
    ]
    curve = read(files["csv/AM05/behoud.csv"])
    rolling = "voortschrijdend jaar: 2022-K3 t/m 2023-K2"
    assert curve[2][:5] == [rolling, "Regio AM05", "4", "90,0", "85,0"]
    jobs = read(files["csv/AM05/banenafspraak.csv"])
    assert jobs[1] == ["2022-K3", "10,0", "2,5", "20,0", "80,0%"]
    # no number the layer withheld: the retention of 2023Q2 (0.75 in the fixture) is nowhere
    compared = read(compare_downloads(compare_page(data))["csv/vergelijk.csv"])
    retention = [r[1:6] for r in compared if r[0] == "Nog aan het werk na 12 maanden"]
    assert ["2023-K2", "AM05", "Regio AM05", "x", "44"] in retention
    assert ["2023-K2", "NL", "Nederland", "70,0%", ""] in retention
    assert not any("75" in cell for row in retention if row[0] == "2023-K2" for cell in row)


def test_the_stylesheet_prints_on_a4_without_controls_and_with_links():
    css = (PROJECT_ROOT / "include" / "dashboard" / "dashboard.css").read_text()
    start = css.index("@media print")
    printed = css[start:]
    assert "size: A4" in printed
    hidden = re.search(r"([^{}]*)\{\s*display:\s*none", printed)
    assert hidden and {"select", "button", ".downloads", "header nav"} <= {
        part.strip() for part in hidden.group(1).split(",")
    }
    assert re.search(r"a\[href\]::after\s*\{[^}]*attr\(href\)", printed)
    assert "break-inside: avoid" in printed and "max-width: 100%" in printed
    script = (PROJECT_ROOT / "include" / "dashboard" / "dashboard.js").read_text()
    assert '"beforeprint"' in script and "PRINT_WIDTH" in script


def test_the_dashboard_reads_no_model_of_the_employer_reports():
    """An employer's own figures and survey answers, and the benchmarks beside them, are for
    that employer's report only."""
    assert not set(MODELS.values()) & NOT_EXPORTED
    assert "pub_employer_survey_answers" in NOT_EXPORTED
