"""The banenafspraak XLSX: found by its header wherever it sits, total row and notes ignored,
Dutch numbers read; bad workbooks rejected with their own message."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from duurzaam.errors import InputRejected
from duurzaam.ingest.steps import ingest
from duurzaam.quarters import Quarter
from duurzaam.synthetic import generate
from duurzaam.warehouse.database import open_warehouse

QUARTER = "2024Q3"


@pytest.fixture(scope="module")
def publication(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("jobs")
    return generate(folder, [Quarter.parse(QUARTER)], seed=4, scale=0.05).other_files[
        "jobs_agreement"
    ][0]


def loaded(settings, path: Path):
    ingest("jobs_agreement", QUARTER, settings, file=path)
    with open_warehouse(settings.warehouse_url) as warehouse:
        return warehouse.query_frame("select * from raw.jobs_agreement order by regio_code")


def edit(publication: Path, tmp_path: Path, change) -> Path:
    workbook = openpyxl.load_workbook(publication)
    change(workbook.active)
    path = tmp_path / f"{QUARTER}.xlsx"
    workbook.save(path)
    return path


def rejected(settings, path: Path) -> str:
    with pytest.raises(InputRejected) as rejection:
        ingest("jobs_agreement", QUARTER, settings, file=path)
    return str(rejection.value)


def test_the_publication_loads_all_35_regions_without_the_total(settings, publication):
    raw = loaded(settings, publication)
    sheet = openpyxl.load_workbook(publication).active
    total = next(row for row in sheet.iter_rows(values_only=True) if row[0] == "Totaal")
    assert len(raw) == 35 and raw["regio_code"].is_unique
    assert raw["banen_marktsector"].sum() == pytest.approx(total[2], abs=0.5)
    assert raw["banen_overheid"].sum() == pytest.approx(total[3], abs=0.5)


def test_a_moved_table_with_text_numbers_and_no_code_column_reads_the_same(
    settings, publication, tmp_path
):
    expected = loaded(settings, publication)

    def move(sheet):
        sheet.insert_rows(1, amount=4)
        sheet.insert_cols(1, amount=2)
        sheet["A1"] = "Extra toelichting boven de tabel"
        sheet.delete_cols(4)  # the code column: regions are then found by name
        for row in range(12, 12 + 35):
            value = sheet.cell(row=row, column=4).value  # Marktsector, now column D
            sheet.cell(row=row, column=4).value = (
                f"{value:,.1f}".replace(",", "X").replace(".", ",").replace("X", ".")
            )  # Dutch text: 1.234,5

    moved = loaded(settings, edit(publication, tmp_path, move))
    assert moved[["regio_code", "banen_marktsector", "banen_overheid"]].equals(
        expected[["regio_code", "banen_marktsector", "banen_overheid"]]
    )


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda s: s.delete_rows(9), "the table has one row for each of the 35"),
        (lambda s: s.__setitem__("B10", "AM99"), r"column regio_code: .*row 10"),
        (lambda s: s.__setitem__("C11", -3), r"column banen_marktsector: .*row 11"),
        (lambda s: s.__setitem__("C11", "veel"), r"column banen_marktsector: .*row 11"),
        (lambda s: s.__setitem__("B12", "AM01"), r"column regio_code: each region appears once"),
        (lambda s: s.__setitem__("E6", "Streefcijfer"), r"no column for doelstelling"),
        (lambda s: s.__setitem__("C7", "Markt"), r"no table with a 'Marktsector' header"),
    ],
    ids=[
        "missing-region",
        "unknown-region",
        "negative",
        "not-a-number",
        "duplicate",
        "renamed-column",
        "no-header",
    ],
)
def test_bad_publications_are_rejected(settings, publication, tmp_path, change, expected):
    import re

    message = rejected(settings, edit(publication, tmp_path, change))
    assert re.search(expected, message), message


def test_a_renamed_csv_is_not_a_workbook(settings, tmp_path):
    path = tmp_path / f"{QUARTER}.xlsx"
    path.write_text("regio;banen\nGroningen;12\n")
    assert "not an Excel workbook" in rejected(settings, path)
