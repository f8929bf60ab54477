"""The dashboard's "Van werk naar werk", built from the session's warehouse: on the country's
page and a region's, the table of moves per factor is pub_move_factors as published (each
count, or the layer's own marker where it withheld one), the adjusted odds ratios are
pub_move_effects', and the CSV download holds the same rows."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace
from html import unescape

import pytest

from duurzaam.dashboard.site import build_site
from duurzaam.publication.labels import MOVE_FACTOR_LABELS, level_label
from duurzaam.warehouse.database import open_warehouse
from tests.integration.test_dashboard import shown_count

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def site(built_warehouses, tmp_path_factory):
    settings = replace(
        built_warehouses["duckdb"], dashboard_dir=tmp_path_factory.mktemp("dashboard")
    )
    return settings, build_site(settings).folder


def table_rows(html: str, table_id: str) -> list[list[str]]:
    """The body rows of a table of the page, as the reader sees their cells."""
    table = re.search(rf'<table id="{table_id}".*?</table>', html, re.S)
    assert table, table_id
    body = table.group(0).split("<tbody>", 1)[1]
    return [
        [
            unescape(re.sub(r"<[^>]+>", "", cell)).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


@pytest.mark.parametrize(("code", "page"), [("NL", "index.html"), ("AM18", "regio/AM18.html")])
def test_the_moves_table_is_the_published_layer(site, code, page):
    settings, folder = site
    html = (folder / page).read_text(encoding="utf-8")
    shown = table_rows(html, "moves-table")
    with open_warehouse(settings.warehouse_url) as warehouse:
        frame = warehouse.query_frame(
            "select * from published.pub_move_factors where region_code = %s", (code,)
        )
    rows = frame.astype(object).where(frame.notna(), None).to_dict("records")
    assert len(shown) == len(rows) > 0
    # a level as a reader sees it ('<10' employees: 'minder dan 10')
    by_level = {(MOVE_FACTOR_LABELS[r["factor"]], level_label(r["level"])): r for r in rows}
    withheld = 0
    for cells in shown:
        row = by_level[(cells[0], cells[1])]
        assert cells[2] == shown_count(row, "ends")
        for index, column in ((6, "back_3_6m"), (7, "back_6_12m"), (8, "not_back_12m")):
            assert cells[index] == shown_count(row, column)
        if row["move_share_suppressed"] is not None:
            assert cells[3] == row["move_share_suppressed"]
            withheld += 1
        else:
            assert cells[3] == f"{100 * row['move_share']:.1f}%".replace(".", ",")
    if code != "NL":  # a region has levels too small to show; their markers stand there
        assert withheld > 0

    effects = table_rows(html, "move-effects-table")
    with open_warehouse(settings.warehouse_url) as warehouse:
        (count,) = warehouse.query(
            "select count(*) from published.pub_move_effects where region_code = %s", (code,)
        )[0]
    assert len(effects) == count > 0
    assert any(cells[3] == "1 (referentie)" for cells in effects)

    # the download holds what the table shows
    path = folder / "csv" / code / "werk-naar-werk.csv"
    download = list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig")), delimiter=";"))
    assert download[0][:3] == ["Kenmerk", "Niveau", "Beëindigde banen (n)"]
    assert [[c if c else "–" for c in r] for r in download[1:]] == shown
