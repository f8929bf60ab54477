"""One module per source: where its extract comes from and how it is read into a frame.

A source module provides SOURCE (its name), RAW_COLUMNS (the raw table), landing_path(),
read() (file -> text frame), prepare_for_validation() and to_raw()."""

from __future__ import annotations

from types import ModuleType

from duurzaam.sources import placements

SOURCES: dict[str, ModuleType] = {
    module.SOURCE: module
    for module in (
        placements,
    )
}


def get_source(name: str) -> ModuleType:
    try:
        return SOURCES[name]
    except KeyError:
        raise ValueError(f"unknown source {name!r}; known: {', '.join(SOURCES)}") from None


def raw_tables() -> dict[str, list[tuple[str, str]]]:
    return {name: module.RAW_COLUMNS for name, module in SOURCES.items()}
