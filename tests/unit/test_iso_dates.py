"""Dates as delivered -> ISO text for the suites: Arrow's fast parse must not accept what a
strict parse refuses (no rolled-over dates), and the rare rest still parses as before."""

from __future__ import annotations

import pandas as pd

from duurzaam.ingest.sources.cells import dates_from_iso, iso_dates

DATE_FORMATS = ("%Y-%m-%d", "%d-%m-%Y")
DATE_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%d-%m-%Y %H:%M", "%Y-%m-%d")


def as_iso(values: list[str | None], formats=DATE_FORMATS, output="%Y-%m-%d") -> list:
    series = pd.Series(values, dtype="str", index=range(2, 2 + len(values)))
    result = iso_dates(series, formats, output)
    assert list(result.index) == list(series.index)
    return [None if pd.isna(v) else v for v in result]


def test_both_formats_give_iso_and_missing_stays_missing():
    assert as_iso(["2024-02-29", "05-10-2024", None]) == ["2024-02-29", "2024-10-05", None]


def test_impossible_dates_are_marked_not_rolled_over():
    bad = ["2023-02-29", "2024-02-31", "31-04-2024", "2024-13-01", "gisteren", "20240105", ""]
    assert as_iso(bad) == ["?" + value for value in bad]


def test_unpadded_dates_are_still_read():
    assert as_iso(["2024-1-5", "5-1-2024"]) == ["2024-01-05", "2024-01-05"]


def test_a_year_outside_pandas_nanoseconds_does_not_crash():
    assert as_iso(["0024-01-05"]) == ["0024-01-05"]  # the suite's date rule refuses it


def test_timestamps_in_several_formats():
    values = [
        "2024-01-05 10:00:00",
        "05-01-2024 23:59",
        "2024-01-05",
        "2024-01-05 24:00:00",
        "05-01-2024 23:60",
    ]
    assert as_iso(values, DATE_TIME_FORMATS, "%Y-%m-%d %H:%M:%S") == [
        "2024-01-05 10:00:00",
        "2024-01-05 23:59:00",
        "2024-01-05 00:00:00",
        "?2024-01-05 24:00:00",
        "?05-01-2024 23:60",
    ]


def test_validated_iso_text_becomes_dates():
    dates = dates_from_iso(pd.Series(["2024-01-05", None], dtype="str", index=[7, 8]))
    assert list(dates.index) == [7, 8]
    assert str(dates.iloc[0]) == "2024-01-05" and pd.isna(dates.iloc[1])
