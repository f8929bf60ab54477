"""The follow-up survey: the generator's export loads with its options as booleans; bad rows
are rejected with file, row, column and rule; nothing is loaded then."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from duurzaam.errors import InputRejected
from duurzaam.ingest.steps import ingest
from duurzaam.quarters import Quarter
from duurzaam.synthetic import generate
from duurzaam.warehouse.database import open_warehouse

QUARTER = "2020Q3"


@pytest.fixture(scope="module")
def export(tmp_path_factory) -> pd.DataFrame:
    folder = tmp_path_factory.mktemp("followup")
    summary = generate(folder, [Quarter.parse(QUARTER)], seed=5, scale=0.1)
    path = summary.other_files["followup_survey"][0]
    return pd.read_csv(path, sep=";", dtype=str, keep_default_na=False)


def write(tmp_path: Path, frame: pd.DataFrame) -> Path:
    path = tmp_path / f"{QUARTER}.csv"
    frame.to_csv(path, sep=";", index=False, lineterminator="\n")
    return path


def query(settings, sql: str) -> pd.DataFrame:
    with open_warehouse(settings.warehouse_url) as warehouse:
        return warehouse.query_frame(sql)


def test_the_generated_export_loads_with_one_boolean_per_option(settings, tmp_path, export):
    assert ingest("followup_survey", QUARTER, settings, file=write(tmp_path, export))["rows"] == (
        len(export)
    )
    raw = query(settings, "select * from raw.followup_survey order by _row_number")
    assert raw["golf_nummer"].tolist() == export["golf"].str[1:].astype(int).tolist()
    assert raw["ondersteuning_jobcoach"].tolist() == (
        export["ondersteuning"].str.contains("jobcoach").tolist()
    )
    assert raw["verstoring_corona"].any()  # 2020Q3 lies in the planted pandemic period
    assert (raw["datum"].astype(str) >= "2020-07-01").all()


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        ({"golf": "T9"}, r"column golf: golf is T0 \(the start\) to T8.*row 4"),
        ({"datum": "2020-04-15"}, r"datum_in_kwartaal: datum lies in the quarter.*row 4"),
        ({"datum": "31-09-2020"}, r"column datum: datum is a real date.*row 4"),
        ({"ondersteuning": "jobcoach, toverstaf"}, r"ondersteuning_bekend: .*row 4"),
        ({"rol_arbeidsdeskundige": "baas"}, r"column rol_arbeidsdeskundige: .*row 4"),
        ({"nog_in_dienst": "misschien"}, r"column nog_in_dienst: .*row 4"),
    ],
)
def test_bad_rows_are_rejected_and_nothing_loads(settings, tmp_path, export, cells, expected):
    frame = export.head(6).copy()
    for column, value in cells.items():
        frame.loc[2, column] = value
    path = write(tmp_path, frame)
    with pytest.raises(InputRejected) as rejection:
        ingest("followup_survey", QUARTER, settings, file=path)
    message = str(rejection.value)
    assert str(path) in message
    assert pd.Series([message]).str.contains(expected, regex=True).iat[0], message
    assert query(settings, "select count(*) as n from raw.followup_survey")["n"][0] == 0


def test_a_placement_has_one_row_per_wave(settings, tmp_path, export):
    frame = pd.concat([export.head(5), export.iloc[[1]]], ignore_index=True)
    with pytest.raises(InputRejected, match=r"one row per wave.*row 3, 7"):
        ingest("followup_survey", QUARTER, settings, file=write(tmp_path, frame))
