"""Exactly-once sending through meta.outbox: one row per (region, quarter, content hash).

A send is claimed (a row in state `claimed`) before it is attempted and marked `sent`,
`partial` or `failed` after. A report already `sent` is never sent again; a `failed` one is
sent by the next attempt; a `partial` one (the server refused some recipients) is sent by the
next attempt to the recipients that have not received it, and only to them; a `claimed` one
whose attempt died is taken over once its lease has run out.
A report whose content changed (revised data) has a new hash: it is sent again, as a
correction of the one sent before.

The one gap no outbox can close: a process killed after the server accepted the message and
before `sent` was written. Its retry sends again, with the same Message-ID (derived from the
row), so mail clients and servers can recognise the duplicate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from duurzaam.errors import DuurzaamError
from duurzaam.warehouse.database import Warehouse

CLAIM_LEASE = timedelta(minutes=15)


class AlreadyClaimed(DuurzaamError):
    """Another attempt is sending this report right now."""


@dataclass(frozen=True)
class OutboxState:
    already_sent: bool  # exactly this report was sent before
    corrects: str | None  # the date ('31-03-2025') of an earlier, different report sent


@dataclass(frozen=True)
class Claim:
    region_code: str
    quarter: str
    content_hash: str
    corrects: str | None  # the date of the report this one corrects, if any
    delivered: tuple[str, ...] = ()  # recipients an earlier attempt delivered it to

    def pending(self, recipients: list[str]) -> list[str]:
        """The recipients still to receive the report."""
        return [address for address in recipients if address not in self.delivered]

    @property
    def message_id(self) -> str:
        return f"<{self.quarter}.{self.region_code}.{self.content_hash[:16]}@duurzaamwerk.example>"


def state(warehouse: Warehouse, region_code: str, quarter: str, content_hash: str) -> OutboxState:
    """What was sent before for the region and quarter (a read; `claim` decides)."""
    sent = _sent_before(warehouse, region_code, quarter)
    if any(sent_hash == content_hash for sent_hash, _ in sent):
        return OutboxState(already_sent=True, corrects=None)
    return OutboxState(already_sent=False, corrects=_corrects(sent))


def claim(
    warehouse: Warehouse,
    region_code: str,
    quarter: str,
    content_hash: str,
    recipients: list[str],
    subject: str,
) -> Claim | None:
    """Claims the report for sending; None when exactly this report was sent already."""
    now = _now()
    key = (region_code, quarter, content_hash)
    with warehouse.transaction():
        sent_before = _sent_before(warehouse, region_code, quarter)
        if any(sent_hash == content_hash for sent_hash, _ in sent_before):
            return None
        existing = warehouse.query(
            "select status, claimed_at, delivered_to from meta.outbox where region_code = %s "
            "and quarter = %s and content_hash = %s",
            key,
        )
        delivered = _addresses(existing[0][2]) if existing else ()
        if not existing:
            warehouse.execute(
                "insert into meta.outbox (region_code, quarter, content_hash, recipients, "
                "subject, status, is_correction, attempts, claimed_at) "
                "values (%s, %s, %s, %s, %s, 'claimed', %s, 1, %s)",
                (*key, ", ".join(recipients), subject, bool(sent_before), now),
            )
        else:
            status, claimed_at, _ = existing[0]
            if status == "claimed" and claimed_at > now - CLAIM_LEASE:
                raise AlreadyClaimed(
                    f"the {quarter} report of {region_code} is being sent by another attempt "
                    f"(claimed at {claimed_at:%Y-%m-%d %H:%M} UTC); if that attempt died, "
                    f"retry after {claimed_at + CLAIM_LEASE:%H:%M} UTC"
                )
            warehouse.execute(
                "update meta.outbox set status = 'claimed', attempts = attempts + 1, "
                "claimed_at = %s, error = null, recipients = %s, subject = %s "
                "where region_code = %s and quarter = %s and content_hash = %s",
                (now, ", ".join(recipients), subject, *key),
            )
    return Claim(
        region_code, quarter, content_hash, corrects=_corrects(sent_before), delivered=delivered
    )


def _addresses(text: str | None) -> tuple[str, ...]:
    return tuple(address for address in (text or "").split(", ") if address)


def _sent_before(warehouse: Warehouse, region_code: str, quarter: str) -> list[tuple]:
    return warehouse.query(
        "select content_hash, sent_at from meta.outbox where region_code = %s "
        "and quarter = %s and status = 'sent' order by sent_at",
        (region_code, quarter),
    )


def _corrects(sent_before: list[tuple]) -> str | None:
    return f"{sent_before[-1][1]:%d-%m-%Y}" if sent_before else None


def mark_sent(warehouse: Warehouse, claim_: Claim, transport: str, delivered: list[str]) -> None:
    """Every recipient has the report now (`delivered`: those of this attempt)."""
    _finish(warehouse, claim_, "sent", transport, None, delivered)


def mark_partial(
    warehouse: Warehouse, claim_: Claim, transport: str, delivered: list[str], error: str
) -> None:
    """The server accepted the report for `delivered` and refused the others: the next
    attempt sends it to those others only."""
    _finish(warehouse, claim_, "partial", transport, error, delivered)


def mark_failed(warehouse: Warehouse, claim_: Claim, transport: str, error: str) -> None:
    _finish(warehouse, claim_, "failed", transport, error, [])


def _finish(
    warehouse: Warehouse,
    claim_: Claim,
    status: str,
    transport: str,
    error: str | None,
    delivered: list[str],
) -> None:
    everyone = [*claim_.delivered, *(a for a in delivered if a not in claim_.delivered)]
    with warehouse.transaction():
        warehouse.execute(
            "update meta.outbox set status = %s, transport = %s, message_id = %s, error = %s, "
            "sent_at = %s, delivered_to = %s "
            "where region_code = %s and quarter = %s and content_hash = %s",
            (
                status,
                transport,
                claim_.message_id,
                error,
                None if status == "failed" else _now(),
                ", ".join(everyone) or None,
                claim_.region_code,
                claim_.quarter,
                claim_.content_hash,
            ),
        )


def _now() -> datetime:
    # naive UTC: the column is a plain timestamp on both backends
    return datetime.now(UTC).replace(tzinfo=None)
