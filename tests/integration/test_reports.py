"""The regional reports through a real SMTP server (aiosmtpd on localhost), from a DuckDB and
from a PostgreSQL warehouse: each region gets its own report once, with its own figures and
nobody else's; small counts are suppressed; a rerun sends nothing; a server that stops
mid-batch or refuses a recipient fails only those regions, and the retry completes the batch
without duplicates; revised figures are sent again as a correction; a report another attempt
is sending is not sent twice; STARTTLS and SMTPS with a certificate the client checks."""

from __future__ import annotations

import email
import io
import ssl
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import Message
from pathlib import Path

import pandas as pd
import pytest
import yaml
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from pypdf import PdfReader

from duurzaam.orchestration.connections import airflow_smtp_server
from duurzaam.publication.labels import page_url
from duurzaam.quarters import parse_quarter_range
from duurzaam.reports import outbox
from duurzaam.reports.build import deliver_report, prepare_report, write_reports
from duurzaam.reports.content import report_content
from duurzaam.reports.data import load_report_data
from duurzaam.reports.delivery import DeliveryError, PartialDelivery, SmtpServer
from duurzaam.reports.recipients import load_recipients
from duurzaam.warehouse.database import open_warehouse
from tests.certificates import self_signed_certificate
from tests.conftest import SAMPLE_QUARTERS, throwaway_database

# The marts are built once per session (dbt), then reports are rendered and sent.
pytestmark = pytest.mark.slow

QUARTER = parse_quarter_range(SAMPLE_QUARTERS)[-1]
SOME = ["AM01", "AM02", "AM05", "AM08", "AM13", "AM20", "AM27", "AM35"]  # a smaller batch


class Inbox:
    """An aiosmtpd handler that keeps what it receives; it can refuse addresses and stop
    the server after a number of messages (as a crashing server would)."""

    def __init__(self, refuse: set[str] = frozenset(), stop_after: int | None = None) -> None:
        self.messages: list[Message] = []
        self.envelopes: list[list[str]] = []  # per message, the recipients it was sent to
        self.over_tls: list[bool] = []  # per message, whether the connection was encrypted
        self.refuse = set(refuse)
        self.stop_after = stop_after
        self.controller: Controller | None = None

    async def handle_RCPT(  # noqa: N802 - aiosmtpd hook
        self, server, session, envelope, address, rcpt_options
    ):
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd hook
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        self.envelopes.append(list(envelope.rcpt_tos))
        self.over_tls.append(server.transport.get_extra_info("ssl_object") is not None)
        if self.stop_after is not None and len(self.messages) == self.stop_after:
            threading.Thread(target=self.controller.stop).start()
        return "250 Message accepted for delivery"


def start_smtp(inbox: Inbox, port: int, **options) -> Controller:
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **options)
    inbox.controller = controller
    controller.start()
    return controller


@contextmanager
def receiving(inbox: Inbox, port: int, **options) -> Iterator[Inbox]:
    """The SMTP server delivering into `inbox` runs for the duration of the block."""
    controller = start_smtp(inbox, port, **options)
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture(params=["duckdb", "postgres"])
def report_settings(request, tmp_path) -> Iterator:
    """A fresh copy of the session's built warehouse per test (its own outbox table): a copy
    of the DuckDB file, or of the PostgreSQL warehouse that the loader and transformer roles
    built."""
    from duurzaam.settings import load_settings

    with ExitStack() as stack:
        if request.param == "duckdb":
            built = request.getfixturevalue("built_warehouses")["duckdb"].warehouse_url
            source = Path(built.removeprefix("duckdb:///"))
            copy = tmp_path / "w.duckdb"
            copy.write_bytes(source.read_bytes())
            url = f"duckdb:///{copy}"
        else:
            built = request.getfixturevalue("role_built_postgres")
            url = stack.enter_context(throwaway_database(template=built.template))
        yield replace(
            load_settings(),
            warehouse_url=url,
            outbox_dir=tmp_path / "outbox",
            suppress_below=10,
        )


def pdf_text(message: Message) -> str:
    pdf = next(part for part in message.walk() if part.get_content_type() == "application/pdf")
    reader = PdfReader(io.BytesIO(pdf.get_payload(decode=True)))
    return " ".join(page.extract_text() for page in reader.pages)


def test_each_region_receives_its_own_report_once(report_settings, smtp_port):
    # Every region from DuckDB; from PostgreSQL the batch of SOME (rendering is the same on
    # both; reading the marts and the outbox is what differs, and 35 reports take minutes).
    regions = None if report_settings.backend == "duckdb" else SOME
    inbox = Inbox()
    controller = start_smtp(inbox, smtp_port)
    try:
        run = write_reports(
            QUARTER, report_settings, SmtpServer("127.0.0.1", smtp_port), regions=regions
        )
    finally:
        controller.stop()
    expected = len(regions) if regions else 35
    assert not run.failed and len(run.deliveries) == expected
    assert len(inbox.messages) == expected

    recipients = load_recipients()
    with open_warehouse(report_settings.warehouse_url) as warehouse:
        names = dict(
            warehouse.query(
                "select region_code, region_name from marts.mart_region_quarter where quarter = %s",
                (str(QUARTER),),
            )
        )
    received = [message["X-Duurzaam-Region"] for message in inbox.messages]
    assert len(names) == 35 and sorted(received) == sorted(regions or names)  # each once
    for message in inbox.messages:
        region = message["X-Duurzaam-Region"]
        assert message["To"] == ", ".join(recipients[region])
        assert message["Subject"] == (
            f"Kwartaalrapportage Duurzaam Werk — {names[region]} — {QUARTER.label_nl}"
        )
        html = next(p for p in message.walk() if p.get_content_type() == "text/html")
        cids = {p["Content-ID"] for p in message.walk() if p.get_content_type() == "image/png"}
        assert {"<trend>", "<survival>", "<factors>"} <= cids
        # no external resource: the one address is the link to the region's dashboard page,
        # in the mail (text and HTML), not in the PDF
        link = page_url(report_settings.dashboard_url, region)
        plain = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
        assert f'<a href="{link}">' in html.get_content() and link in plain
        # the plain text carries the summary of both questions: retention and moves
        assert "\nVan werk naar werk\n" in plain and "binnen 3" in plain
        without_link = html.get_content().replace(link, "")
        assert "http://" not in without_link and "https://" not in without_link
        text = pdf_text(message)
        assert "regio/" not in text
        assert names[region] in text
        others = [n for code, n in names.items() if code != region and n not in names[region]]
        assert not [n for n in others if n in text], region
    # the figures are the region's own: its register stock as the mart has it
    first = inbox.messages[0]
    with open_warehouse(report_settings.warehouse_url) as warehouse:
        ((stock,),) = warehouse.query(
            "select register_total from marts.mart_region_quarter "
            "where region_code = %s and quarter = %s",
            (first["X-Duurzaam-Region"], str(QUARTER)),
        )
    assert f"{stock:,}".replace(",", ".") in pdf_text(first)


def test_a_rerun_sends_nothing_and_revised_figures_go_out_as_a_correction(
    report_settings, smtp_port
):
    inbox = Inbox()
    controller = start_smtp(inbox, smtp_port)
    server = SmtpServer("127.0.0.1", smtp_port)
    try:
        write_reports(QUARTER, report_settings, server, regions=SOME)
        rerun = write_reports(QUARTER, report_settings, server, regions=SOME)
        assert len(inbox.messages) == len(SOME)
        assert {d.status for d in rerun.deliveries} == {"unchanged"}

        with open_warehouse(report_settings.warehouse_url) as warehouse:
            warehouse.execute(
                "update published.pub_region_quarter set register_total = register_total + 100 "
                "where region_code = 'AM05' and quarter = %s",
                (str(QUARTER),),
            )
        revised = write_reports(QUARTER, report_settings, server, regions=SOME)
    finally:
        controller.stop()
    assert [d.addressee for d in revised.deliveries if d.status == "correction"] == ["AM05"]
    correction = inbox.messages[-1]
    assert len(inbox.messages) == len(SOME) + 1 and correction["X-Duurzaam-Region"] == "AM05"
    assert correction["Subject"].startswith("Correctie: Kwartaalrapportage Duurzaam Werk")
    assert "vervangt de versie van" in pdf_text(correction)
    with open_warehouse(report_settings.warehouse_url) as warehouse:
        rows = warehouse.query(
            "select status, is_correction from meta.outbox "
            "where region_code = 'AM05' order by claimed_at"
        )
    assert rows == [("sent", False), ("sent", True)]


def test_a_server_that_stops_mid_batch_then_a_retry_delivers_each_report_once(
    report_settings, smtp_port
):
    first = Inbox(stop_after=3)
    start_smtp(first, smtp_port)
    server = SmtpServer("127.0.0.1", smtp_port, timeout=5)
    interrupted = write_reports(QUARTER, report_settings, server, regions=SOME)
    assert len(first.messages) == 3
    assert len(interrupted.failed) == len(SOME) - 3  # the others failed, each with a reason
    assert all("failed" in reason and "retry" in reason for reason in interrupted.failed.values())

    second = Inbox()
    controller = start_smtp(second, smtp_port)
    try:
        retry = write_reports(QUARTER, report_settings, server, regions=SOME)
    finally:
        controller.stop()
    assert not retry.failed
    received = [m["X-Duurzaam-Region"] for m in first.messages + second.messages]
    assert sorted(received) == SOME  # every region exactly once
    with open_warehouse(report_settings.warehouse_url) as warehouse:
        statuses = warehouse.query(
            "select status, count(*), max(attempts) from meta.outbox group by status"
        )
    assert statuses == [("sent", len(SOME), 2)]


def test_a_refused_recipient_fails_only_its_region(report_settings, smtp_port):
    refused = load_recipients()["AM02"][0]
    inbox = Inbox(refuse={refused})
    controller = start_smtp(inbox, smtp_port)
    try:
        run = write_reports(
            QUARTER,
            report_settings,
            SmtpServer("127.0.0.1", smtp_port),
            regions=["AM01", "AM02", "AM05"],
        )
    finally:
        controller.stop()
    assert list(run.failed) == ["AM02"]
    assert refused in run.failed["AM02"] and "recipients.yml" in run.failed["AM02"]
    assert sorted(m["X-Duurzaam-Region"] for m in inbox.messages) == ["AM01", "AM05"]


def accept_login(user: str, password: str):
    """An aiosmtpd authenticator that accepts this one login."""

    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == user.encode()
            and auth_data.password == password.encode()
        )
        return AuthResult(success=ok)

    return authenticate


def test_login_is_used_when_configured(report_settings, smtp_port):
    inbox = Inbox()
    controller = start_smtp(
        inbox,
        smtp_port,
        authenticator=accept_login("rapportage", "geheim wachtwoord"),
        auth_required=True,
        auth_require_tls=False,
    )
    try:
        url = f"smtp://rapportage:geheim%20wachtwoord@127.0.0.1:{smtp_port}"
        sent = deliver_report(QUARTER, "AM01", report_settings, SmtpServer.from_url(url))
        wrong = SmtpServer.from_url(f"smtp://rapportage:fout@127.0.0.1:{smtp_port}")
        with pytest.raises(Exception, match="failed"):
            deliver_report(QUARTER, "AM02", report_settings, wrong)
    finally:
        controller.stop()
    assert sent.status == "sent" and len(inbox.messages) == 1


def test_small_counts_never_leave_the_report_content(report_settings):
    threshold = report_settings.suppress_below  # the one the published models were built with
    with open_warehouse(report_settings.warehouse_url) as warehouse:
        data = [load_report_data(warehouse, QUARTER, region) for region in load_recipients()]
        at_risk = warehouse.query_frame(  # unsuppressed, to check where the curves stop
            "select region_code, cohort_kind, month, at_risk from marts.mart_cohort_survival "
            "where cohort_quarter = %s and is_observable",
            (str(QUARTER - 4),),
        )
    contents = [report_content(region_data, threshold) for region_data in data]
    cut_short = sum(
        curve_stops_where_too_few_are_at_risk(content, at_risk, threshold) for content in contents
    )
    without_own_curve = [c for c in contents if not c["survival"]["region"]]
    for content in without_own_curve:  # a small region without a rolling year yet
        assert content["survival"]["is_rolling_year"], content["region_code"]
        assert "nog niet gevolgd" in content["survival"]["description"]
    # where regions have curves of their own, some stop where too few are followed
    assert cut_short > 0 or len(without_own_curve) == len(contents)
    suppressed = 0
    for content in contents:
        for values in (content["trend"]["placements"], content["trend"]["job_losses"]):
            assert all(v is None or v >= threshold for v in values)
            suppressed += values.count(None)
        for row in content["headline"]:
            shown = row["region"]
            if shown[0].isdigit() and "%" not in shown:  # a count: shown only when large
                assert int(shown.replace(".", "")) >= threshold
        by_factor: dict[str, list[str]] = {}
        for row in content["factors"]:
            by_factor.setdefault(row["label"].split(":")[0], []).append(row["spells"])
        for factor, counts in by_factor.items():
            hidden = [c for c in counts if c in (f"<{threshold}", "x")]
            # secondary suppression: never exactly one hidden level beside shown ones
            assert len(hidden) != 1 or len(counts) == 1, (content["region_code"], factor)
        if content["spinnenweb"]:
            # a region of the sample has fewer respondents than the threshold: national only
            assert all("Nederland" in name for name in content["spinnenweb"]["perspectives"])
        if content["trend"]["placements"][-1] is None:
            first = content["summary"][0]
            assert f"begonnen <{threshold} mensen" in first or "niet getoond" in first
    assert suppressed > 0  # the check is not about an empty set


def test_a_small_regions_cohort_is_its_rolling_year_and_a_withheld_rate_is_not_compared(
    report_settings,
):
    threshold = report_settings.suppress_below
    with open_warehouse(report_settings.warehouse_url) as warehouse:
        data = [load_report_data(warehouse, QUARTER, region) for region in load_recipients()]
    rolling = 0
    for region_data in data:
        content = report_content(region_data, threshold)
        cohort = region_data.region_quarters.set_index("quarter").loc[str(QUARTER - 4)]
        retention = content["summary"][1]
        if cohort["retention_cohort_kind"] == "rolling_year":
            rolling += 1
            first = QUARTER - 7
            assert content["survival"]["cohort_label"] == (
                f"voortschrijdend jaar: {first.label_nl} t/m {(QUARTER - 4).label_nl}"
            )
            assert (
                f"tussen {first.label_nl} en {(QUARTER - 4).label_nl}"
                in (content["retention_note"])
            )
            if not pd.isna(cohort["retention_12m"]):
                assert f"die tussen {first.label_nl} en" in retention, retention
        if pd.isna(cohort["retention_12m"]) and not pd.isna(cohort["retention_12m_suppressed"]):
            assert "%" not in retention.split(";")[0], retention  # the region's rate: none
            assert not any(w in retention for w in ("hoger", "lager", "verschilt")), retention
        # the survival chart's points are the published curve's steps
        months = [month for month, *_ in content["survival"]["region"]]
        assert months == sorted(set(months))
    assert rolling > 0  # the sample has small regions


def curve_stops_where_too_few_are_at_risk(
    content: dict, at_risk: pd.DataFrame, threshold: int
) -> bool:
    """Asserts that the region's retention curve shows no month from the first month at which
    fewer than `threshold` of its cohort were at risk (as the mart counts them); True when
    the curve stopped there."""
    kind = "rolling_year" if content["survival"]["is_rolling_year"] else "quarter"
    rows = at_risk[
        (at_risk["region_code"] == content["region_code"]) & (at_risk["cohort_kind"] == kind)
    ].sort_values("month")
    too_few = rows.loc[rows["at_risk"] < threshold, "month"]
    shown = [month for month, *_ in content["survival"]["region"]]
    if too_few.empty:
        return False
    assert all(month < too_few.iloc[0] for month in shown), (content["region_code"], shown)
    return bool(shown)


def outbox_rows(settings, region_code: str) -> list[tuple]:
    with open_warehouse(settings.warehouse_url) as warehouse:
        return warehouse.query(
            "select status, attempts, delivered_to, message_id from meta.outbox "
            "where region_code = %s",
            (region_code,),
        )


def test_a_report_another_attempt_is_sending_is_refused_until_its_claim_expires(
    report_settings, smtp_port
):
    inbox = Inbox()
    server = SmtpServer("127.0.0.1", smtp_port)
    with receiving(inbox, smtp_port):
        with open_warehouse(report_settings.warehouse_url) as warehouse:
            prepared = prepare_report(warehouse, QUARTER, "AM01", report_settings)
            held = outbox.claim(  # another attempt is sending it right now
                warehouse,
                "AM01",
                str(QUARTER),
                prepared.content_hash,
                prepared.recipients,
                "elsewhere",
            )
        with pytest.raises(outbox.AlreadyClaimed, match="another attempt"):
            deliver_report(QUARTER, "AM01", report_settings, server)
        run = write_reports(QUARTER, report_settings, server, regions=["AM01"])
        assert list(run.failed) == ["AM01"] and "another attempt" in run.failed["AM01"]
        assert inbox.messages == []

        # That attempt died: once its lease has run out, the next attempt takes over.
        expired = datetime.now(UTC).replace(tzinfo=None) - outbox.CLAIM_LEASE
        with open_warehouse(report_settings.warehouse_url) as warehouse:
            warehouse.execute(
                "update meta.outbox set claimed_at = %s where region_code = 'AM01'",
                (expired - timedelta(minutes=1),),
            )
        taken_over = deliver_report(QUARTER, "AM01", report_settings, server)
    assert taken_over.status == "sent" and len(inbox.messages) == 1
    assert inbox.messages[0]["Message-ID"] == held.message_id
    ((status, attempts, delivered, _),) = outbox_rows(report_settings, "AM01")
    assert (status, attempts, delivered) == ("sent", 2, ", ".join(prepared.recipients))


def test_a_partial_delivery_is_recorded_and_the_retry_sends_only_to_the_refused(
    report_settings, smtp_port, tmp_path, monkeypatch
):
    addresses = [f"{who}@groningen.werkbedrijf.example" for who in ("bestuur", "beleid", "data")]
    recipients = tmp_path / "recipients.yml"
    recipients.write_text(yaml.safe_dump({"regions": {"AM01": addresses}}))
    monkeypatch.setenv("DUURZAAM_RECIPIENTS_FILE", str(recipients))
    refused = addresses[1]
    server = SmtpServer("127.0.0.1", smtp_port)

    first = Inbox(refuse={refused})
    with receiving(first, smtp_port), pytest.raises(PartialDelivery, match=refused) as partial:
        deliver_report(QUARTER, "AM01", report_settings, server)
    assert partial.value.refused == [refused]
    assert first.envelopes == [[addresses[0], addresses[2]]]
    ((status, attempts, delivered, message_id),) = outbox_rows(report_settings, "AM01")
    assert (status, attempts) == ("partial", 1)
    assert delivered.split(", ") == [addresses[0], addresses[2]]

    # The mailbox works again: the retry sends to it alone, as the same message.
    second = Inbox()
    with receiving(second, smtp_port):
        retry = deliver_report(QUARTER, "AM01", report_settings, server)
        rerun = deliver_report(QUARTER, "AM01", report_settings, server)
    assert (retry.status, rerun.status) == ("sent", "unchanged")
    assert second.envelopes == [[refused]]
    assert second.messages[0]["To"] == ", ".join(addresses)
    assert first.messages[0]["Message-ID"] == second.messages[0]["Message-ID"] == message_id
    ((status, attempts, delivered, _),) = outbox_rows(report_settings, "AM01")
    assert (status, attempts) == ("sent", 2)
    assert sorted(delivered.split(", ")) == sorted(addresses)


@pytest.fixture(scope="module")
def tls_context(tmp_path_factory) -> tuple[ssl.SSLContext, Path]:
    """The server side of a throwaway certificate, and the certificate for the client."""
    certificate, key = self_signed_certificate(tmp_path_factory.mktemp("tls"))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificate, key)
    return context, certificate


def test_starttls_and_smtps_with_a_verified_certificate(
    report_settings, smtp_port, tls_context, monkeypatch
):
    context, certificate = tls_context
    login = {"authenticator": accept_login("rapportage", "geheim"), "auth_required": True}
    starttls_url = f"smtp://rapportage:geheim@127.0.0.1:{smtp_port}?starttls=true"

    inbox = Inbox()
    with receiving(inbox, smtp_port, tls_context=context, require_starttls=True, **login):
        # The client checks the certificate: an unknown one is refused ...
        with pytest.raises(DeliveryError, match="CERTIFICATE_VERIFY_FAILED"):
            deliver_report(QUARTER, "AM01", report_settings, SmtpServer.from_url(starttls_url))
        # ... and one it trusts is used (OpenSSL reads the trusted certificates from here).
        monkeypatch.setenv("SSL_CERT_FILE", str(certificate))
        sent = deliver_report(QUARTER, "AM01", report_settings, SmtpServer.from_url(starttls_url))
    assert sent.status == "sent" and inbox.over_tls == [True]

    implicit = Inbox()
    # TLS from the first byte: aiosmtpd, which only knows of STARTTLS, is told that AUTH is
    # safe here (over_tls below checks that the connection was encrypted).
    smtps_url = f"smtps://rapportage:geheim@127.0.0.1:{smtp_port}"
    with receiving(implicit, smtp_port, ssl_context=context, auth_require_tls=False, **login):
        sent = deliver_report(QUARTER, "AM02", report_settings, SmtpServer.from_url(smtps_url))
    assert sent.status == "sent" and implicit.over_tls == [True]
    assert [m["X-Duurzaam-Region"] for m in inbox.messages + implicit.messages] == ["AM01", "AM02"]


def test_smtp_url_forms():
    plain = SmtpServer.from_url("smtp://mailpit:1025")
    assert (plain.host, plain.port, plain.starttls, plain.ssl, plain.user) == (
        "mailpit",
        1025,
        False,
        False,
        "",
    )
    tls = SmtpServer.from_url("smtp://u%40x:p%2Fw@mail.example:587?starttls=true")
    assert (tls.user, tls.password, tls.starttls, tls.port) == ("u@x", "p/w", True, 587)
    assert SmtpServer.from_url("smtps://u:p@mail.example").port == 465
    assert "p/w" not in repr(tls)
    with pytest.raises(Exception, match="DUURZAAM_SMTP_URL"):
        SmtpServer.from_url("http://mail.example")


def test_the_airflow_connection_is_read_by_the_smtp_provider(monkeypatch):
    monkeypatch.setenv(
        "AIRFLOW_CONN_SMTP_REPORTS", "smtp://rapportage:geheim@mail.example:587?disable_ssl=true"
    )
    server = airflow_smtp_server("smtp_reports")
    assert (server.host, server.port, server.user, server.password) == (
        "mail.example",
        587,
        "rapportage",
        "geheim",
    )
    assert server.starttls and not server.ssl
    assert airflow_smtp_server("smtp_absent") is None
