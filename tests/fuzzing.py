"""Fuzzing the five readers: inputs made from the bundled sample files by mutating their
bytes, rows, cells, JSON values and XLSX members. Whatever the input, reading it (and
preparing it for its suite, and the BSN scan, as an ingest does before the suite runs) ends
in a frame or in the reader's own rejection (InputRejected, one clear first line naming the
file and the rule): never another exception, a hang, or memory over the bound.

Used by tests/unit/test_fuzz_readers.py (a short run with Hypothesis, in `make test`) and by
tests/fuzz_readers.py (`make fuzz`: a long coverage-guided run with Atheris). Inputs that once
broke a reader are kept in tests/fuzz_corpus/<source>/ and read again by every test run."""

from __future__ import annotations

import io
import json
import random
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from duurzaam.errors import InputRejected
from duurzaam.ingest.privacy import bsn_rows
from duurzaam.ingest.sources import get_source
from duurzaam.quarters import Quarter
from duurzaam.settings import PROJECT_ROOT

SAMPLES = PROJECT_ROOT / "include" / "sample_data"
CORPUS = Path(__file__).parent / "fuzz_corpus"
SUFFIXES = {
    "placements": ".csv",
    "register": ".json",
    "jobs_agreement": ".xlsx",
    "employer_survey": ".csv",
    "followup_survey": ".csv",
}
SOURCES = tuple(SUFFIXES)
QUARTER = Quarter.parse("2024Q2")
SEED_QUARTERS = ("2023Q1", "2024Q2")
SEED_ROWS = 12  # rows of a sample file in a seed: enough for every shape, quick to read


def seeds(source: str) -> list[bytes]:
    """Small inputs cut from the sample files: the header and the first rows of a CSV, the
    first rows of the register's JSON (in its own layout), the publications as they are."""
    files = [SAMPLES / source / f"{quarter}{SUFFIXES[source]}" for quarter in SEED_QUARTERS]
    if source == "jobs_agreement":
        return [path.read_bytes() for path in files]
    if source == "register":
        documents = [json.loads(path.read_text(encoding="utf-8")) for path in files]
        return [
            json.dumps({**d, "value": d["value"][:SEED_ROWS]}, indent=1).encode() for d in documents
        ]
    lines = [path.read_bytes().splitlines(keepends=True) for path in files]
    return [b"".join(rows[: SEED_ROWS + 1]) for rows in lines]


def read_as_an_ingest_does(source: str, path: Path) -> pd.DataFrame:
    """What validate_and_load does with a file before the suite runs: read it, prepare it
    for the suite, scan it for BSNs. Raises InputRejected for a file the reader refuses."""
    module = get_source(source)
    text = module.read(path)
    prepared = module.prepare_for_validation(text, QUARTER)
    prepared.assign(bsn_outside_bsn_column=bsn_rows(text))
    return prepared


def check(source: str, data: bytes, folder: Path) -> str:
    """Reads `data` as a delivery of `source`: 'read' or 'rejected'. Any other exception is
    the reader's fault and propagates; so does a rejection without a clear first line."""
    path = folder / f"delivery{SUFFIXES[source]}"
    path.write_bytes(data)
    try:
        read_as_an_ingest_does(source, path)
    except InputRejected as rejection:
        first, *_ = str(rejection).splitlines()
        if (
            not first.startswith(f"{path}: ")
            or len(first) > 400
            or "What to do:" not in str(rejection)
        ):
            raise AssertionError(f"an unclear rejection: {rejection}") from None
        return "rejected"
    return "read"


# Values a broken export, or someone trying, puts in a cell.
CELL_VALUES = (
    "",
    " ",
    '"',
    '""',
    ";",
    "\n",
    '"a\nb"',
    "\r",
    "\x00",
    "\u00a0",
    "\ufeff",
    "é",
    "ÿ",
    "𝟘",
    "123456782",
    "123.456.782",
    "999999990",
    "31-02-2024",
    "2024-13-01",
    "0000-01-01",
    "9999-12-31 23:59:59",
    "1,5",
    "1.234,5",
    "-0",
    "1e400",
    "NaN",
    "inf",
    "T9",
    "T",
    "Y",
    "n",
    "ja",
    "GM0363",
    "?",
    "=1+1",
    "x" * 300,
)
JSON_VALUES = (
    None,
    True,
    0,
    -1,
    1.5,
    10**400,
    float("nan"),
    float("inf"),
    "",
    " GM0014 ",
    "2024KW02",
    "Voorlopig",
    "123456782",
    [],
    [1, [2]],
    {},
    {"a": {"b": None}},
)


def _csv_lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def _replace_cell(data: bytes, rng: random.Random) -> bytes:
    lines = _csv_lines(data)
    number = rng.randrange(max(1, len(lines) - (lines[-1] == b"")))  # not after the last
    cells = lines[number].split(b";")
    cells[rng.randrange(len(cells))] = rng.choice(CELL_VALUES).encode(
        rng.choice(("utf-8", "utf-8", "cp1252")), errors="replace"
    )
    lines[number] = b";".join(cells)
    return b"\n".join(lines)


def _shuffle_lines(data: bytes, rng: random.Random) -> bytes:
    lines = _csv_lines(data)
    number = rng.randrange(len(lines))
    operation = rng.randrange(5)
    if operation == 0:
        lines.insert(number, lines[rng.randrange(len(lines))])  # a row twice
    elif operation == 1:
        del lines[number]
    elif operation == 2:
        lines.insert(number, rng.choice((b"", b"\r", b" ", b";;;")))
    elif operation == 3:
        lines[number] += b";" * rng.randrange(1, 3)  # cells beyond the header
    else:
        lines[number] = lines[number].rsplit(b";", 1)[0]  # a cell short
    return b"\n".join(lines)


def _header(data: bytes, rng: random.Random) -> bytes:
    header, _, rest = data.partition(b"\n")
    names = header.split(b";")
    operation = rng.randrange(4)
    if operation == 0:
        names[rng.randrange(len(names))] = rng.choice(names)  # a name twice
    elif operation == 1:
        names[rng.randrange(len(names))] = rng.choice((b"", b" ", b"bsn", b"persoon_id", b'"a;b"'))
    elif operation == 2:
        names.append(rng.choice((b"", b"extra")))
    else:
        del names[rng.randrange(len(names))]
    return b";".join(names) + b"\n" + rest


def _encoding(data: bytes, rng: random.Random) -> bytes:
    text = data.decode("utf-8", errors="replace")
    choice = rng.randrange(4)
    if choice == 0:
        return b"\xef\xbb\xbf" + data
    if choice == 1:
        return text.encode("utf-16")
    if choice == 2:
        return data.replace(b"\n", b"\r\n")
    return data.replace(b";", rng.choice((b",", b"\t", b"|")))


def _bytes(data: bytes, rng: random.Random) -> bytes:
    """Plain byte mutations: flip, insert, delete, cut off."""
    buffer = bytearray(data)
    for _ in range(rng.randrange(1, 5)):
        if not buffer:
            break
        at = rng.randrange(len(buffer))
        operation = rng.randrange(4)
        if operation == 0:
            buffer[at] = rng.randrange(256)
        elif operation == 1:
            buffer[at:at] = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 8)))
        elif operation == 2:
            del buffer[at : at + rng.randrange(1, 16)]
        else:
            del buffer[at:]
    return bytes(buffer)


def _json_value(data: bytes, rng: random.Random) -> bytes:
    try:
        document = json.loads(data)
    except (ValueError, RecursionError):  # not JSON (any more), or nested too deep for Python
        return _bytes(data, rng)
    rows = document.get("value") if isinstance(document, dict) else None
    if isinstance(rows, list) and rows and isinstance(rows[0], dict):
        row = rows[rng.randrange(len(rows))]
        if isinstance(row, dict):
            key = rng.choice([*row, "Extra"])
            if rng.random() < 0.2:
                row.pop(key, None)
            else:
                row[key] = rng.choice(JSON_VALUES)
    elif isinstance(document, dict):
        document["value"] = rng.choice(JSON_VALUES)
    return json.dumps(document, indent=rng.choice((None, 1))).encode()


def _json_text(data: bytes, rng: random.Random) -> bytes:
    operation = rng.randrange(3)
    if operation == 0:  # a key twice in a row
        return data.replace(b'"Status":', b'"Status": "Definitief", "Status":', 1)
    if operation == 1:
        depth = rng.choice((10, 40, 2000))
        return data.replace(b'"value":', b'"value": ' + b"[" * depth + b"]" * depth + b', "v":', 1)
    return data.replace(b"{", b"{" * rng.randrange(1, 4), 1)


def _xlsx_member(data: bytes, rng: random.Random) -> bytes:
    """One member of the workbook's ZIP changed: a cell's text or number, its XML bytes, or
    the member dropped; the ZIP written again (so its directory is consistent)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as workbook:
            members = {info.filename: workbook.read(info) for info in workbook.infolist()}
    except Exception:
        return _bytes(data, rng)
    name = rng.choice(sorted(members))
    if name.startswith("xl/worksheets/") and rng.random() < 0.7:
        members[name] = _sheet_cell(members[name], rng)
    elif rng.random() < 0.1:
        del members[name]
    else:
        members[name] = _bytes(members[name], rng)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as workbook:
        for member, content in members.items():
            workbook.writestr(member, content)
    return out.getvalue()


def _sheet_cell(sheet: bytes, rng: random.Random) -> bytes:
    for tag in rng.sample((b"<t>", b"<v>"), 2):
        starts = [found.end() for found in re.finditer(re.escape(tag), sheet)]
        if starts:
            start = rng.choice(starts)
            end = sheet.find(b"<", start) % (len(sheet) + 1)
            value = rng.choice(CELL_VALUES).replace("<", "&lt;").replace("&", "&amp;")
            return sheet[:start] + value.encode() + sheet[end:]
    return sheet


Mutation = Callable[[bytes, random.Random], bytes]
CSV_MUTATIONS: tuple[Mutation, ...] = (_replace_cell, _shuffle_lines, _header, _encoding, _bytes)
MUTATIONS: dict[str, tuple[Mutation, ...]] = {
    "placements": CSV_MUTATIONS,
    "employer_survey": CSV_MUTATIONS,
    "followup_survey": CSV_MUTATIONS,
    "register": (_json_value, _json_value, _json_text, _bytes),
    "jobs_agreement": (_xlsx_member, _xlsx_member, _bytes),
}


def mutate(source: str, data: bytes, steps: list[int]) -> bytes:
    """`data` changed by one mutation per step (each step an integer: which mutation and its
    randomness), so that Hypothesis can shrink a failing input to fewer, simpler steps."""
    mutations = MUTATIONS[source]
    for step in steps:
        rng = random.Random(step)
        data = mutations[step % len(mutations)](data, rng)
    return data


def corpus(source: str) -> list[Path]:
    """The inputs that once broke the reader of `source`, kept as regression cases."""
    folder = CORPUS / source
    return sorted(folder.iterdir()) if folder.is_dir() else []
