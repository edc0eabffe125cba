"""The alerts file: routing of levels to channels, validation errors that name file and field, and channels
whose environment variables are unset reported as not configured."""

from __future__ import annotations

import typing
from pathlib import Path

import pytest

from order_pipeline.alerts import NOT_CONFIGURED, AlertConfigError, deliver, load_alert_config, single
from order_pipeline.alerts.channels import CHANNEL_KINDS
from order_pipeline.alerts.config import DEFAULT_ALERTS_FILE, Kind
from order_pipeline.alerts.messages import AlertItem
from order_pipeline_tests.alerts.conftest import FAST
from order_pipeline_tests.alerts.robots import FakeRobots

ENV_VARS = ["ORDER_PIPELINE_ALERT_WEBHOOK_URL", "ORDER_PIPELINE_ALERT_WEBHOOK_SECRET",
            "ORDER_PIPELINE_DINGTALK_WEBHOOK_URL", "ORDER_PIPELINE_DINGTALK_SECRET", "ORDER_PIPELINE_WECOM_WEBHOOK_URL",
            "ORDER_PIPELINE_FEISHU_WEBHOOK_URL", "ORDER_PIPELINE_FEISHU_SECRET", "ORDER_PIPELINE_SLACK_WEBHOOK_URL"]


@pytest.fixture(autouse=True)
def _no_channel_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV_VARS + ["ORDER_PIPELINE_ALERTS_FILE"]:
        monkeypatch.delenv(name, raising=False)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "alerts.yaml"
    path.write_text(text, encoding="utf-8")
    return path


CHANNEL = "  - {name: ops, kind: dingtalk, url_env: DT_URL, levels: [1], roles: [operator]}\n"


def test_the_checked_in_file_routes_levels_to_roles_and_channels():
    config = load_alert_config()
    assert config.source == DEFAULT_ALERTS_FILE
    assert config.routing == {1: ("operator",), 2: ("supervisor",), 3: ("supervisor", "warehouse_lead")}
    names = {level: [t.name for t in config.channels_for(level)] for level in (1, 2, 3)}
    assert names[1] == ["local_webhook", "ops_dingtalk"]
    assert names[2] == ["local_webhook", "supervisors_wecom", "crossborder_slack"]
    assert names[3] == ["local_webhook", "supervisors_wecom", "warehouse_feishu", "crossborder_slack"]


def test_nothing_configured_is_reported_not_raised():
    config = load_alert_config()
    targets = config.channels_for(3)
    assert targets and not any(t.configured for t in targets)
    assert targets[0].problem == "environment variable ORDER_PIPELINE_ALERT_WEBHOOK_URL (webhook URL) is not set"
    result = deliver(targets[0], single(AlertItem("K1", "jd", "jd_pop", 3, "breach", 40)))
    assert (result.status, result.attempts) == (NOT_CONFIGURED, 0)
    assert all("not configured" in line for line in config.describe())


def test_the_demo_webhook_delivers_once_its_url_is_set(robots: FakeRobots, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("ORDER_PIPELINE_ALERT_WEBHOOK_URL", robots.url("webhook"))
    robots.robots["webhook"].secret = None  # the demo may run without a secret: require_secret is false
    target = load_alert_config().channels_for(1)[0]
    assert target.configured and target.describe().endswith("signed=False")
    assert deliver(target, single(AlertItem("K1", "jd", "jd_pop", 1, "reminder", 5)), settings=FAST).delivered
    assert len(robots.robots["webhook"].accepted) == 1


def test_a_missing_required_secret_leaves_the_channel_not_configured(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("ORDER_PIPELINE_DINGTALK_WEBHOOK_URL", "https://oapi.dingtalk.com/robot/send?access_token=t0k3n")
    ops = next(t for t in load_alert_config().channels_for(1) if t.name == "ops_dingtalk")
    assert ops.problem == "environment variable ORDER_PIPELINE_DINGTALK_SECRET (signing secret) is not set"
    monkeypatch.setenv("ORDER_PIPELINE_DINGTALK_SECRET", "SECsecret")
    ops = next(t for t in load_alert_config().channels_for(1) if t.name == "ops_dingtalk")
    assert ops.configured and "t0k3n" not in ops.describe() and "SECsecret" not in ops.describe()


def test_a_value_that_is_no_url_is_reported_without_echoing_it(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("ORDER_PIPELINE_WECOM_WEBHOOK_URL", "693a91f6-just-the-key")
    wecom = next(t for t in load_alert_config().channels_for(2) if t.name == "supervisors_wecom")
    assert not wecom.configured and "does not hold an http(s) URL" in (wecom.problem or "")
    assert "693a91f6" not in (wecom.problem or "")


def test_routing_defaults_apply_when_the_file_gives_none(tmp_path: Path):
    config = load_alert_config(_write(tmp_path, "channels:\n" + CHANNEL))
    assert config.roles_for(3) == ("supervisor", "warehouse_lead")
    assert [t.name for t in config.channels_for(1)] == ["ops"] and config.channels_for(2) == []


@pytest.mark.parametrize(("text", "expected"), [
    ("channels:\n  - {name: ops, kind: dingding, url_env: DT_URL, roles: [operator]}\n",
     "channels[0] (ops).kind: Input should be 'dingtalk', 'wecom', 'feishu', 'slack' or 'webhook'"),
    ("channels:\n  - {name: ops, kind: wecom, url_env: WC_URL, levels: [1, 4], roles: [operator]}\n",
     "channels[0] (ops).levels[1]: Input should be 1, 2 or 3"),
    ("channels:\n" + CHANNEL + "  - {name: boss, kind: slack, url_env: S_URL, roles: [ceo]}\n",
     "channels[1] (boss).roles: role 'ceo' is not defined in roles (operator, supervisor, warehouse_lead)"),
    ("routing: {2: [owner]}\n", "routing.2: role 'owner' is not defined in roles"),
    ("routing: {2: []}\n", "routing.2: List should have at least 1 item"),
    ("roles: [ops]\nrouting: {1: [ops]}\n", "routing.2: no roles for level 2"),
    ("channels:\n" + CHANNEL + CHANNEL, "channels[1].name: duplicate channel name 'ops'"),
    ("channels:\n  - {name: ops, kind: slack, url_env: 'https://hooks.slack.com/services/T/B/x', roles: [operator]}\n",
     "channels[0] (ops).url_env: must name an environment variable"),
    ("channels:\n  - {name: ops, kind: slack, url_env: S_URL, role: [operator]}\n",
     "channels[0] (ops).role: Extra inputs are not permitted"),
    ("- just a list\n", "expected a mapping"),
    ("channels: [\n", "not valid YAML"),
])
def test_bad_files_name_the_file_and_the_field(tmp_path: Path, text: str, expected: str):
    path = _write(tmp_path, text)
    with pytest.raises(AlertConfigError) as raised:
        load_alert_config(path)
    assert str(raised.value).startswith(f"{path}: ")
    assert expected in str(raised.value)


def test_a_missing_file_is_named(tmp_path: Path):
    with pytest.raises(AlertConfigError, match="alerts file not found"):
        load_alert_config(tmp_path / "nope.yaml")


def test_the_file_can_be_chosen_by_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("ORDER_PIPELINE_ALERTS_FILE", str(_write(tmp_path, "channels:\n" + CHANNEL)))
    assert [c.name for c in load_alert_config().channels] == ["ops"]


def test_the_config_kinds_are_the_implemented_channels():
    assert set(typing.get_args(Kind)) == set(CHANNEL_KINDS)
