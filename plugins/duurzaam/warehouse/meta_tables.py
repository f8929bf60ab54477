"""The schema meta of the warehouse: what the pipeline records about its loads (one row per
accepted or rejected extract), the rows it quarantined, and the reports it sends."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

META_TABLES: dict[str, list[tuple[str, str]]] = {
    "loads": [
        ("load_id", "text primary key"),
        ("source", "text not null"),
        ("quarter", "text not null"),
        ("file_name", "text not null"),
        ("file_sha256", "text not null"),
        ("row_count", "integer not null"),
        ("revision", "integer"),  # 1, 2, ... per accepted version of (source, quarter)
        ("status", "text not null"),  # current | superseded | rejected
        ("validation_summary", "text"),
        ("started_at", "timestamp not null"),
        ("finished_at", "timestamp not null"),
    ],
    "quarantine": [
        ("load_id", "text not null"),
        ("source", "text not null"),
        ("quarter", "text not null"),
        ("file_name", "text not null"),
        ("row_number", "integer"),
        ("column_name", "text"),
        ("rule", "text not null"),
        ("problem", "text not null"),
        ("value", "text"),
        ("record", "text"),
    ],
    # One row per region, quarter and report content: sending is claimed here before it is
    # attempted and marked after, so a retry or rerun sends only what was not sent.
    "outbox": [
        ("region_code", "text not null"),  # or 'werkgever:<id>': an employer's report
        ("quarter", "text not null"),
        ("content_hash", "text not null"),
        ("recipients", "text not null"),
        ("subject", "text not null"),
        ("status", "text not null"),  # claimed | sent | partial | failed
        ("is_correction", "boolean not null"),
        ("attempts", "integer not null"),
        ("transport", "text"),
        ("message_id", "text"),
        ("error", "text"),
        ("claimed_at", "timestamp not null"),
        ("sent_at", "timestamp"),
        # the recipients the server accepted the message for, over all attempts
        ("delivered_to", "text"),
        ("primary key", "(region_code, quarter, content_hash)"),  # a table constraint
    ],
}
LOAD_COLUMNS = [name for name, _ in META_TABLES["loads"]]


@dataclass(frozen=True)
class LoadManifest:
    load_id: str
    source: str
    quarter: str
    file_name: str
    file_sha256: str
    row_count: int
    revision: int | None
    status: str
    validation_summary: str | None
    started_at: datetime
    finished_at: datetime
