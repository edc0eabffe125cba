"""The `/_sim/` control API over real HTTP, against a running simulator."""

from __future__ import annotations

import json

import httpx
import pytest

from order_pipeline.simulator.server import SERVED, RunningSimulator, build_app, load_platform_routes
from order_pipeline.simulator.world import SimWorld


@pytest.fixture()
def http(sim: RunningSimulator):  # noqa: ANN201
    sim.set_faults("none")
    sim.set_rate_limit(None)
    with httpx.Client(base_url=sim.url, timeout=10) as client:
        yield client
    sim.set_faults("none")
    sim.set_rate_limit(None)


def test_clock_reads_advances_and_sets(sim: RunningSimulator, http: httpx.Client) -> None:
    start = http.get("/_sim/clock").json()["now"]
    assert start == sim.world.now().isoformat().replace("+00:00", "Z")
    moved = http.post("/_sim/clock/advance", json={"seconds": 5400}).json()["now"]
    assert sim.world.now().isoformat().replace("+00:00", "Z") == moved > start
    back = http.post("/_sim/clock/set", json={"now": start}).json()["now"]
    assert back == start and sim.world.now().isoformat().replace("+00:00", "Z") == start
    assert http.post("/_sim/clock/advance", json={"seconds": -5}).status_code == 400
    assert http.post("/_sim/clock/advance", content=b"not json").status_code == 400
    assert http.post("/_sim/clock/set", json={"now": "2025-01-01T00:00:00"}).status_code == 400  # naive


def test_ground_truth_streams_the_worlds_rows_as_ndjson(sim: RunningSimulator, http: httpx.Client) -> None:
    for kind in ("orders", "order_lines", "refunds", "stock"):
        response = http.get("/_sim/ground_truth", params={"kind": kind})
        assert response.status_code == 200 and response.headers["content-type"].startswith(
            "application/x-ndjson"
        )
        rows = [json.loads(line) for line in response.text.splitlines()]
        assert rows == list(sim.world.ground_truth(kind)) and rows, kind
    assert http.get("/_sim/ground_truth", params={"kind": "customers"}).status_code == 400


def test_shops_are_listed_without_secrets(sim: RunningSimulator, http: httpx.Client) -> None:
    shops = http.get("/_sim/shops").json()
    assert [s["key"] for s in shops] == [s.key for s in sim.world.shops()]
    assert set(shops[0]) == {"key", "platform", "shop_id", "region", "timezone", "currency"}
    body = json.dumps(shops)
    assert all(s.app_secret not in body and s.access_token not in body for s in sim.world.shops())


def test_fault_profiles_round_trip(http: httpx.Client) -> None:
    assert http.get("/_sim/faults").json()["profile"] == "none"
    chaos = http.post("/_sim/faults", json={"profile": "chaos"}).json()
    assert (
        chaos["profile"] == "chaos"
        and chaos["rates"]["http_5xx"] >= 0.10
        and chaos["rates"]["throttle"] >= 0.05
    )
    custom = http.post("/_sim/faults", json={"profile": {"base": "chaos", "slow_seconds": 0.5}}).json()
    assert custom["profile"] == "custom" and custom["rates"]["slow_seconds"] == 0.5
    assert custom["rates"]["http_5xx"] == chaos["rates"]["http_5xx"]
    assert http.post("/_sim/faults", json={"profile": "mayhem"}).status_code == 400
    assert http.post("/_sim/faults", json={"profile": {"teleport": 0.1}}).status_code == 400
    assert http.post("/_sim/faults", json={"profile": {"http_5xx": -1}}).status_code == 400
    assert http.post("/_sim/faults", json={"profile": "none"}).json()["profile"] == "none"


def test_rate_limit_throttles_per_app_and_can_be_disabled(http: httpx.Client) -> None:
    assert http.get("/_sim/rate_limit").json()["requests_per_second"] is None
    setting = http.post("/_sim/rate_limit", json={"requests_per_second": 2, "burst": 3}).json()
    assert setting["requests_per_second"] == 2 and setting["burst"] == 3
    answers = [http.get("/dummy/ping").json() for _ in range(8)]
    throttled = [a for a in answers if a.get("error") == "throttled"]
    assert 4 <= len(throttled) <= 5 and all(0 < a["retry_after"] <= 0.5 for a in throttled)
    assert http.get("/dummy/ping", params={"app_key": "app-2"}).json()["ok"]  # another app: its own bucket
    http.post("/_sim/rate_limit", content=b"null")
    assert all(http.get("/dummy/ping").json().get("ok") for _ in range(10))
    assert http.post("/_sim/rate_limit", json={"requests_per_second": 0}).status_code == 400


def test_stats_count_calls_per_platform_and_api(sim: RunningSimulator, http: httpx.Client) -> None:
    http.post("/_sim/stats")  # reset
    for _ in range(3):
        http.get("/dummy/ping")
    stats = http.get("/_sim/stats").json()
    assert stats["calls"] == {"dummy": {"ping": 3}} and stats["requests"] == {"dummy": 3}
    assert sum(v["orders"] for v in stats["records"].values()) > 1000
    assert set(stats["faults"]) == {"http_5xx", "throttled", "slow", "truncated", "duplicated", "moved"}
    assert sim.stats()["calls"] == stats["calls"]


def test_control_api_is_never_faulted(sim: RunningSimulator, http: httpx.Client) -> None:
    sim.set_faults({"http_5xx": 1.0})
    assert http.get("/dummy/ping").status_code in (500, 502, 503)
    assert http.get("/_sim/clock").status_code == 200


def test_missing_platform_handlers_are_tolerated(world: SimWorld) -> None:
    assert set(load_platform_routes()) <= set(SERVED)
    app = build_app(world, platforms={})
    assert app.state.platforms == []


def test_running_simulator_takes_a_given_port_and_stops_cleanly(world: SimWorld) -> None:
    with RunningSimulator(world=world, platforms={}) as first:
        port = first.port
        assert httpx.get(f"{first.url}/_sim/health").json()["ok"]
    with RunningSimulator(world=world, platforms={}, port=port) as second:  # freed and reusable
        assert second.url.endswith(f":{port}") and httpx.get(f"{second.url}/_sim/clock").status_code == 200
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{second.url}/_sim/clock", timeout=1)
