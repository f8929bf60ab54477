"""The participating employers' file read as the employer reports will read it: who takes part
in which quarter, and each mistake (an id given twice, an unknown region, a bad address, a
quarter that is not one, an id in no extract) as one error naming the file and the employer."""

from __future__ import annotations

from pathlib import Path

import pytest

from duurzaam.employers import (
    EMPLOYER_ID,
    EmployersConfigError,
    load_employers,
    unknown_employers,
)
from duurzaam.ingest.validation import load_suite
from duurzaam.quarters import Quarter
from duurzaam.settings import EMPLOYERS_CONFIG

GOOD = """\
employers:
  WG001012:
    naam: Bouwbedrijf De Vries
    regio: AM05
    adressen: [hr@devries.example, p.jansen@devries.example]
    deelname_vanaf: 2023Q1
  WG004444:
    naam: Zorggroep Oost
    regio: am18
    adressen: personeelszaken@zorggroep-oost.example
    deelname_vanaf: 2023KW02
    deelname_tot: 2024Q1
"""


def written(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "employers.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_each_employer_with_its_region_addresses_and_participation(tmp_path):
    employers = load_employers(written(tmp_path, GOOD))
    assert list(employers) == ["WG001012", "WG004444"]
    vries, zorg = employers["WG001012"], employers["WG004444"]
    assert vries.addresses == ("hr@devries.example", "p.jansen@devries.example")
    assert zorg.region_code == "AM18" and zorg.addresses == (
        "personeelszaken@zorggroep-oost.example",
    )
    assert zorg.since == Quarter(2023, 2) and zorg.until == Quarter(2024, 1)
    # one that left takes part up to its last quarter; the other from its first on
    assert [
        zorg.takes_part_in(Quarter.parse(q)) for q in ("2023Q1", "2023Q2", "2024Q1", "2024Q2")
    ] == [
        False,
        True,
        True,
        False,
    ]
    assert vries.takes_part_in(Quarter(2030, 4)) and not vries.takes_part_in(Quarter(2022, 4))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("  WG004444:\n", "  WG001012:\n"), "line 7: 'WG001012' is given twice: keep one"),
        (("regio: am18", "regio: AM99"), "employer WG004444: regio 'AM99' is not a labour"),
        (
            ("personeelszaken@zorggroep-oost.example", "personeelszaken"),
            "'personeelszaken' is not a mail",
        ),
        (("deelname_tot: 2024Q1", "deelname_tot: 2022Q4"), "deelname_tot 2022Q4 is before"),
        (("deelname_vanaf: 2023KW02", "deelname_vanaf: voorjaar"), "not a quarter: 'VOORJAAR'"),
        (("    naam: Zorggroep Oost\n", ""), "employer WG004444: naam missing"),
        (("  WG004444:", "  WG 4444:"), "employer WG 4444: not a werkgever_id"),
        (("employers:", "werkgevers:"), "expected `employers:`"),
    ],
)
def test_a_mistake_is_one_error_naming_the_file_and_the_employer(tmp_path, change, message):
    path = written(tmp_path, GOOD.replace(*change))
    with pytest.raises(EmployersConfigError) as raised:
        load_employers(path)
    assert str(raised.value).startswith(f"{path}: ") and message in str(raised.value)


def test_an_id_that_no_extract_had_is_refused_and_named(tmp_path):
    employers = load_employers(written(tmp_path, GOOD))
    unknown_employers(employers, {"WG001012", "WG004444", "WG000001"})  # all known: fine
    with pytest.raises(EmployersConfigError, match=r"1 participating employer\(s\) in no "):
        unknown_employers(employers, {"WG001012"})
    with pytest.raises(EmployersConfigError, match="WG004444"):
        unknown_employers(employers, {"WG001012"})


@pytest.mark.parametrize("text", [None, "", "# nobody takes part yet\n", "employers:\n"])
def test_no_file_or_one_without_employers_means_no_one_takes_part(tmp_path, text):
    path = tmp_path / "employers.yml"
    if text is not None:
        path.write_text(text, encoding="utf-8")
    assert load_employers(path) == {}


def test_the_bundled_sample_file_loads():
    employers = load_employers(EMPLOYERS_CONFIG)  # the tests' default is no employers
    assert len(employers) >= 5
    assert [e for e in employers.values() if e.until is not None]  # one that left
    assert all(a.endswith(".example") for e in employers.values() for a in e.addresses)


def test_the_survey_export_checks_a_werkgever_id_as_this_file_does():
    """A respondent's werkgever_id (employer survey) is a participating employer's only when
    it is written the same way."""
    rules = load_suite("employer_survey")["expectations"]
    (pattern,) = [
        rule["kwargs"]["regex"]
        for rule in rules
        if rule["kwargs"].get("column") == "werkgever_id" and "regex" in rule["kwargs"]
    ]
    assert pattern == EMPLOYER_ID.pattern
