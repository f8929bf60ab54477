"""The employer survey: the generator's export loads on both backends, with its respondents'
werkgever_id where they give one, and so does an older export without that column (also into
a warehouse created before it); every kind of bad input is rejected with its own message,
nothing loaded; text is data; a BSN in free text is caught and never stored."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

from duurzaam.employers import load_employers
from duurzaam.errors import InputRejected
from duurzaam.ingest.sources import employer_survey, raw_tables
from duurzaam.ingest.steps import ingest
from duurzaam.quarters import Quarter
from duurzaam.synthetic import employer_survey as synthetic_survey
from duurzaam.synthetic import generate
from duurzaam.warehouse.database import open_warehouse

QUARTER = "2024Q2"


@pytest.fixture(scope="module")
def export(tmp_path_factory) -> pd.DataFrame:
    """One quarter's generated export, as text cells."""
    folder = tmp_path_factory.mktemp("survey")
    summary = generate(folder, [Quarter.parse(QUARTER)], seed=11, scale=0.1)
    path = summary.other_files[synthetic_survey.SOURCE][0]
    return pd.read_csv(path, sep=";", dtype=str, keep_default_na=False, encoding="cp1252")


def write(tmp_path: Path, frame: pd.DataFrame, encoding: str = "utf-8") -> Path:
    path = tmp_path / f"{QUARTER}.csv"
    frame.to_csv(path, sep=";", index=False, encoding=encoding, lineterminator="\n")
    return path


def rows_in(settings, sql: str) -> pd.DataFrame:
    with open_warehouse(settings.warehouse_url) as warehouse:
        return warehouse.query_frame(sql)


def stored_ids(settings) -> list[str | None]:
    rows = rows_in(settings, "select werkgever_id from raw.employer_survey order by _row_number")
    return [None if pd.isna(value) else value for value in rows["werkgever_id"]]


def test_a_respondents_werkgever_id_is_stored_where_the_export_gives_one(
    settings, tmp_path, export
):
    given = export["werkgever_id"].replace("", None)
    assert given.notna().any() and given.isna().any()  # some employers give it, others not
    ingest("employer_survey", QUARTER, settings, file=write(tmp_path, export))
    assert stored_ids(settings) == [None if pd.isna(v) else v for v in given]


def test_an_older_export_without_werkgever_id_loads(settings, tmp_path, export):
    older = export.drop(columns=["werkgever_id"])
    outcome = ingest("employer_survey", QUARTER, settings, file=write(tmp_path, older))
    assert outcome["status"] == "loaded" and outcome["rows"] == len(export)
    assert stored_ids(settings) == [None] * len(export)


def test_a_warehouse_created_before_werkgever_id_gets_the_column(settings, tmp_path, export):
    """The raw and history tables of a warehouse created before the column get it appended;
    a revised export then moves the older rows to history, column for column."""
    before = [c for c in employer_survey.RAW_COLUMNS if c[0] != employer_survey.EMPLOYER_ID]
    with open_warehouse(settings.warehouse_url) as warehouse:
        warehouse.ensure_schema({**raw_tables(), employer_survey.SOURCE: before})
    older = write(tmp_path, export.drop(columns=["werkgever_id"]).head(5))
    ingest("employer_survey", QUARTER, settings, file=older)
    (tmp_path / "revised").mkdir()
    ingest("employer_survey", QUARTER, settings, file=write(tmp_path / "revised", export))
    assert stored_ids(settings) == [None if v == "" else v for v in export["werkgever_id"]]
    history = rows_in(settings, "select respondent_id, werkgever_id from history.employer_survey")
    assert history["respondent_id"].tolist() == export["id"].head(5).tolist()
    assert history["werkgever_id"].isna().all()


def test_participating_employers_of_the_test_landing_zone_answered(generated_landing):
    """The built warehouses' employer reports have answers of their own to show or withhold:
    some participating employer answered in a wave it takes part in."""
    employers = load_employers(generated_landing / "employers.yml")
    answered = []
    for path in sorted((generated_landing / "employer_survey").glob("*.csv")):
        ids = employer_survey.read(path)["werkgever_id"].dropna()
        wave = Quarter.parse(path.stem)
        answered += [e for e in ids if e in employers and employers[e].takes_part_in(wave)]
    assert answered


def test_the_generated_export_loads_with_decoded_values(settings, tmp_path, export):
    outcome = ingest("employer_survey", QUARTER, settings, file=write(tmp_path, export))
    assert outcome["status"] == "loaded" and outcome["rows"] == len(export)
    raw = rows_in(settings, "select * from raw.employer_survey order by _row_number")
    assert set(raw["werkgever_grootte"]) <= {"<10", "10-99", "100+"}
    assert raw["doelgroep_in_dienst"].tolist() == (export["doelgroep_in_dienst"] == "Y").tolist()
    scores = pd.to_numeric(export["spinnenweb[SQ003]"], errors="coerce").fillna(0)
    assert raw["spinnenweb_selectie_matching"].fillna(0).astype(int).tolist() == (
        scores.astype(int).tolist()
    )


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_text_is_data_and_diacritics_survive_every_encoding(settings, tmp_path, export, encoding):
    texts = [
        'Súdwest-Fryslân; "prima" samenwerking',
        "Nuenen, Gerwen en Nederwetten",
        "'); drop table raw.placements; --",
        '=HYPERLINK("http://x","y")',
        "twee\nregels",
    ]
    frame = export.head(len(texts)).copy()
    frame["opmerkingen"] = texts
    ingest("employer_survey", QUARTER, settings, file=write(tmp_path, frame, encoding))
    stored = rows_in(settings, "select opmerkingen from raw.employer_survey order by _row_number")
    assert stored["opmerkingen"].tolist() == texts
    assert rows_in(settings, "select count(*) as n from raw.employer_survey")["n"][0] == 5


def rejected(settings, path: Path) -> str:
    with pytest.raises(InputRejected) as rejection:
        ingest("employer_survey", QUARTER, settings, file=path)
    assert rows_in(settings, "select count(*) as n from raw.employer_survey")["n"][0] == 0
    return str(rejection.value)


def test_a_bsn_in_free_text_rejects_the_file_and_is_never_stored(settings, tmp_path, export):
    frame = export.head(6).copy()
    frame.loc[3, "opmerkingen"] = "Bel mevrouw Jansen, bsn 111 222 333, over haar contract"
    message = rejected(settings, write(tmp_path, frame))
    assert "bsn_outside_bsn_column" in message and "row 5" in message
    quarantine = rows_in(settings, "select * from meta.quarantine").to_csv()
    assert "111 222 333" not in quarantine and "111222333" not in quarantine
    assert "Bel mevrouw Jansen, bsn *********" in quarantine
    assert "111 222 333" not in message


def edited(export: pd.DataFrame, row: int, **cells: str) -> pd.DataFrame:
    frame = export.head(8).copy()
    for column, value in cells.items():
        frame.loc[row, column] = value
    return frame


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda f: edited(f, 2, id=f.loc[1, "id"]), r"column id: a response id appears.*row 3, 4"),
        (lambda f: edited(f, 2, grootte="A7"), r"column grootte: .*row 4 .*'A7'"),
        (lambda f: edited(f, 0, gemeente="GM9999"), r"column gemeente: .*known CBS.*row 2"),
        (lambda f: edited(f, 5, submitdate="31-02-2024 10:00"), r"column submitdate: .*row 7"),
        (lambda f: edited(f, 1, **{"spinnenweb[SQ002]": "7"}), r"SQ002\]: .*1 to 5.*row 3"),
        (lambda f: edited(f, 1, **{"spinnenweb[SQ002]": "goed"}), r"spinnenweb\[SQ002\]: .*row 3"),
        (lambda f: edited(f, 3, perspectief="klant"), r"column perspectief: .*row 5"),
        (
            lambda f: edited(f, 3, submitdate="2024-10-15 09:30:00"),
            r"column submitdate_in_wave: .*open_weeks.*row 5",
        ),
        (
            lambda f: edited(f, 4, doelgroep_in_dienst="N", **{"redenen[SQ001]": "Y"}),
            r"antwoorden_consistent: .*row 6",
        ),
        (
            lambda f: edited(f, 2, werkgever_id="WG 00-12"),
            r"column werkgever_id: .*letters, digits, - and _.*row 4 .*'WG 00-12'",
        ),
        (
            lambda f: edited(f, 1, werkgever_id="WG000123").pipe(
                lambda g: g.assign(werkgever_id=g["werkgever_id"].mask(g.index == 4, "WG000123"))
            ),
            r"column werkgever_id: an employer answers once per wave.*row 3, 6",
        ),
        (lambda f: f.drop(columns=["perspectief"]), r"column perspectief: the export has"),
        (lambda f: f.rename(columns={"gemeente": "gemeentecode"}), r"column gemeente: the export"),
    ],
    ids=[
        "duplicate-id",
        "unknown-code",
        "unknown-municipality",
        "impossible-date",
        "score-out-of-range",
        "score-not-a-number",
        "bad-value",
        "submitted-after-the-wave",
        "inconsistent-answers",
        "malformed-werkgever-id",
        "werkgever-id-twice",
        "missing-column",
        "renamed-column",
    ],
)
def test_each_bad_value_is_rejected_with_file_row_column_and_rule(
    settings, tmp_path, export, change, expected
):
    path = write(tmp_path, change(export))
    message = rejected(settings, path)
    assert str(path) in message and "What to do" in message
    assert pd.Series([message]).str.contains(expected, regex=True).iat[0], message


def test_a_response_in_the_weeks_the_survey_stays_open_loads(settings, tmp_path, export):
    """2024Q2 ends on 30 June; the survey stays open eight weeks (sources.yml)."""
    frame = edited(export, 2, submitdate="2024-08-20 16:45:00")
    outcome = ingest("employer_survey", QUARTER, settings, file=write(tmp_path, frame))
    assert outcome["status"] == "loaded" and outcome["rows"] == len(frame)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "the file is empty"),
        (b"PK\x03\x04\x14\x00binary zip", "ZIP/XLSX"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "binary file"),
    ],
    ids=["empty", "renamed-xlsx", "binary"],
)
def test_unreadable_files_get_their_own_message(settings, tmp_path, content, expected):
    path = tmp_path / f"{QUARTER}.csv"
    path.write_bytes(content)
    assert expected in rejected(settings, path)


def test_wrong_delimiter_and_truncated_file(settings, tmp_path, export):
    commas = tmp_path / "commas.csv"
    export.head(3).to_csv(commas, sep=",", index=False)
    assert "separated by ','" in rejected(settings, commas)

    buffer = io.StringIO()
    export.head(5).to_csv(buffer, sep=";", index=False, lineterminator="\n")
    text = buffer.getvalue()
    cut = tmp_path / "cut.csv"
    cut.write_text(text[: text.rindex("\n", 0, len(text) - 1) + 30], encoding="utf-8")
    assert "looks cut off" in rejected(settings, cut)
