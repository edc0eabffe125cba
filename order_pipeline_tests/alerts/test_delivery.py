"""Retries, back-off signals and outcomes of `deliver`, against the loopback robots; and no secret in logs."""

from __future__ import annotations

import logging
import socket
import time
from dataclasses import replace

import pytest

from order_pipeline.alerts import (
    DELIVERED,
    FAILED,
    NOT_CONFIGURED,
    PENDING,
    AlertItem,
    ChannelTarget,
    deliver,
    single,
)
from order_pipeline.alerts.channels import make_channel
from order_pipeline_tests.alerts.conftest import FAST, channel_for
from order_pipeline_tests.alerts.robots import FakeRobots

MESSAGE = single(AlertItem("DY-5566", "douyin", "douyin_main", 2, "normal SLA 2 h breached", 12))
RATE_LIMITED = {
    "dingtalk": (200, {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"}, {}),
    "wecom": (200, {"errcode": 45009, "errmsg": "api freq out of limit"}, {}),
    "feishu": (200, {"code": 11232, "data": {}, "msg": "frequency limited psm"}, {}),
}


@pytest.mark.parametrize("kind", ["dingtalk", "wecom", "feishu", "slack", "webhook"])
def test_three_server_errors_then_success_delivers_exactly_once(robots: FakeRobots, kind: str):
    robots.script(kind, *[(500, "internal error", {})] * 3)

    result = deliver(channel_for(robots, kind), MESSAGE, settings=FAST)

    assert (result.delivered, result.status, result.attempts) == (True, DELIVERED, 4)
    assert robots.robots[kind].requests == 4 and len(robots.robots[kind].accepted) == 1


@pytest.mark.parametrize("kind", sorted(RATE_LIMITED))
def test_rate_limit_errcodes_inside_http_200_are_retried(robots: FakeRobots, kind: str):
    robots.script(kind, *[RATE_LIMITED[kind]] * 3)

    result = deliver(channel_for(robots, kind), MESSAGE, settings=FAST)

    assert (result.delivered, result.attempts) == (True, 4)
    assert len(robots.robots[kind].accepted) == 1


def test_every_attempt_is_signed_anew(robots: FakeRobots):
    robots.script("dingtalk", (500, "busy", {}))
    now = time.time()
    ticks = iter([now - 10.0, now])  # two instants, both within the hour DingTalk accepts
    deliver(channel_for(robots, "dingtalk"), MESSAGE, settings=FAST, clock=lambda: next(ticks))
    stamps = [seen["query"]["timestamp"][0] for seen in robots.robots["dingtalk"].seen]
    signs = [seen["query"]["sign"][0] for seen in robots.robots["dingtalk"].seen]
    assert len(set(stamps)) == 2 and len(set(signs)) == 2
    assert len(robots.robots["dingtalk"].accepted) == 1  # the second, freshly signed, was accepted


def test_slack_429_waits_as_long_as_retry_after_says(robots: FakeRobots):
    robots.script("slack", (429, "rate_limited", {"Retry-After": "7"}))
    waits: list[float] = []

    result = deliver(channel_for(robots, "slack"), MESSAGE, settings=FAST, sleep=waits.append)

    assert (result.status, result.attempts) == (DELIVERED, 2)
    assert waits == [7.0]


def test_a_retry_after_longer_than_the_budget_leaves_the_alert_pending(robots: FakeRobots):
    robots.script("slack", (429, "rate_limited", {"Retry-After": "3600"}))
    waits: list[float] = []

    result = deliver(channel_for(robots, "slack"), MESSAGE, settings=FAST, sleep=waits.append)

    assert (result.delivered, result.status, result.attempts, result.retry_after) == (False, PENDING, 1, 3600.0)
    assert waits == [] and robots.robots["slack"].accepted == []


def test_retries_exhausted_leave_the_alert_pending_without_raising(robots: FakeRobots):
    robots.script("wecom", *[RATE_LIMITED["wecom"]] * 10)

    result = deliver(channel_for(robots, "wecom"), MESSAGE, settings=replace(FAST, max_attempts=3))

    assert (result.delivered, result.status, result.attempts) == (False, PENDING, 3)
    assert result.error == "errcode 45009: api freq out of limit"


def test_an_unreachable_service_is_pending_and_the_error_hides_the_token():
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    channel = make_channel("wecom", "down", f"http://127.0.0.1:{port}/cgi-bin/webhook/send?key=secret-key-123")

    result = deliver(channel, MESSAGE, settings=replace(FAST, max_attempts=2))

    assert (result.status, result.attempts) == (PENDING, 2)
    assert result.error and result.error.startswith("network error") and "secret-key-123" not in result.error


def test_an_unconfigured_target_is_reported_not_sent():
    target = ChannelTarget("ops_dingtalk", "dingtalk", ("operator",), None,
                           "environment variable ORDER_PIPELINE_DINGTALK_WEBHOOK_URL (webhook URL) is not set")
    result = deliver(target, MESSAGE)
    assert (result.delivered, result.status, result.attempts) == (False, NOT_CONFIGURED, 0)
    assert "ORDER_PIPELINE_DINGTALK_WEBHOOK_URL" in (result.error or "")


def test_no_token_secret_or_signature_reaches_the_logs(robots: FakeRobots, caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.DEBUG)  # httpx logs every request URL at INFO, httpcore its steps at DEBUG
    dingtalk = channel_for(robots, "dingtalk")
    robots.script("dingtalk", (500, "busy", {}), RATE_LIMITED["dingtalk"])
    assert deliver(dingtalk, MESSAGE, settings=FAST).status == DELIVERED
    assert deliver(channel_for(robots, "dingtalk", secret="wrong"), MESSAGE, settings=FAST).status == FAILED
    assert deliver(channel_for(robots, "slack"), MESSAGE, settings=FAST).status == DELIVERED
    assert deliver(channel_for(robots, "feishu"), MESSAGE, settings=FAST).status == DELIVERED

    logged = caplog.text + repr(dingtalk)
    secrets = [robots.robots[k].token for k in ("dingtalk", "slack", "feishu")]
    secrets += [robots.robots[k].secret for k in ("dingtalk", "feishu")]
    secrets += [seen["query"]["sign"][0] for seen in robots.robots["dingtalk"].seen]
    secrets += ["XXXXslacktokenXXXX"]
    for secret in secrets:
        assert secret and secret not in logged
    assert "access_token=***" in caplog.text  # the failures were logged, masked
    assert "HTTP Request: POST" in caplog.text  # httpx's own line is there, with the URL masked
