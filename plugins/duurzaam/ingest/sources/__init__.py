"""One module per source: where its extract comes from and how it is read into a frame.

A source module provides what sources/protocol.py's Source declares: SOURCE (its name),
RAW_COLUMNS (the raw table), read() (file -> text frame indexed by source row),
prepare_for_validation(frame, quarter) and to_raw(); one fetched over HTTP also
fetch(url, quarter, destination) (FetchedSource). Where each extract is:
include/config/sources.yml."""

from __future__ import annotations

from collections.abc import Mapping

from duurzaam.ingest.sources import (
    employer_survey,
    followup_survey,
    jobs_agreement,
    placements,
    register,
)
from duurzaam.ingest.sources.protocol import FetchedSource, Source

# Each module assigned to the Protocol it provides: mypy checks it there, by name.
_placements: Source = placements
_register: FetchedSource = register
_jobs_agreement: Source = jobs_agreement
_employer_survey: Source = employer_survey
_followup_survey: Source = followup_survey

SOURCES: Mapping[str, Source] = {
    module.SOURCE: module
    for module in (_placements, _register, _jobs_agreement, _employer_survey, _followup_survey)
}
FETCHED_SOURCES: Mapping[str, FetchedSource] = {_register.SOURCE: _register}


def get_source(name: str) -> Source:
    try:
        return SOURCES[name]
    except KeyError:
        raise ValueError(f"unknown source {name!r}; known: {', '.join(SOURCES)}") from None


def get_fetched_source(name: str) -> FetchedSource:
    """The source as fetched over HTTP: for a location that is a URL."""
    get_source(name)  # an unknown name: the same message as everywhere
    try:
        return FETCHED_SOURCES[name]
    except KeyError:
        raise ValueError(
            f"source {name!r} is not fetched over HTTP (only {', '.join(FETCHED_SOURCES)}): "
            "set its location to a file path"
        ) from None


def raw_tables() -> dict[str, list[tuple[str, str]]]:
    return {name: module.RAW_COLUMNS for name, module in SOURCES.items()}
