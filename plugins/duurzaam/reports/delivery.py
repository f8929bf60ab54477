"""Where a report goes: an SMTP server (from DUURZAAM_SMTP_URL, or inside Airflow from an
Airflow connection read by the SMTP provider), or, in the embedded mode without one, the
outbox folder. Both servers are used by the same code (`send`)."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from duurzaam.errors import DuurzaamError, describe_full_disk


class DeliveryError(DuurzaamError):
    """The server could not be reached or refused the message: nobody received it."""


class PartialDelivery(DeliveryError):
    """Some recipients received the message, others (`refused`) were refused."""

    def __init__(self, message: str, refused: list[str]) -> None:
        super().__init__(message)
        self.refused = refused


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    user: str = ""
    password: str = ""
    starttls: bool = False
    ssl: bool = False
    timeout: float = 30.0

    def __repr__(self) -> str:  # never print the password
        return f"SmtpServer({self.host}:{self.port}, user={self.user!r}, tls={self.starttls})"

    @classmethod
    def from_url(cls, url: str) -> SmtpServer:
        """smtp://[user:password@]host[:port][?starttls=true] or smtps://... (TLS from the
        start). User and password are percent-decoded."""
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise DuurzaamError(
                f"DUURZAAM_SMTP_URL must look like smtp://user:password@host:587?starttls=true "
                f"or smtps://user:password@host:465, not {parts.scheme}://..."
            )
        options = {key: values[-1].lower() for key, values in parse_qs(parts.query).items()}
        return cls(
            host=parts.hostname,
            port=parts.port or (465 if parts.scheme == "smtps" else 25),
            user=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            starttls=options.get("starttls") in ("1", "true", "yes"),
            ssl=parts.scheme == "smtps",
            timeout=float(options.get("timeout", 30)),
        )


def send(message: EmailMessage, server: SmtpServer, to: list[str] | None = None) -> None:
    """Hands the message to the server for `to` (default: the addresses of its headers);
    raises DeliveryError when it is not accepted for every one of them."""
    context = ssl.create_default_context()
    try:
        client: smtplib.SMTP
        if server.ssl:
            client = smtplib.SMTP_SSL(
                server.host, server.port, timeout=server.timeout, context=context
            )
        else:
            client = smtplib.SMTP(server.host, server.port, timeout=server.timeout)
        with client:
            if server.starttls:
                client.starttls(context=context)
            if server.user:
                client.login(server.user, server.password)
            refused = client.send_message(message, to_addrs=to)
    except smtplib.SMTPRecipientsRefused as error:
        raise DeliveryError(
            f"the SMTP server {server.host}:{server.port} refused every recipient "
            f"({', '.join(error.recipients)}): check the addresses in "
            "include/config/recipients.yml"
        ) from error
    except (OSError, smtplib.SMTPException) as error:
        raise DeliveryError(
            f"sending to the SMTP server {server.host}:{server.port} failed: "
            f"{str(error).rstrip('.')}. "
            "Check that it is up and the settings (DUURZAAM_SMTP_URL or the Airflow "
            "connection), then retry: only what was not sent is sent again"
        ) from error
    if refused:
        raise PartialDelivery(
            f"the SMTP server {server.host}:{server.port} refused {', '.join(refused)}; the "
            "other recipients received the report. Fix the addresses in "
            "include/config/recipients.yml; a retry sends it to the refused addresses only",
            list(refused),
        )


def write_to_folder(message: EmailMessage, pdf: bytes, html: str, folder: Path, name: str) -> Path:
    """The embedded mode's delivery: the message as .eml, with its PDF and HTML beside it.
    A report is there whole or not at all: its files are written under temporary names and
    renamed once all are written, the .eml last. A folder that cannot take them (a full disk)
    raises DeliveryError, and what was written of them is removed."""
    files = {
        folder / f"{name}.pdf": pdf,
        folder / f"{name}.html": html.encode("utf-8"),
        folder / f"{name}.eml": message.as_bytes(),
    }
    partial = {path: path.with_name(f".{path.name}.partial") for path in files}
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for path, content in files.items():
            partial[path].write_bytes(content)
    except OSError as error:
        for written in partial.values():
            written.unlink(missing_ok=True)
        reason = describe_full_disk(error, "DUURZAAM_OUTBOX_DIR", folder) or str(error)
        raise DeliveryError(
            f"the report could not be written to the outbox folder: {reason}; it is not "
            "marked sent, so that run writes it"
        ) from error
    for path, written in partial.items():
        written.replace(path)
    return folder / f"{name}.eml"
