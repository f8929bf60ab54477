"""Reports: when the marts are rebuilt, one task per region (dynamic task mapping) renders
that region's report for the quarter (the `quarter` param, or the latest in the marts) and
sends it to the region's own recipients, exactly once; one region can be retried alone.

- **check_sources** (the freshness gate): the reports go out only when every source the
  report reads (the sources upstream of the dbt exposure `regional_report`) is loaded for the
  quarter and passed validation (`meta.loads`). Otherwise nothing is sent, the task fails and
  the data engineers get an alert naming the missing source. To send anyway, trigger with
  `{"quarter": "2024Q4", "send_with_missing_sources": true}`: each report then says on its
  first page which source it lacks.
- **send_report** per region: retried with backoff; a region that still fails alerts the
  data engineers and does not stop the others.
- **send_employer_report** per participating employer (include/config/employers.yml), after
  the regional reports: its report on its own placements beside its region and its sector,
  to its own addresses, exactly once; retried and alerted like send_report. An id in the
  employers' file that the published layer never had fails plan_employer_reports, naming it.
- **send_summary**: one mail to the data engineers: what was loaded, what was withheld, and
  which regions got their report; it fails (and with it the run) when a region was not sent.
- **build_dashboard**: beside them, the dashboard is rebuilt from the same figures (its
  pages served at once); a failed build holds back no report.

Runbook: docs/operations.md."""

from __future__ import annotations

import logging

import pendulum
from airflow.sdk import Param, TriggerRule, dag, task

from duurzaam.orchestration.alert_config import alerts_config
from duurzaam.orchestration.alerts import FailureAlert
from duurzaam.orchestration.assets import MODEL_ASSETS, REPORT_MODELS
from duurzaam.orchestration.task_defaults import TIMEOUTS, task_defaults

log = logging.getLogger(__name__)


@task(execution_timeout=TIMEOUTS["plan"], on_failure_callback=[FailureAlert("sources_missing")])
def check_sources(params: dict | None = None) -> dict:
    """The quarter, and the sources the operator chose to send without; fails (no retry:
    waiting does not deliver a file) when a source the report reads is missing."""
    from airflow.sdk.exceptions import AirflowFailException

    from duurzaam.orchestration.connections import airflow_settings
    from duurzaam.quarters import Quarter
    from duurzaam.reports.build import latest_quarter
    from duurzaam.reports.freshness import SourcesMissing, gate

    settings = airflow_settings()
    params = params or {}
    chosen = params.get("quarter")
    quarter = str(Quarter.parse(chosen) if chosen else latest_quarter(settings))
    try:
        missing = gate(quarter, settings, bool(params.get("send_with_missing_sources")))
    except SourcesMissing as error:
        raise AirflowFailException(str(error)) from None
    if missing:
        log.warning("%s: sending without %s, as the run asked", quarter, ", ".join(missing))
    return {"quarter": quarter, "missing_sources": missing}


@task(execution_timeout=TIMEOUTS["plan"])
def plan_reports(checked: dict) -> list[dict]:
    """The regions with recipients; the ones without are named in the log, not guessed."""
    from duurzaam.orchestration.connections import airflow_settings
    from duurzaam.quarters import Quarter
    from duurzaam.reports.build import regions_with_recipients

    regions, without = regions_with_recipients(
        Quarter.parse(checked["quarter"]), airflow_settings()
    )
    if without:
        log.warning(
            "no recipients configured, not sent: %s (include/config/recipients.yml)",
            ", ".join(without),
        )
    return [{**checked, "region_code": region} for region in regions]


@task(
    execution_timeout=TIMEOUTS["send"],
    map_index_template="{{ region }}",
    on_failure_callback=[FailureAlert("report_not_sent")],
)
def send_report(report: dict) -> str:
    from airflow.sdk import get_current_context

    from duurzaam.orchestration.connections import airflow_settings, smtp_server
    from duurzaam.quarters import Quarter
    from duurzaam.reports.build import deliver_report

    # names the mapped task (map_index_template); Context is typed without custom keys
    get_current_context()["region"] = report["region_code"]  # type: ignore[typeddict-unknown-key]
    settings = airflow_settings()
    delivery = deliver_report(
        Quarter.parse(report["quarter"]),
        report["region_code"],
        settings,
        smtp_server(settings.smtp_url, settings.smtp_conn_id),
        report.get("missing_sources", ()),
    )
    log.info(delivery.describe())
    return delivery.status


@task(trigger_rule=TriggerRule.ALL_DONE_MIN_ONE_SUCCESS, execution_timeout=TIMEOUTS["plan"])
def plan_employer_reports(checked: dict) -> list[dict]:
    """The employers that take part in the quarter; after the regional reports, whether or
    not each of them was sent (an employer's report does not depend on its region's), but
    never when the freshness gate held the reports back (check_sources, its upstream, then
    failed: no upstream succeeded)."""
    from duurzaam.orchestration.connections import airflow_settings
    from duurzaam.quarters import Quarter
    from duurzaam.reports.employer_reports import participating_employers

    employers = participating_employers(Quarter.parse(checked["quarter"]), airflow_settings())
    return [
        {"quarter": checked["quarter"], "employer_id": e.employer_id, "name": e.name}
        for e in employers
    ]


@task(
    execution_timeout=TIMEOUTS["send"],
    map_index_template="{{ employer }}",
    on_failure_callback=[FailureAlert("report_not_sent")],
)
def send_employer_report(report: dict) -> str:
    from airflow.sdk import get_current_context

    from duurzaam.orchestration.connections import airflow_settings, smtp_server
    from duurzaam.quarters import Quarter
    from duurzaam.reports.employer_reports import deliver_employer_report

    get_current_context()["employer"] = report["employer_id"]  # type: ignore[typeddict-unknown-key]
    settings = airflow_settings()
    delivery = deliver_employer_report(
        Quarter.parse(report["quarter"]),
        report["employer_id"],
        settings,
        smtp_server(settings.smtp_url, settings.smtp_conn_id),
    )
    log.info(delivery.describe())
    return delivery.status


@task(trigger_rule=TriggerRule.ALL_DONE_MIN_ONE_SUCCESS, execution_timeout=TIMEOUTS["plan"])
def send_summary(checked: dict) -> None:
    """After every region's attempt, sent or not (not when the gate held the reports back:
    its alert said why). Fails, once the summary is out, when a region was not sent, so that
    the run's state says so too."""
    from duurzaam.orchestration.alerts import AlertedFailure, send_alert
    from duurzaam.orchestration.connections import airflow_settings, smtp_server
    from duurzaam.orchestration.summary import summarise_quarter

    settings = airflow_settings()
    summary = summarise_quarter(checked["quarter"], settings, checked["missing_sources"])
    log.info("%s", summary.alert.body)
    send_alert(summary.alert, settings, smtp_server(settings.smtp_url, settings.smtp_conn_id))
    if summary.not_sent:  # no retry, no second alert: the summary said it
        raise AlertedFailure(f"reports NOT sent: {', '.join(summary.not_sent)}")


@task(execution_timeout=TIMEOUTS["plan"])
def build_dashboard() -> str:
    from duurzaam.dashboard.site import build_site
    from duurzaam.orchestration.connections import airflow_settings

    settings = airflow_settings()
    built = build_site(settings)
    log.info(built.describe(settings.dashboard_url))
    return str(built.folder)


@dag(
    dag_id="duurzaam_report",
    schedule=[MODEL_ASSETS[model] for model in REPORT_MODELS],  # the regional_report exposure
    start_date=pendulum.datetime(2019, 4, 1, tz="Europe/Amsterdam"),
    catchup=False,
    max_active_runs=1,
    params={
        "quarter": Param(None, type=["null", "string"], description="e.g. 2024Q4"),
        "send_with_missing_sources": Param(
            False,
            type="boolean",
            description="send even when a source the report reads is missing for the "
            "quarter; each report then says so on its first page",
        ),
    },
    tags=["duurzaam", "reports"],
    default_args=task_defaults(),
    owner_links=alerts_config().owner_links(),
    doc_md=__doc__,
)
def duurzaam_report() -> None:
    checked = check_sources()
    # The tasks take XComArgs here and get the dicts when they run: Airflow's Task type
    # can only say the latter.
    sent = send_report.expand(report=plan_reports(checked))  # type: ignore[arg-type]
    sent >> send_summary(checked)  # type: ignore[arg-type]
    employers = plan_employer_reports(checked)  # type: ignore[arg-type]
    sent >> employers
    send_employer_report.expand(report=employers)
    build_dashboard()  # on its own: a failed build holds back no report


duurzaam_report()
