"""Small placement extracts written by the tests themselves, cell by cell."""

from __future__ import annotations

from pathlib import Path

HEADER = [
    "plaatsing_id",
    "persoon_id",
    "gemeente_code",
    "werkgever_id",
    "werkgever_grootte",
    "sector",
    "sector_type",
    "startdatum",
    "einddatum",
    "reden_einde",
    "contractvorm",
    "uren_per_week",
    "grondslag",
    "loonkostensubsidie",
    "jobcoach",
    "no_riskpolis",
    "werkplekaanpassing",
    "proefplaatsing",
    "arbeidsdeskundige",
]
VALID_BSNS = ["111222333", "123456782", "999999990", "100000009", "232262536"]


def eleven_proof_numbers(count: int, first: int = 100_000_000) -> list[str]:
    """The first `count` nine-digit numbers from `first` on that pass the 11-proef."""
    numbers: list[str] = []
    candidate = first
    while len(numbers) < count:
        digits = [int(d) for d in f"{candidate:09d}"]
        if sum(w * d for w, d in zip((9, 8, 7, 6, 5, 4, 3, 2, -1), digits, strict=True)) % 11 == 0:
            numbers.append(f"{candidate:09d}")
        candidate += 1
    return numbers


def placement_row(number: int, **cells: str) -> dict[str, str]:
    row = {
        "plaatsing_id": f"PL{number:06d}",
        "persoon_id": f"P{number:06d}",
        "gemeente_code": "GM0363",
        "werkgever_id": f"WG{number:04d}",
        "werkgever_grootte": "10-99",
        "sector": "G",
        "sector_type": "markt",
        "startdatum": "2024-01-15",
        "einddatum": "",
        "reden_einde": "",
        "contractvorm": "vast",
        "uren_per_week": "25,5",
        "grondslag": "wajong",
        "loonkostensubsidie": "ja",
        "jobcoach": "nee",
        "no_riskpolis": "ja",
        "werkplekaanpassing": "nee",
        "proefplaatsing": "nee",
        "arbeidsdeskundige": "ja",
    }
    row.update(cells)
    return row


def write_extract(path: Path, rows: list[dict[str, str]], encoding: str = "utf-8") -> Path:
    columns = list(rows[0]) if rows else HEADER
    lines = [";".join(columns)] + [";".join(row[c] for c in columns) for row in rows]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def with_bsn(row: dict[str, str], bsn: str) -> dict[str, str]:
    """The same row identified by BSN instead of persoon_id, in the same column position."""
    return {
        ("bsn" if k == "persoon_id" else k): (bsn if k == "persoon_id" else v)
        for k, v in row.items()
    }
