"""What include/config/alerts.yml (or the file DUURZAAM_ALERTS_FILE) says: who is alerted,
through which channels, who owns the DAGs, and by which day a quarter's reports are due. Read
when a DAG file is parsed (a small YAML file) and when an alert is sent; a mistake in it is
one clear error naming the file, the key and what to write."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import yaml

from duurzaam.errors import DuurzaamError
from duurzaam.settings import CONFIG_DIR

ALERTS_FILE = CONFIG_DIR / "alerts.yml"
LAST_DUE_DAY = 28  # every month has it (the check runs on that day of the month)


@dataclass(frozen=True)
class AlertsConfig:
    data_engineers: list[str]  # the mail addresses alerted
    owner: str  # the DAGs' owner, as the Airflow UI shows it
    contact: str  # a mailto: or https: link to the owner
    apprise_conn_id: str | None  # the Airflow connection of the second channel, if any
    reports_due_day: int  # the day of the month after the quarter by which reports are sent

    def owner_links(self) -> dict[str, str]:
        """A DAG's owner_links: the UI links the owner's name to the contact."""
        return {self.owner: self.contact}


def alerts_file() -> Path:
    return Path(os.environ.get("DUURZAAM_ALERTS_FILE", ALERTS_FILE))


def alerts_config(path: Path | None = None) -> AlertsConfig:
    path = path or alerts_file()
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(raw, dict):
        raise DuurzaamError(f"{path}: expected a mapping of keys (data_engineers, owner, ...)")

    def fail(key: str, what: str) -> DuurzaamError:
        return DuurzaamError(f"{path}: `{key}` {what}")

    addresses = [str(address) for address in raw.get("data_engineers") or []]
    if not addresses:
        raise fail("data_engineers", "lists no address: add the data engineers to alert")
    if bad := [address for address in addresses if "@" not in address]:
        raise fail("data_engineers", f"has {bad[0]!r}, not a mail address")
    contact = str(raw.get("contact") or f"mailto:{addresses[0]}")
    if not contact.startswith(("mailto:", "https://", "http://")):
        raise fail("contact", f"is {contact!r}: write a mailto: or https:// link")
    day = raw.get("reports_due_day", 21)
    if not isinstance(day, int) or not 1 <= day <= LAST_DUE_DAY:
        raise fail("reports_due_day", f"is {day!r}: write a day of the month, 1 to {LAST_DUE_DAY}")
    return AlertsConfig(
        data_engineers=addresses,
        owner=str(raw.get("owner") or "data-engineering"),
        contact=contact,
        apprise_conn_id=str(raw["apprise_conn_id"]) if raw.get("apprise_conn_id") else None,
        reports_due_day=day,
    )
