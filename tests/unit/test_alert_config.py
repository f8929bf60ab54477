"""include/config/alerts.yml read as the DAGs read it: the defaults, and a mistake named by
file and key with what to write."""

from __future__ import annotations

import pytest

from duurzaam.errors import DuurzaamError
from duurzaam.orchestration.alert_config import ALERTS_FILE, alerts_config


def test_the_shipped_file_names_owner_contact_channel_and_due_day():
    config = alerts_config(ALERTS_FILE)
    assert config.data_engineers == ["data-engineers@duurzaamwerk.example"]
    assert config.owner_links() == {
        "data-engineering": "mailto:data-engineers@duurzaamwerk.example"
    }
    assert config.apprise_conn_id == "apprise_default"
    assert config.reports_due_day == 21


def test_left_out_the_contact_is_the_first_engineer_and_no_second_channel(tmp_path):
    path = tmp_path / "alerts.yml"
    path.write_text("data_engineers: [a@data.example, b@data.example]\n")
    config = alerts_config(path)
    assert config.contact == "mailto:a@data.example"
    assert config.apprise_conn_id is None and config.reports_due_day == 21


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("owner: x\n", "`data_engineers` lists no address"),
        ("data_engineers: [oncall]\n", "`data_engineers` has 'oncall', not a mail address"),
        ("data_engineers: [a@b.example]\nreports_due_day: 31\n", "`reports_due_day` is 31"),
        ("data_engineers: [a@b.example]\ncontact: Piet\n", "`contact` is 'Piet'"),
        ("- a@b.example\n", "expected a mapping"),
    ],
)
def test_a_mistake_names_the_file_and_the_key(tmp_path, text, message):
    path = tmp_path / "alerts.yml"
    path.write_text(text)
    with pytest.raises(DuurzaamError) as raised:
        alerts_config(path)
    assert str(raised.value).startswith(f"{path}: ") and message in str(raised.value)
