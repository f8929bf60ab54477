"""One module per source: where its extract comes from and how it is read into a frame.

A source module provides SOURCE (its name), RAW_COLUMNS (the raw table), read() (file -> text
frame indexed by source row), prepare_for_validation(frame, quarter) and to_raw(); one
fetched over HTTP also fetch(url, quarter, destination). Where each extract is:
include/config/sources.yml."""

from __future__ import annotations

from types import ModuleType

from duurzaam.sources import (
    employer_survey,
    followup_survey,
    jobs_agreement,
    placements,
    register,
)

SOURCES: dict[str, ModuleType] = {
    module.SOURCE: module
    for module in (
        placements,
        register,
        jobs_agreement,
        employer_survey,
        followup_survey,
    )
}


def get_source(name: str) -> ModuleType:
    try:
        return SOURCES[name]
    except KeyError:
        raise ValueError(f"unknown source {name!r}; known: {', '.join(SOURCES)}") from None


def raw_tables() -> dict[str, list[tuple[str, str]]]:
    return {name: module.RAW_COLUMNS for name, module in SOURCES.items()}
