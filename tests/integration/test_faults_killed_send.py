"""The one window the outbox cannot close: the SMTP server has accepted a report (it replied
250 to its DATA) and the sending process is killed before it marks the report sent. The test's
SMTP server kills the `duurzaam report` process itself, with SIGKILL, when that process says
QUIT: after the 250, before the mark. The next run sends that report again, with the same
Message-ID, so that mail clients and servers can recognise the duplicate; every other
report goes out once."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from contextlib import suppress
from datetime import timedelta
from pathlib import Path

import pytest

from duurzaam.reports.outbox import CLAIM_LEASE
from duurzaam.warehouse.database import duckdb_path, open_warehouse
from tests.conftest import recipients_for
from tests.integration.test_reports import Inbox, receiving

pytestmark = pytest.mark.slow

QUARTER = "2024Q2"
REGIONS = ["AM01", "AM05"]  # sent in this order; the server kills the sender after the first


class KillingAtQuit(Inbox):
    """Accepts every message (250 to its DATA); when the sender says QUIT after its first
    message, SIGKILLs the sending process before replying."""

    def __init__(self) -> None:
        super().__init__()
        self.sender: int | None = None  # the pid of the process to kill
        self.killed = False

    async def handle_QUIT(self, server, session, envelope):  # noqa: N802 - aiosmtpd hook
        if len(self.messages) == 1 and not self.killed:
            assert self.sender is not None
            os.kill(self.sender, signal.SIGKILL)
            self.killed = True
        return "221 Bye"


def test_a_report_accepted_but_not_marked_sent_is_sent_again_with_the_same_message_id(
    built_warehouses, tmp_path, smtp_port
):
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(duckdb_path(built_warehouses["duckdb"].warehouse_url), warehouse)
    url = f"duckdb:///{warehouse}"
    env = {
        **os.environ,
        "DUURZAAM_WAREHOUSE_URL": url,
        "DUURZAAM_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
        "DUURZAAM_RECIPIENTS_FILE": str(recipients_for(tmp_path, REGIONS)),
    }
    report = [str(Path(sys.executable).with_name("duurzaam")), "report", "--quarter", QUARTER]
    report += [f"--region={region}" for region in REGIONS]

    with receiving(KillingAtQuit(), smtp_port) as inbox:
        # a session of its own: the sender and its rendering processes, ended after the kill
        process = subprocess.Popen(report, env=env, start_new_session=True)
        inbox.sender = process.pid
        try:
            assert process.wait(timeout=300) == -signal.SIGKILL
        finally:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)  # what the kill left of its session
        # Killed in the window: the server has the first report, the outbox still has it
        # claimed (not sent), and the second was never claimed.
        assert [m["X-Duurzaam-Region"] for m in inbox.messages] == REGIONS[:1]
        assert outbox_rows(url) == [(REGIONS[0], "claimed", 1)]

        # That attempt is known dead once its claim's lease has run out (15 minutes): the
        # time is moved on rather than waited for.
        with open_warehouse(url) as connection:
            connection.execute(
                "update meta.outbox set claimed_at = claimed_at - %s",
                (CLAIM_LEASE + timedelta(minutes=1),),
            )
        rerun = subprocess.run(report, env=env, capture_output=True, text=True)
        assert rerun.returncode == 0, rerun.stdout + rerun.stderr

    received = [m["X-Duurzaam-Region"] for m in inbox.messages]
    assert received == [REGIONS[0], REGIONS[0], REGIONS[1]]  # the first twice, the other once
    first, again = (m for m in inbox.messages if m["X-Duurzaam-Region"] == REGIONS[0])
    assert first["Message-ID"] == again["Message-ID"]  # the duplicate says it is one
    assert first.get_body(("plain",)).get_content() == again.get_body(("plain",)).get_content()
    with open_warehouse(url) as connection:
        sent = dict(connection.query("select region_code, message_id from meta.outbox"))
    assert sent[REGIONS[0]] == first["Message-ID"]
    assert outbox_rows(url) == [(REGIONS[0], "sent", 2), (REGIONS[1], "sent", 1)]


def outbox_rows(url: str) -> list[tuple]:
    with open_warehouse(url) as connection:
        return connection.query(
            "select region_code, status, attempts from meta.outbox where quarter = %s order by 1",
            (QUARTER,),
        )
