"""The scan that searches a run's logs, XComs, lineage, data docs and mails for its secrets and
BSNs (tests/leaks.py, used by the Airflow runs of tests/e2e) finds what is planted, in each
form, and names the file and line; it passes what only looks alike."""

from __future__ import annotations

import base64
import json
import secrets
from urllib.parse import quote

from tests.extracts import VALID_BSNS, placement_row, with_bsn, write_extract
from tests.leaks import files_under, find_leaks, landing_bsns

# Made at run time, so that this file holds no literal secret (tests/unit/test_no_secrets.py);
# the SMTP password has a character a URL quotes.
SECRETS = dict(
    zip(
        ["warehouse password", "SMTP password", "pseudonym key"],
        ["pw-" + secrets.token_hex(6), "smtp/" + secrets.token_hex(6), secrets.token_hex(16)],
        strict=True,
    )
)


def test_the_scan_finds_each_planted_leak_and_names_file_and_line(tmp_path):
    landing = tmp_path / "landing"
    rows = [with_bsn(placement_row(n), bsn) for n, bsn in enumerate(VALID_BSNS, start=1)]
    write_extract(landing / "placements" / "2024Q1.csv", rows)
    assert landing_bsns(landing) == set(VALID_BSNS)

    password, smtp, key = SECRETS.values()
    auth_plain = base64.b64encode(b"\0reports\0" + smtp.encode()).decode()
    logs = tmp_path / "logs"
    (logs / "dag_id=duurzaam_ingest").mkdir(parents=True)
    (logs / "dag_id=duurzaam_ingest" / "attempt=1.log").write_text(
        "task started\nconnecting\n"
        "OperationalError: postgresql://loader:" + password + "@db:5432/warehouse refused\n"
    )
    (logs / "worker.log").write_text(
        f"send: 'AUTH PLAIN {auth_plain}'\nbsn {VALID_BSNS[2]} in row 4\n"
    )
    texts = files_under(logs)
    texts["xcom duurzaam_ingest.pull_placements"] = json.dumps({"key": key.encode().hex()})
    texts["mail [duurzaam] summary"] = f"Subject: x\n\nurl=smtp://reports:{quote(smtp, safe='')}@m"
    texts["lineage"] = base64.b64encode(b"k=" + key.encode()).decode()

    assert find_leaks(texts, SECRETS, landing_bsns(landing)) == [
        f"{logs / 'dag_id=duurzaam_ingest' / 'attempt=1.log'}:3: warehouse password (plain)",
        f"{logs / 'worker.log'}:1: SMTP password (base64+0)",
        f"{logs / 'worker.log'}:2: BSN {VALID_BSNS[2][:3]}******",
        "xcom duurzaam_ingest.pull_placements:1: pseudonym key (hex)",
        "mail [duurzaam] summary:3: SMTP password (url-quoted)",
        "lineage:1: pseudonym key (base64+2)",
    ]


def test_the_scan_passes_what_only_looks_alike():
    password = SECRETS["warehouse password"]
    texts = {
        "task.log": "postgresql://loader:***@db:5432/warehouse\n"
        "pseudonym_key='***'\n"
        f"{password[:-1]} is not the password\n"
        "the BSN 123456789 fails the 11-proef: row 3 (*********)\n"
        "load took 1234567890 ms; ids P000000123, PL0001234\n",
        "report.html": "<td>1.234</td><td>&lt;10</td>",
    }
    assert find_leaks(texts, SECRETS, VALID_BSNS) == []
