"""Synthetic placement extracts, in the format the employer desks deliver (the contract of
`duurzaam.ingest.sources.placements`): `<out_dir>/placements/<YYYYQn>.csv`, one per requested
quarter,
holding the placements started in or running during it with their state at its end."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from duurzaam.ingest.sources.placements import COLUMNS as CONTRACT_COLUMNS
from duurzaam.quarters import Quarter
from duurzaam.synthetic.config import (
    BASES,
    CONTRACTS,
    END_REASONS,
    INSTRUMENTS,
    SECTIONS,
    SECTOR_KINDS,
    SIZES,
    YES_NO,
)
from duurzaam.synthetic.days import day
from duurzaam.synthetic.world import World

SOURCE_DIR = "placements"
_BSN_WEIGHTS = np.array([9, 8, 7, 6, 5, 4, 3, 2], dtype=np.int64)


@dataclass(frozen=True)
class WrittenExtracts:
    files: tuple[Path, ...]
    rows_per_file: dict[str, int]
    written: np.ndarray  # per placement: in at least one of the files


def placement_table(
    frame: pd.DataFrame, persons: np.ndarray, world: World, last: Quarter
) -> pd.DataFrame:
    """Every simulated placement as the other sources see it: readable values, the
    region, and the true start and end (NaT when it runs past the last quarter)."""
    employers = world.employers
    employer = frame["employer"].to_numpy()
    end = frame["end"].to_numpy()
    return pd.DataFrame(
        {
            "plaatsing_id": _numbered(
                "PL", pd.Series(np.arange(1, len(frame) + 1)), max(7, len(str(len(frame))))
            ),
            "persoon": persons[frame["person"].to_numpy()],
            "spell": frame["spell"].to_numpy(),
            "gemeente_code": world.municipalities.codes[frame["municipality"].to_numpy()],
            "region_code": np.array(world.region_codes, dtype=object)[employers.region[employer]],
            "werkgever_id": _numbered(
                "WG", frame["employer_number"], max(6, len(str(len(employers.region))))
            ),
            "werkgever_grootte": _labels(SIZES, frame["werkgever_grootte"]),
            "sector": _labels(SECTIONS, frame["section"]),
            "sector_type": _labels(SECTOR_KINDS, frame["kind"]),
            "startdatum": pd.to_datetime(frame["start"].to_numpy(), unit="D"),
            "einddatum": pd.to_datetime(
                np.where(end <= day(last.end), end, np.iinfo(np.int64).min), unit="D"
            ),
            "reden_einde": np.where(
                end <= day(last.end), np.array(END_REASONS, dtype=object)[frame["reason"]], ""
            ),
            "contractvorm": _labels(CONTRACTS, frame["contractvorm"]),
            "uren_per_week": frame["hours2"].to_numpy() / 2,
            "grondslag": _labels(BASES, frame["grondslag"]),
            **{name: _labels(YES_NO, frame[name]) for name in INSTRUMENTS},
        }
    )


def person_keys(placements: pd.DataFrame, identifier: str, rng: np.random.Generator) -> np.ndarray:
    """The identifier text per person number (index 0 unused)."""
    count = int(placements["person"].max()) + 1
    if identifier == "bsn":
        return np.concatenate([[""], _bsns(count - 1, rng)])
    return ("P" + pd.Series(np.arange(count)).astype(str).str.zfill(8)).to_numpy(dtype=object)


def _bsns(n: int, rng: np.random.Generator) -> np.ndarray:
    """n distinct 9-digit numbers passing the 11-proef, in random order."""
    chosen = np.empty(0, dtype=np.int64)
    while len(chosen) < n:
        # The 8 leading digits determine the check digit; 0 would give 000000000.
        prefixes = rng.integers(1, 10**8, size=int(1.2 * (n - len(chosen))) + 16)
        digits = prefixes[:, None] // 10 ** np.arange(7, -1, -1) % 10
        check = digits @ _BSN_WEIGHTS % 11
        candidates = np.concatenate([chosen, prefixes[check < 10] * 10 + check[check < 10]])
        _, first = np.unique(candidates, return_index=True)
        chosen = candidates[np.sort(first)]
    return pd.Series(chosen[:n]).astype(str).str.zfill(9).to_numpy(dtype=object)


def _labels(levels: tuple[str, ...], codes: pd.Series) -> np.ndarray:
    return np.array(levels, dtype=object)[codes.to_numpy()]


def _numbered(prefix: str, numbers: pd.Series, width: int) -> np.ndarray:
    return (prefix + numbers.astype(str).str.zfill(width)).to_numpy(dtype=object)


def _static_parts(
    frame: pd.DataFrame, persons: np.ndarray, world: World
) -> tuple[np.ndarray, np.ndarray]:
    """Per placement, the cells before startdatum and after reden_einde: what does not change
    between extracts."""
    employers = len(world.employers.region)
    hours = np.array([f"{h // 2},5" if h % 2 else str(h // 2) for h in range(121)], dtype=object)
    head = _joined(
        [
            _numbered("PL", pd.Series(np.arange(1, len(frame) + 1)), max(7, len(str(len(frame))))),
            persons[frame["person"].to_numpy()],
            world.municipalities.codes[frame["municipality"].to_numpy()],
            _numbered("WG", frame["employer_number"], max(6, len(str(employers)))),
            _labels(SIZES, frame["werkgever_grootte"]),
            _labels(SECTIONS, frame["section"]),
            _labels(SECTOR_KINDS, frame["kind"]),
        ]
    )
    tail = _joined(
        [
            _labels(CONTRACTS, frame["contractvorm"]),
            hours[frame["hours2"].to_numpy()],
            _labels(BASES, frame["grondslag"]),
            *[_labels(YES_NO, frame[name]) for name in INSTRUMENTS],
        ]
    )
    return head + ";", ";" + tail


def _joined(cells: list[np.ndarray]) -> np.ndarray:
    """Per row, the cells joined with semicolons."""
    line = cells[0]
    for cell in cells[1:]:
        line = line + ";" + cell
    return line


def write(
    out_dir: Path,
    quarters: list[Quarter],
    frame: pd.DataFrame,
    persons: np.ndarray,
    identifier: str,
    world: World,
) -> WrittenExtracts:
    folder = out_dir / SOURCE_DIR
    folder.mkdir(parents=True, exist_ok=True)
    # The contract's columns in export order, the person identifier after plaatsing_id.
    header = ";".join((CONTRACT_COLUMNS[0], identifier, *CONTRACT_COLUMNS[1:]))
    extracts = _Extracts(frame, persons, world, day(quarters[-1].end))
    written = np.zeros(len(frame), dtype=bool)
    files, rows = [], {}
    for quarter in quarters:
        selected = extracts.rows_of(quarter)
        written[selected] = True
        text = "\n".join([header, *extracts.lines(selected, quarter)]) + "\n"
        path = folder / f"{quarter}.csv"
        path.write_bytes(_encode(text, quarter))
        files.append(path)
        rows[str(quarter)] = len(selected)
    return WrittenExtracts(tuple(files), rows, written)


class _Extracts:
    """The lines of each quarter's extract: the placements started in or running during the
    quarter, with their state at its end."""

    def __init__(
        self, frame: pd.DataFrame, persons: np.ndarray, world: World, horizon: np.int64
    ) -> None:
        self.head, self.tail = _static_parts(frame, persons, world)
        self.start, self.end = frame["start"].to_numpy(), frame["end"].to_numpy()
        self.reasons = np.array(END_REASONS, dtype=object)[frame["reason"].to_numpy()]
        self.dates = _DateText(int(self.start.min()), int(horizon))

    def rows_of(self, quarter: Quarter) -> np.ndarray:
        first, last = day(quarter.start), day(quarter.end)
        return np.flatnonzero((self.start <= last) & (self.end >= first))

    def lines(self, rows: np.ndarray, quarter: Quarter) -> np.ndarray:
        last = day(quarter.end)
        end = self.end[rows]
        ended = end <= last  # an end after the quarter is not known yet
        dmy = quarter.number % 2 == 0
        dates = _joined(
            [
                self.dates.text(self.start[rows], dmy),
                np.where(ended, self.dates.text(np.minimum(end, last), dmy), ""),
                np.where(ended, self.reasons[rows], ""),
            ]
        )
        return self.head[rows] + dates + self.tail[rows]


class _DateText:
    """Dates as text, looked up per day: ISO (Q1, Q3) or DD-MM-YYYY (Q2, Q4)."""

    def __init__(self, first_day: int, last_day: int) -> None:
        self.first_day = first_day
        days = pd.date_range(pd.Timestamp(first_day, unit="D"), periods=last_day - first_day + 1)
        self.iso = days.strftime("%Y-%m-%d").to_numpy(dtype=object)
        self.dmy = days.strftime("%d-%m-%Y").to_numpy(dtype=object)

    def text(self, days: np.ndarray, dmy: bool) -> np.ndarray:
        return (self.dmy if dmy else self.iso)[days - self.first_day]


def _encode(text: str, quarter: Quarter) -> bytes:
    """Q1 UTF-8 with BOM, Q3 UTF-8, Q2 and Q4 Windows-1252: the parser must take all three."""
    encoding = {1: "utf-8-sig", 2: "cp1252", 3: "utf-8", 4: "cp1252"}[quarter.number]
    if encoding == "cp1252" and text.isascii():
        encoding = "ascii"  # the same bytes, encoded many times faster
    return text.encode(encoding)
