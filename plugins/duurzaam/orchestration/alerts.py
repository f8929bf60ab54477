"""Alerts to the data engineers (include/config/alerts.yml). A task that fails for good, after
its retries, sends one mail in plain words: what failed, for which source, quarter or region,
and what to do; never a stack trace. Every task has a `FailureAlert` as its
on_failure_callback (duurzaam.orchestration.task_defaults); a task of a particular kind (a
late source, a rejected file, a dbt model, a report not sent, missing sources, the
disclosure check) gets its own where it is defined, `FailureAlert(kind, source)`. Airflow
calls it once, when no retry is left.

The mails take the reports' way out (duurzaam.reports.delivery): the Airflow connection
smtp_default (read by the SMTP provider), else DUURZAAM_SMTP_URL, else, in the embedded mode,
a .eml file in <outbox>/alerts/ and a line in the task log. An alert the server does not take
(it is down) is written there too."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from airflow.sdk.bases.notifier import BaseNotifier
from airflow.sdk.exceptions import AirflowFailException

from duurzaam.orchestration.alert_config import alerts_config
from duurzaam.orchestration.connections import smtp_server
from duurzaam.reports.delivery import DeliveryError, SmtpServer, send
from duurzaam.settings import Settings, load_settings

log = logging.getLogger(__name__)

SENDER = "Duurzaam Werk pipeline <pipeline@duurzaamwerk.example>"
MAX_ERROR_LINES = 25  # an error longer than this is cut: the task log has it whole


@dataclass(frozen=True)
class Alert:
    subject: str
    body: str
    name: str  # the file name stem when the alert is written to the outbox folder


def send_alert(alert: Alert, settings: Settings, server: SmtpServer | None = None) -> str:
    """Mails the alert to the data engineers (or writes it to <outbox>/alerts/ when there is
    no server, or the server does not take it), and sends it through the second channel when
    alerts.yml names one; returns where the mail went."""
    config = alerts_config()
    if config.apprise_conn_id:
        notify_channel(alert, config.apprise_conn_id)
    message = EmailMessage()
    message["From"] = SENDER
    message["To"] = ", ".join(config.data_engineers)
    message["Subject"] = f"[duurzaam] {alert.subject}"
    message["X-Duurzaam-Alert"] = alert.name
    message.set_content(alert.body)
    if server is not None:
        try:
            send(message, server)
            log.info("alert sent to %s: %s", message["To"], alert.subject)
            return repr(server)
        except DeliveryError as error:
            # an alert about a mail server that is down cannot go through it: it waits where
            # the embedded mode keeps the alerts, and the task log says where
            log.error("the alert could not be mailed: %s", error)
    folder = settings.outbox_dir / "alerts"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{alert.name}.eml"
    path.write_bytes(message.as_bytes())
    log.warning("alert written to %s", path)
    return str(path)


def notify_channel(alert: Alert, conn_id: str) -> bool:
    """The alert through Apprise (Teams, Slack, Matrix, a webhook, ...): the services and their
    secrets are the `config` of the Airflow connection `conn_id` (type apprise), so a secrets
    backend can hold them. False, logged, when the connection is absent or a service refused;
    the mail goes either way."""
    import apprise
    from airflow.providers.apprise.hooks.apprise import AppriseHook
    from airflow.sdk.exceptions import AirflowNotFoundException

    hook = AppriseHook(apprise_conn_id=conn_id)
    try:
        connection = hook.get_connection(conn_id)
    except AirflowNotFoundException:
        log.warning("alerts.yml names the Apprise connection %r, which does not exist", conn_id)
        return False
    channel = apprise.Apprise()
    hook.set_config_from_conn(conn=connection, apprise_obj=channel)
    sent = channel.notify(
        title=f"[duurzaam] {alert.subject}", body=alert.body, notify_type=apprise.NotifyType.FAILURE
    )
    if not sent:
        log.error("the alert could not be sent through the Apprise connection %r", conn_id)
    return bool(sent)


class AlertedFailure(AirflowFailException):
    """A task failing on purpose (no retry) after it sent its own alert: no second one."""


class FailureAlert(BaseNotifier):
    """on_failure_callback: one alert for the task that failed for good. Attached where the
    task is defined, with what its alert says: `kind` is one of ALERT_KINDS (a task of no
    particular kind: "task"), `source` the source of an ingest task."""

    def __init__(self, kind: str = "task", source: str | None = None):
        super().__init__()
        if kind not in ALERT_KINDS:
            raise ValueError(f"unknown alert kind {kind!r}: one of {', '.join(ALERT_KINDS)}")
        self.kind, self.source = kind, source

    def notify(self, context: Any) -> None:
        if isinstance(context.get("exception"), AlertedFailure):
            log.info("the task sent its own alert: %s", context["exception"])
            return
        settings = load_settings()
        alert = describe_failure(context, settings, self.kind, self.source)
        log.error("%s: alerting the data engineers", alert.subject)
        send_alert(alert, settings, smtp_server(settings.smtp_url, settings.smtp_conn_id))


ALERT_KINDS = (
    "task",
    "late_source",
    "rejected_file",
    "dbt_model",
    "report_not_sent",
    "sources_missing",
    "disclosure",
)


def describe_failure(
    context: Mapping[str, Any], settings: Settings, kind: str = "task", source: str | None = None
) -> Alert:
    """The alert for a failed task of the kind, from the context Airflow passes to its
    callbacks. A late source and a rejected file are told apart from other failures of their
    task (a timeout of the sensor, a rejection: no retry) by the exception."""
    ti = context["ti"]
    task_id: str = ti.task_id
    error = context.get("exception")
    error_name = type(error).__name__
    if kind == "late_source" and source and error_name == "AirflowSensorTimeout":
        alert = late_source(source, _quarter(context), settings)
    elif kind == "rejected_file" and source and error_name == "AirflowFailException":
        alert = rejected_file(source, _quarter(context), error)
    elif kind == "dbt_model":
        alert = dbt_failed(task_id, error)
    elif kind == "report_not_sent":
        # the task as it ran: a mapped task's own arguments (its region)
        task = context.get("task") or ti.task
        report = getattr(task, "op_kwargs", {}).get("report") or {}
        alert = report_not_sent(report, error, ti.try_number)
    elif kind == "disclosure":
        alert = Alert(
            "published figures held back: disclosure check failed",
            f"{_plain(error)}\n\nNo report is sent and the dashboard keeps its last build "
            "until the published layer passes the check (docs/disclosure.md).\n",
            "check_disclosure",
        )
    elif kind == "sources_missing":
        alert = Alert(
            "reports held back: a source is missing",
            f"{_plain(error)}\n",
            "check_sources",
        )
    else:
        alert = task_failed(context, error)
    name = f"{ti.dag_id}-{ti.run_id}-{task_id}" + (
        f"-{ti.map_index}" if getattr(ti, "map_index", -1) >= 0 else ""
    )
    return Alert(
        alert.subject,
        f"{alert.body}\n{_where(context)}",
        re.sub(r"[^A-Za-z0-9._-]+", "_", name),
    )


def late_source(source: str, quarter: str, settings: Settings) -> Alert:
    from duurzaam.ingest.steps import source_location  # pandas: only when an alert is made
    from duurzaam.orchestration.assets import WAIT_HOURS

    return Alert(
        f"late source: {source} {quarter}",
        f"The {source} extract for {quarter} has not arrived: after waiting "
        f"{WAIT_HOURS.get(source, 0):g} hours there is still nothing at\n"
        f"  {source_location(source, quarter, settings)}\n"
        "The other sources are loaded as they arrive; the reports of the quarter are held "
        "back until this one is loaded.\n"
        f"What to do: ask its supplier for the extract and put it there, then trigger "
        f'duurzaam_ingest with {{"quarter": "{quarter}"}}.\n',
        "late",
    )


def rejected_file(source: str, quarter: str, error: BaseException | None) -> Alert:
    """Validation's own message says which file, rows, columns and rule, and what to do."""
    return Alert(
        f"rejected file: {source} {quarter}",
        f"The {source} extract for {quarter} failed its checks and was not loaded; the "
        "warehouse keeps what it had.\n\n"
        f"{_plain(error)}\n",
        "rejected",
    )


# How a model's task reports a failed dbt node (duurzaam.orchestration.dbt_tasks): '<node name>:
# <dbt's
# message>', one per line
_DBT_NODE = re.compile(r"^(\w+): (.+)$")
_DBT_FAILING_ROWS = re.compile(r"Got (\d+) results?, configured to (?:fail|warn)")


def dbt_failed(task_id: str, error: BaseException | None) -> Alert:
    """A model or its tests failed (its task `<group>.<model>`), or a whole dbt build could
    not run (`<group>.build`): which model, which tests, how many rows fail them."""
    group, _, model = task_id.partition(".")
    if model == "build":
        return Alert(
            f"dbt build failed: {group}",
            f"The dbt build of {task_id} could not run, so no model of it was built or "
            f"published:\n\n{_plain(error)}\n\nThe marts keep their previous contents and "
            "the reports wait.\nWhat to do: the task log has dbt's whole output; fix the "
            "cause (the warehouse connection, the dbt project), then clear the task or trigger "
            "duurzaam_transform.\n",
            "dbt",
        )
    text = _plain(error)
    tests, other = [], []
    for line in text.splitlines():
        node = _DBT_NODE.match(line.strip())
        rows = _DBT_FAILING_ROWS.search(line)
        if node and rows:
            count = int(rows[1])
            rows_fail = f"{count} row{'s' * (count != 1)} fail{'s' * (count == 1)}"
            tests.append(f"  - test {node[1]}: {rows_fail} it")
        elif line.strip():
            other.append(f"  {line.strip()}")
    lines = [f"dbt {'tests' if tests else 'step'} failed for {model} ({task_id})", *tests, *other]
    hint = (
        "see the failing rows with `dbt test --select <test> --store-failures` (they are "
        "stored in the schema dbt_test__audit), correct the source data or the model, then "
        "clear the model's task with its downstream tasks (each runs dbt for its model "
        "alone) or trigger duurzaam_transform"
        if tests
        else "the task log has dbt's whole output; fix the cause, then clear the model's "
        "task with its downstream tasks or trigger duurzaam_transform"
    )
    return Alert(
        f"dbt {'test' if tests else 'step'} failed: {model}",
        "\n".join(lines)
        + "\nThe marts that depend on it are not published, so the reports wait.\n"
        + f"What to do: {hint}.\n",
        "dbt",
    )


def report_not_sent(report: Mapping[str, Any], error: BaseException | None, tries: int) -> Alert:
    region, quarter = report.get("region_code", "?"), report.get("quarter", "?")
    if "employer_id" in report:  # a participating employer's report
        employer = report["employer_id"]
        return Alert(
            f"employer report not sent: {employer} {quarter}",
            f"The report of employer {employer} ({report.get('name', '?')}) for {quarter} was "
            f"not sent after {tries} attempt{'s' * (tries != 1)}; the other reports are not "
            f"affected.\n\n{_plain(error)}\n\nWhat to do: once the cause is fixed, clear this "
            f"employer's send_employer_report task, or run `duurzaam report --quarter {quarter} "
            "--employers`: only what was not sent is sent.\n",
            "report",
        )
    return Alert(
        f"report not sent: {region} {quarter}",
        f"The report of region {region} for {quarter} was not sent after {tries} "
        f"attempt{'s' * (tries != 1)}; the other regions' reports are not affected.\n\n"
        f"{_plain(error)}\n\n"
        "What to do: once the cause is fixed, clear this region's send_report task, or run "
        f"`duurzaam report --quarter {quarter} --region {region}`: only what was not sent "
        "is sent.\n",
        "report",
    )


def task_failed(context: Mapping[str, Any], error: BaseException | None) -> Alert:
    ti = context["ti"]
    return Alert(
        f"{ti.dag_id}.{ti.task_id} failed",
        f"{ti.task_id} of {ti.dag_id} failed after {ti.try_number} "
        f"attempt{'s' * (ti.try_number != 1)}:\n\n{_plain(error)}\n\n"
        "What to do: the task log has the details; fix the cause, then clear the task.\n",
        "failed",
    )


def _plain(error: BaseException | None) -> str:
    """The error as its own words (no traceback), cut at MAX_ERROR_LINES lines."""
    if error is None:
        return "(no error was passed on: see the task log)"
    text = str(error).strip()
    if isinstance(error, str):
        return text
    name = type(error).__name__
    # our errors speak for themselves; another's is named, e.g. 'OperationalError: ...'
    if not type(error).__module__.startswith("duurzaam") and name != "AirflowFailException":
        text = f"{name}: {text}" if text else name
    lines = text.splitlines()
    if len(lines) > MAX_ERROR_LINES:
        lines = [*lines[:MAX_ERROR_LINES], f"(and {len(lines) - MAX_ERROR_LINES} more lines)"]
    return "\n".join(lines)


def _quarter(context: Mapping[str, Any]) -> str:
    from duurzaam.orchestration.assets import quarter_of_run

    return quarter_of_run(dict(context.get("params") or {}), context.get("logical_date"))


def _where(context: Mapping[str, Any]) -> str:
    ti = context["ti"]
    mapped = f", map index {ti.map_index}" if getattr(ti, "map_index", -1) >= 0 else ""
    lines = [f"DAG {ti.dag_id}, run {ti.run_id}, task {ti.task_id}{mapped}, try {ti.try_number}"]
    log_url = getattr(ti, "log_url", None)
    if log_url:
        lines.append(f"Log: {log_url}")
    return "\n".join(lines)
