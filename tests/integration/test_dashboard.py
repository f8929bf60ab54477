"""The dashboard, built from the session's warehouse (its published layer) and opened in a real
headless Chromium (Debian's chromium and chromedriver, driven by Selenium): the pages load
without console errors, show the published figures, draw their charts, react to the choice
of quarter and fetch nothing from outside the local server; the CSV download of a table and
of a chart holds the published rows (withheld values as the layer writes them), a chart
downloads as PNG and SVG, and numbers and dates are Dutch. Screenshots of two pages go to
test-output/dashboard/ (look at them)."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlparse

import pytest

from duurzaam.bench.browser import (
    chromium,
    console_messages,
    downloaded,
    requested_urls,
    wait_until_drawn,
)
from duurzaam.dashboard.server import serving
from duurzaam.dashboard.site import build_site
from duurzaam.settings import PROJECT_ROOT, Settings
from duurzaam.warehouse.database import open_warehouse

pytestmark = pytest.mark.slow  # the browser, and the session's warehouse if not built yet

SCREENSHOTS = PROJECT_ROOT / "test-output" / "dashboard"
REGIONS = ["AM18", "AM21", "AM22"]  # three region pages: the largest, so every chart has points
HEADLINE_COUNTS = {  # published column -> the row of the headline table showing it
    "placements_started": "Plaatsingen (nieuwe werkperiodes)",
    "job_losses": "Baanverlies",
    "job_to_job_moves": "Van werk naar werk",
}


@dataclass(frozen=True)
class Dashboard:
    url: str
    settings: Settings
    folder: Path


@pytest.fixture(scope="module")
def dashboard(built_warehouses, tmp_path_factory) -> Iterator[Dashboard]:
    settings = replace(
        built_warehouses["duckdb"], dashboard_dir=tmp_path_factory.mktemp("dashboard")
    )
    built = build_site(settings)
    with serving(settings.dashboard_dir) as url:
        yield Dashboard(url, settings, built.folder)


@pytest.fixture(scope="module")
def downloads(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def browser(downloads) -> Iterator:
    with chromium(width=1280, height=2200, downloads=downloads) as driver:
        yield driver


def published(settings: Settings, sql: str, params: tuple = ()) -> list[dict]:
    with open_warehouse(settings.warehouse_url) as warehouse:
        frame = warehouse.query_frame(sql, params)
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


def shown_count(row: dict, column: str) -> str:
    """What a reader must see for a published count: the number in Dutch grouping, or the
    layer's own text where it withheld it."""
    if row[f"{column}_suppressed"] is not None:
        return str(row[f"{column}_suppressed"])
    return f"{int(row[column]):,}".replace(",", ".")


def headline_cells(browser) -> dict[str, str]:
    """The headline table as label -> the region's (first) value cell."""
    cells = browser.execute_script(
        "return [...document.querySelectorAll('#headline tbody tr')]"
        ".map(tr => [...tr.cells].map(td => td.textContent))"
    )
    return {row[0]: row[1] for row in cells}


def choose(browser, select_id: str, value: str) -> None:
    from selenium.webdriver.support.ui import Select

    Select(browser.find_element("id", select_id)).select_by_value(value)


def open_page(browser, url: str) -> None:
    console_messages(browser), requested_urls(browser)  # forget the previous page's
    browser.get(url)
    wait_until_drawn(browser)


def assert_local_only(browser, base_url: str) -> None:
    host = urlparse(base_url).netloc
    outside = [
        url
        for url in requested_urls(browser)
        if not url.startswith("data:") and urlparse(url).netloc != host
    ]
    assert outside == [], f"the page fetched from outside the local server: {outside}"


def region_rows(settings: Settings, code: str) -> list[dict]:
    if code == "NL":  # the country's page shows the nl_ columns (the same on every region row)
        rows = published(
            settings,
            "select distinct quarter, nl_placements_started as placements_started, "
            "nl_placements_started_suppressed as placements_started_suppressed, "
            "nl_job_losses as job_losses, nl_job_losses_suppressed as job_losses_suppressed, "
            "nl_job_to_job_moves as job_to_job_moves, "
            "nl_job_to_job_moves_suppressed as job_to_job_moves_suppressed "
            "from published.pub_region_quarter order by quarter",
        )
    else:
        rows = published(
            settings,
            "select * from published.pub_region_quarter where region_code = %s order by quarter",
            (code,),
        )
    assert rows, f"no published rows for {code}"
    return rows


@pytest.mark.parametrize("code", ["NL", *REGIONS])
def test_a_page_shows_the_published_figures_and_reacts_to_the_chosen_quarter(
    dashboard, browser, code
):
    path = "index.html" if code == "NL" else f"regio/{code}.html"
    open_page(browser, dashboard.url + path)
    errors = [m for m in console_messages(browser) if m["level"] in ("SEVERE", "WARNING")]
    assert errors == []

    rows = region_rows(dashboard.settings, code)
    latest, first = rows[-1], rows[0]
    shown = headline_cells(browser)
    for column, label in HEADLINE_COUNTS.items():
        assert shown[label] == shown_count(latest, column), (code, column)

    # the trend chart has a drawn point for every quarter with a published count
    points = browser.execute_script(
        "return document.querySelectorAll("
        "'#trend-chart .scatterlayer .trace:first-child .points path').length"
    )
    assert points == sum(row["placements_started"] is not None for row in rows) > 0

    # another quarter: its figures in the table, the chart's highlight on it
    highlight = "return document.querySelector('#trend-chart .shapelayer path').getAttribute('d')"
    before = browser.execute_script(highlight)
    choose(browser, "quarter-choice", str(first["quarter"]))
    shown = headline_cells(browser)
    for column, label in HEADLINE_COUNTS.items():
        assert shown[label] == shown_count(first, column), (code, column)
    assert browser.execute_script(highlight) != before
    assert console_messages(browser) == []
    assert_local_only(browser, dashboard.url)

    if code in ("NL", REGIONS[0]):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        choose(browser, "quarter-choice", str(latest["quarter"]))
        browser.save_screenshot(str(SCREENSHOTS / f"{code}.png"))


def test_the_regions_compared_sort_and_rank(dashboard, browser):
    open_page(browser, dashboard.url + "vergelijk.html")
    assert console_messages(browser) == []
    quarter = max(r["quarter"] for r in region_rows(dashboard.settings, "AM01"))
    rows = published(
        dashboard.settings,
        "select region_code, placements_started from published.pub_region_quarter "
        "where quarter = %s",
        (quarter,),
    )
    shown = [r for r in rows if r["placements_started"] is not None]
    bars = browser.execute_script(
        "return document.querySelectorAll('#ranking-chart .barlayer .point').length"
    )
    assert bars == len(shown) > 0
    # sorted by the value, largest first; a click on its header turns the order around
    table = "return [...document.querySelectorAll('#compare-table tbody tr:not(.national)')]"
    assert browser.execute_script(table + ".length") == len(rows)

    def shown_values() -> list[int]:
        texts = browser.execute_script(table + ".map(tr => tr.cells[2].textContent)")
        return [int(t.replace(".", "")) for t in texts if re.fullmatch(r"[\d.]+", t)]

    assert shown_values() == sorted((r["placements_started"] for r in shown), reverse=True)
    browser.find_element("css selector", "#compare-table th[data-sort='value']").click()
    assert shown_values() == sorted(r["placements_started"] for r in shown)
    assert_local_only(browser, dashboard.url)
    browser.save_screenshot(str(SCREENSHOTS / "vergelijk.png"))


def test_no_small_count_reaches_the_pages(dashboard):
    """Every count in every page's figures is withheld text or at least the threshold."""
    threshold = dashboard.settings.suppress_below
    pages = [dashboard.folder / "index.html", *sorted(dashboard.folder.glob("regio/*.html"))]
    assert len(pages) == 36
    for page in pages:
        text = page.read_text(encoding="utf-8")
        data = json.loads(
            re.search(r'id="dashboard-data">(.*?)</script>', text, re.DOTALL).group(1)
        )
        counts = [*data["trend"]["placements"], *data["trend"]["job_losses"]]
        counts += [*data["trend"]["job_to_job"]]
        assert all(c is None or c >= threshold for c in counts), page.name
        people = [
            f["people"].removeprefix("ca. ") for rows in data["headline"].values() for f in rows
        ]
        # at risk as the layer rounds it: 'ca. 35'
        people += [c["people_text"].removeprefix("ca. ") for c in data["cohorts"].values()]
        people += [
            p["at_risk"].removeprefix("ca. ") for c in data["cohorts"].values() for p in c["region"]
        ]
        people += [lv["people"] for f in data["factors"].values() for lv in f["levels"]]
        values = [f["value"] for rows in data["headline"].values() for f in rows]
        for value in people + [v for v in values if "%" not in v and "," not in v]:
            assert value in ("–", "", f"<{threshold}", "x", f"n<{threshold}") or (
                int(value.replace(".", "")) >= threshold
            ), (page.name, value)


@pytest.mark.postgres
def test_the_pages_are_the_same_built_from_postgresql(dashboard, built_warehouses, tmp_path):
    settings = replace(built_warehouses["postgres"], dashboard_dir=tmp_path)
    from_postgres = build_site(settings).folder
    pages = sorted(p.relative_to(dashboard.folder) for p in dashboard.folder.rglob("*.html"))
    assert len(pages) == 37
    for page in pages:
        assert (from_postgres / page).read_text() == (dashboard.folder / page).read_text(), page


def page_data(folder: Path, code: str) -> dict:
    text = (folder / ("index.html" if code == "NL" else f"regio/{code}.html")).read_text()
    return json.loads(re.search(r'id="dashboard-data">(.*?)</script>', text, re.DOTALL).group(1))


def test_rolling_years_steps_and_effects_on_the_pages(dashboard):
    """A small region's cohorts are named as rolling years; each curve is its published
    steps; a reference level's ratio is 1 and a region on the national model shows the
    national estimate."""
    kinds = published(
        dashboard.settings,
        "select distinct region_code, cohort_kind from published.pub_cohort_survival "
        "where region_code <> 'NL'",
    )
    rolling = sorted(r["region_code"] for r in kinds if r["cohort_kind"] == "rolling_year")
    assert rolling, "the sample has small regions"
    for code in rolling[:3]:
        data = page_data(dashboard.folder, code)
        own = [c for c in data["cohorts"].values() if c["region"]]  # not only the country's
        assert own and all(c["label"].startswith("voortschrijdend jaar: ") for c in own)
    steps = published(
        dashboard.settings,
        "select cohort_quarter, month from published.pub_cohort_survival "
        "where region_code = %s and is_step and is_observable",
        (REGIONS[0],),
    )
    data = page_data(dashboard.folder, REGIONS[0])
    for quarter, cohort in data["cohorts"].items():
        drawn = [p["month"] for p in cohort["region"]][1:-1]  # between the start and the end
        stepped = {r["month"] for r in steps if r["cohort_quarter"] == quarter}
        assert set(drawn) <= stepped, quarter

    def effects(code: str) -> list[dict]:
        page = page_data(dashboard.folder, code)
        return [
            dict(zip(page["effects"]["columns"], r, strict=True)) for r in page["effects"]["rows"]
        ]

    national = {(r["Kenmerk"], r["Niveau"]): r["Hazard ratio"] for r in effects("NL")}
    rows = [row for code in [*REGIONS, *rolling[:3]] for row in effects(code)]
    assert rows and any(row["Geschat op"].startswith("landelijk") for row in rows)
    for row in rows:
        if row["Vergeleken met"] == "(referentie)":
            assert row["Hazard ratio"] == "1 (referentie)"
        elif row["Geschat op"].startswith("landelijk"):
            # the country's estimate, shown as the country's page shows it (withheld only
            # where the country itself has too few job losses for the level)
            assert row["Hazard ratio"] == national[(row["Kenmerk"], row["Niveau"])], row
    assert any(isinstance(value, float) for value in national.values())


# --- downloads and Dutch formats --------------------------------------------------------------


def read_csv(file: Path) -> list[list[str]]:
    """A download as Excel (Dutch locale) reads it: UTF-8 with a BOM, `;`, CRLF."""
    raw = file.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw, file.name
    return list(csv.reader(io.StringIO(raw[3:].decode("utf-8"), newline=""), delimiter=";"))


def shown_rate(row: dict, column: str) -> str:
    """A published share as the page writes it: 39,0%, or the layer's text for it."""
    if row[f"{column}_suppressed"] is not None:
        return str(row[f"{column}_suppressed"])
    return f"{100 * float(row[column]):.1f}%".replace(".", ",")


def quarter_label(quarter: str) -> str:
    return f"{quarter[:4]}-K{quarter[-1]}"


def click_download(browser, downloads: Path, selector: str, name: str) -> Path:
    (downloads / name).unlink(missing_ok=True)
    button = browser.find_element("css selector", selector)
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
    button.click()
    return downloaded(downloads, name)


def test_the_csv_downloads_of_a_table_and_a_chart_are_the_published_rows(
    dashboard, browser, downloads
):
    code = REGIONS[0]
    open_page(browser, f"{dashboard.url}regio/{code}.html")
    rows = region_rows(dashboard.settings, code)
    columns = ["placements_started", "job_losses", "job_to_job_moves"]
    withheld = [r for r in rows for c in columns if r[f"{c}_suppressed"] is not None]
    assert withheld, "the region has withheld counts: their markers are part of the check"

    # the chart: placements, job losses and job-to-job moves per quarter
    chart = read_csv(
        click_download(
            browser, downloads, "a[href$='csv/AM18/plaatsingen.csv']", f"{code}-plaatsingen.csv"
        )
    )
    assert chart[0] == ["Kwartaal", "Plaatsingen", "Baanverlies", "Van werk naar werk"]
    assert chart[1:] == [
        [quarter_label(r["quarter"]), *(shown_count(r, c) for c in columns)] for r in rows
    ]

    # the table: the headline figures of every quarter, the region's and the country's
    table = read_csv(
        click_download(
            browser, downloads, "a[href$='csv/AM18/kerncijfers.csv']", f"{code}-kerncijfers.csv"
        )
    )
    assert table[0] == ["Kwartaal", "Cijfer", "Toelichting", "Groot Amsterdam", "Nederland", "n"]
    shown = {(line[0], line[1]): line[3:5] for line in table[1:]}
    for row in rows:
        quarter = quarter_label(row["quarter"])
        for column, label in HEADLINE_COUNTS.items():
            expected = [shown_count(row, column), shown_count(row, f"nl_{column}")]
            assert shown[(quarter, label)] == expected, (quarter, column)
        register = shown[(quarter, "Mensen in het doelgroepregister")][0]
        assert register == shown_count(row, "register_total")
        rate = shown[(quarter, "Aandeel werkend (doelgroepregister)")][0]
        assert rate == shown_rate(row, "employment_rate")
    assert console_messages(browser) == []


@pytest.mark.parametrize("kind", ["png", "svg"])
def test_a_chart_downloads_as_an_image_under_the_policy(dashboard, browser, downloads, kind):
    open_page(browser, f"{dashboard.url}regio/{REGIONS[0]}.html")
    selector = f"button[data-chart='survival-chart'][data-format='{kind}']"
    image = click_download(browser, downloads, selector, f"{REGIONS[0]}-survival.{kind}")
    content = image.read_bytes()
    if kind == "png":
        assert content.startswith(b"\x89PNG\r\n\x1a\n") and len(content) > 10_000
    else:
        assert b"<svg" in content[:500] and b"nog aan het werk" in content
    assert console_messages(browser) == []  # nothing refused by the Content-Security-Policy


ENGLISH_DECIMAL = re.compile(r"(?<![\d.,])\d+\.\d{1,2}(?![\d.])")  # 62.5, not 1.234


@pytest.mark.parametrize("page", ["index.html", f"regio/{REGIONS[0]}.html", "vergelijk.html"])
def test_numbers_and_dates_are_dutch(dashboard, browser, page):
    open_page(browser, dashboard.url + page)
    texts = browser.execute_script(
        "return [document.body.innerText]"
        ".concat([...document.querySelectorAll('svg text')].map(t => t.textContent))"
    )
    assert [ENGLISH_DECIMAL.findall(text) for text in texts if ENGLISH_DECIMAL.search(text)] == []
    assert re.search(r"Cijfers tot en met \d{1,2} (juni|december|maart|september) 20\d\d", texts[0])
    if page != "vergelijk.html":  # a share with a decimal comma in the headline table
        assert re.search(r"\d,\d%", texts[0])
    charts = browser.execute_script(
        "return [...document.querySelectorAll('.js-plotly-plot')]"
        ".map(c => [c._fullLayout.separators, c._context.locale])"
    )
    assert charts and all(chart == [",.", "nl"] for chart in charts)
