"""The report PDF is an accessible document (PDF/UA-1): tagged, with its language and title
set and shown, the charts as figures with an alternative text that says their figures, and the
tables as real tables (header cells, data cells). Read back from the PDF's own structure tree
and metadata, for a large region and for a small one whose figures are partly withheld."""

from __future__ import annotations

import io
from typing import Any

import pytest
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject

from duurzaam.quarters import parse_quarter_range
from duurzaam.reports.content import report_content
from duurzaam.reports.data import load_report_data
from duurzaam.reports.render import render
from duurzaam.warehouse.database import open_warehouse
from tests.conftest import SAMPLE_QUARTERS

pytestmark = pytest.mark.slow

QUARTER = parse_quarter_range(SAMPLE_QUARTERS)[-1]


def structure(element: Any, found: list[DictionaryObject]) -> list[DictionaryObject]:
    """Every structure element below `element`, depth first."""
    element = element.get_object()
    if isinstance(element, ArrayObject):
        for child in element:
            structure(child, found)
    elif isinstance(element, DictionaryObject) and "/S" in element:
        found.append(element)
        if "/K" in element:
            structure(element["/K"], found)
    elif isinstance(element, DictionaryObject) and "/K" in element:  # the root
        structure(element["/K"], found)
    return found


@pytest.fixture(scope="module")
def reports(built_warehouses) -> dict[str, tuple[dict, bytes]]:
    settings = built_warehouses["duckdb"]
    with open_warehouse(settings.warehouse_url) as warehouse:
        data = {code: load_report_data(warehouse, QUARTER, code) for code in ("AM27", "AM01")}
    rendered = {}
    for code, region_data in data.items():
        content = report_content(region_data, settings.suppress_below)
        rendered[code] = (content, render(content).pdf)
    return rendered


@pytest.mark.parametrize("region", ["AM27", "AM01"])
def test_the_report_pdf_is_tagged_with_language_title_alt_texts_and_tables(reports, region):
    content, pdf = reports[region]
    reader = PdfReader(io.BytesIO(pdf))
    catalog = reader.trailer["/Root"]

    assert bool(catalog["/MarkInfo"]["/Marked"])
    assert catalog["/Lang"] == "nl"
    assert bool(catalog["/ViewerPreferences"]["/DisplayDocTitle"])
    title = f"Kwartaalrapportage Duurzaam Werk — {content['region_name']}"
    assert reader.metadata.title.startswith(title)
    xmp = catalog["/Metadata"].get_object().get_data().decode()
    assert 'pdfuaid:part="1"' in xmp

    elements = structure(catalog["/StructTreeRoot"], [])
    kinds = [str(element["/S"]) for element in elements]
    for kind in ("/H1", "/H2", "/P", "/Table", "/TR", "/TH", "/TD", "/Figure"):
        assert kind in kinds, kind
    figures = [element for element in elements if element["/S"] == "/Figure"]
    # the trend, the survival curve and the factors at least; each says what it shows
    assert len(figures) >= 3
    alts = [str(figure.get("/Alt", "")) for figure in figures]
    assert all(len(alt) > 60 for alt in alts), alts
    assert any(alt.startswith("Lijngrafiek van plaatsingen en baanverlies") for alt in alts)
    assert any(content["region_name"] in alt for alt in alts)
    # a header cell for every row and column of the key-figures table
    assert kinds.count("/TH") >= 3 + len(content["headline"])
    # the alternative text never says a withheld figure: it says it is withheld
    trend = content["trend"]
    if None in (trend["placements"][-1], trend["job_losses"][-1]):
        assert any("niet getoond vanwege privacy" in alt for alt in alts)
