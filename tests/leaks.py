"""Searches what a run wrote (logs, XComs, lineage events, data docs, mails, reports) for the
run's secrets, in the forms a careless line of code or a library would write them, and for
the BSNs of its landing zone. A finding names where: the file (or the XCom, the mail) and
the line."""

from __future__ import annotations

import base64
import csv
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from urllib.parse import quote, quote_plus

NINE_DIGITS = re.compile(r"(?<!\d)\d{9}(?!\d)")  # a BSN as a token of its own


def secret_forms(value: str) -> dict[str, str]:
    """The secret as written plainly, in a URL, as hexadecimal, and in base64 (at each of
    the three offsets it can have inside a longer base64 text, e.g. an SMTP AUTH PLAIN line;
    standard and URL-safe)."""
    raw = value.encode()
    forms = {"plain": value, "url-quoted": quote(value, safe=""), "url-plus": quote_plus(value)}
    forms["hex"] = raw.hex()
    for offset in range(3):
        # the characters that only the secret's bytes determine
        encoded = base64.b64encode(b"\0" * offset + raw).decode()
        inner = encoded[-(-8 * offset // 6) : 8 * (offset + len(raw)) // 6]
        forms[f"base64+{offset}"] = inner
        forms[f"base64url+{offset}"] = inner.replace("+", "-").replace("/", "_")
    return forms


def landing_bsns(landing: Path) -> set[str]:
    """Every BSN in the landing zone's extracts (the `bsn` column of each CSV)."""
    bsns: set[str] = set()
    for path in landing.rglob("*.csv"):
        with path.open(encoding="utf-8-sig", errors="replace", newline="") as handle:
            reader = csv.DictReader(handle, delimiter=";")
            if "bsn" in (reader.fieldnames or []):
                bsns.update(row["bsn"] for row in reader if row["bsn"])
    return bsns


def files_under(*folders: Path, skip_suffixes: tuple[str, ...] = ()) -> dict[str, str]:
    """name -> text of every file under the folders (undecodable bytes replaced)."""
    return {
        str(path): path.read_bytes().decode("utf-8", errors="replace")
        for folder in folders
        if folder.exists()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.suffix not in skip_suffixes
    }


def find_leaks(
    texts: Mapping[str, str], secrets: Mapping[str, str], bsns: Iterable[str] = ()
) -> list[str]:
    """'<where>:<line>: <what>' for each line of each text that holds a secret (in any of
    its forms) or a BSN of the landing zone."""
    forms: dict[str, str] = {}  # form -> what it is (the first name of forms that coincide)
    for name, value in secrets.items():
        for how, form in secret_forms(value).items():
            if len(form) >= 8:  # a form this short matches by chance
                forms.setdefault(form, f"{name} ({how})")
    bsns = set(bsns)
    findings = []
    for where, text in texts.items():
        for number, line in enumerate(text.splitlines(), 1):
            found = [what for form, what in forms.items() if form in line]
            found += [f"BSN {b[:3]}******" for b in set(NINE_DIGITS.findall(line)) & bsns]
            findings += [f"{where}:{number}: {what}" for what in sorted(set(found))]
    return findings
