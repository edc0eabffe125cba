"""Every channel against a real loopback server that checks the documented request and signature and answers
like the real service (errcode JSON, code JSON, `ok`)."""

from __future__ import annotations

import pytest

from order_pipeline.alerts import DELIVERED, FAILED, AlertItem, deliver, digest, single
from order_pipeline_tests.alerts.conftest import FAST, channel_for
from order_pipeline_tests.alerts.robots import KINDS, FakeRobots

ALERT = AlertItem("JD-778899", "jd", "jd_pop", 3, "fresh food SLA 30 min breached, stock short", 95)


@pytest.mark.parametrize("kind", KINDS)
def test_each_channel_delivers_its_documented_payload(robots: FakeRobots, kind: str):
    result = deliver(channel_for(robots, kind), single(ALERT), settings=FAST)

    assert (result.delivered, result.status, result.attempts, result.error) == (True, DELIVERED, 1, None)
    robot = robots.robots[kind]
    assert robot.requests == 1 and len(robot.accepted) == 1
    body = robot.accepted[0]
    if kind == "dingtalk":
        assert body["msgtype"] == "markdown" and "JD-778899" in body["markdown"]["text"]
        assert robot.seen[0]["query"]["timestamp"][0].isdigit() and len(robot.seen[0]["query"]["timestamp"][0]) == 13
    elif kind == "wecom":
        assert body["msgtype"] == "markdown" and "JD-778899" in body["markdown"]["content"]
    elif kind == "feishu":
        assert body["msg_type"] == "post" and len(body["timestamp"]) == 10
    elif kind == "slack":
        assert "JD-778899" in body["text"] and body["blocks"][0]["type"] == "header"
    else:
        assert body["order_keys"] == ["JD-778899"] and body["level"] == 3


@pytest.mark.parametrize(("kind", "status"), [
    ("dingtalk", "errcode 310000"), ("feishu", "code 19021"), ("webhook", "HTTP 401"),
])
def test_a_bad_signature_is_permanent_and_not_retried(robots: FakeRobots, kind: str, status: str):
    result = deliver(channel_for(robots, kind, secret="not-the-secret"), single(ALERT), settings=FAST)

    assert (result.delivered, result.status, result.attempts) == (False, FAILED, 1)
    assert result.error and result.error.startswith(status)
    assert robots.robots[kind].requests == 1 and robots.robots[kind].accepted == []


def test_a_wrong_wecom_key_is_permanent(robots: FakeRobots):
    channel = channel_for(robots, "wecom")
    robots.robots["wecom"].token = "the-robot-was-re-created"  # the configured key is now stale
    result = deliver(channel, single(ALERT), settings=FAST)
    assert (result.status, result.attempts) == (FAILED, 1)
    assert result.error and result.error.startswith("errcode 93000")


@pytest.mark.parametrize(("status", "body"), [(400, "invalid_payload"), (400, "no_text"),
                                              (404, "channel_not_found"), (410, "channel_is_archived")])
def test_slack_client_errors_are_permanent(robots: FakeRobots, status: int, body: str):
    robots.script("slack", (status, body, {}))
    result = deliver(channel_for(robots, "slack"), single(ALERT), settings=FAST)
    assert (result.status, result.attempts) == (FAILED, 1)
    assert result.error == f"HTTP {status}: {body}"


@pytest.mark.parametrize("kind", KINDS)
def test_a_digest_of_500_alerts_is_one_request_with_the_counts(robots: FakeRobots, kind: str):
    alerts = [AlertItem(f"O{i:04d}", ("taobao", "jd")[i % 2], f"shop{i % 5}", 1 + (i % 10 == 0) + (i % 50 == 0),
                        "overdue", float(i)) for i in range(500)]
    message = digest(alerts)

    result = deliver(channel_for(robots, kind), message, settings=FAST)

    assert result.delivered and robots.robots[kind].requests == 1
    body = robots.robots[kind].accepted[0]
    if kind == "webhook":
        assert body["digest"] == {"total": 500, "by_level": {"1": 450, "2": 40, "3": 10},
                                  "by_platform": {"taobao": 250, "jd": 250},
                                  "by_shop": {f"shop{i}": 100 for i in range(5)}}
        assert len(body["order_keys"]) == 500
        # the worst: level 3 first (every 50th order), longest overdue first
        assert [e["order_key"] for e in body["examples"]] == ["O0450", "O0400", "O0350", "O0300", "O0250"]
    else:
        text = str(body)
        assert "500 overdue orders" in text and "O0450" in text and "O0001" not in text
