"""Taobao and JD adapters against the simulator under faults: pages that shift under the client while it
pages (chaos page faults, with 5xx and truncated bodies), and the platforms' per-app throttling."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from order_pipeline.clock import parse_instant
from order_pipeline.platforms.base import Window
from order_pipeline.simulator import config as sim_config  # noqa: E402
from order_pipeline.simulator import server  # noqa: E402 - a project module: its absence is a failure, never a skip
from order_pipeline_tests.conftest import TEST_START
from order_pipeline_tests.platforms.top_jos_sim import adapter, demo_environment, pull, truth


@pytest.mark.parametrize("platform", ["taobao", "jd"])
def test_throttled_calls_back_off_and_complete(monkeypatch, platform):
    """Above the per-app rate the platform answers its throttle error (TOP 7 "This ban will last for N more
    seconds", JOS 11000 "retry after N seconds"): the adapter waits as told and the pull completes."""
    config = sim_config.WorldConfig(start=TEST_START, history_days=1, horizon_days=1, orders_per_shop_per_day=150)
    with demo_environment(), server.RunningSimulator(config) as sim:
        monkeypatch.setenv("ORDER_PIPELINE_SIM_URL", sim.url)
        throttled_pull(sim, platform)


def throttled_pull(sim, platform: str) -> None:
    now = sim.clock.now()
    window = Window(now - timedelta(minutes=80), now)
    expected = pull(adapter(sim, platform), "orders", window)
    httpx.post(f"{sim.url}/_sim/stats", timeout=10)  # reset the counters
    sim.set_rate_limit(20, 3, platform)
    try:
        got = pull(adapter(sim, platform), "orders", window)
    finally:
        sim.set_rate_limit(None, platform=platform)
    assert got == expected and len(expected) > 10
    assert httpx.get(f"{sim.url}/_sim/stats", timeout=10).json()["rate_limited"] > 0


@pytest.mark.parametrize("platform", ["taobao", "jd"])
def test_pages_shifting_under_the_client_lose_nothing(monkeypatch, platform):
    """Chaos page faults (a record repeated from the previous page; records touched while the client pages,
    so they leave the window) plus 5xx and truncated bodies. Windows end one second before the platform's
    "now", as the ingestion layer keeps them behind the present: every record whose version is in the span
    is pulled; records touched during the pull (now at version "now") come with the next window."""
    config = sim_config.WorldConfig(seed=11, start=TEST_START, history_days=2, horizon_days=1,
                                    orders_per_shop_per_day=700)
    faults = {"duplicate": 0.5, "move": 0.5, "http_5xx": 0.05, "truncate": 0.03}
    with demo_environment(), server.RunningSimulator(config, faults=faults) as chaos:
        monkeypatch.setenv("ORDER_PIPELINE_SIM_URL", chaos.url)
        source = adapter(chaos, platform)
        now = chaos.clock.now()
        span = Window(now - timedelta(days=3), now - timedelta(seconds=1))
        got = {stream: pull(source, stream, span) for stream in ("orders", "refunds")}
        injected = httpx.get(f"{chaos.url}/_sim/faults", timeout=10).json()["injected"]
        def count(*names: str) -> int:  # the simulator's counter names ("moved", formerly "move")
            return sum(injected.get(name, 0) for name in names)

        assert count("moved", "move") >= 3 and count("duplicated", "duplicate") >= 3 and count("http_5xx")
        chaos.set_faults("none")
        late = {stream: pull(source, stream, Window(span.end, now)) for stream in got}
        for stream, id_field in (("orders", "order_id"), ("refunds", "refund_id")):
            rows = truth(chaos, stream, platform)
            if platform == "jd" and stream == "orders":
                rows = [row for row in rows if row["status"] != "unpaid"]
            in_span = {row[id_field] for row in rows if parse_instant(row["modified_at"]) <= span.end}
            assert in_span <= set(got[stream]), f"{stream} missed {in_span - set(got[stream])}"
            assert {row[id_field] for row in rows} == set(got[stream]) | set(late[stream])
