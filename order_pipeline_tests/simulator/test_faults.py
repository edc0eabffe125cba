"""Fault injection: rates as configured, deterministic decisions, and each fault as a client really sees it."""

from __future__ import annotations

import json
import time
from collections import Counter
from datetime import timedelta

import httpx
import pytest

from order_pipeline.simulator.faults import PROFILES, Faults
from order_pipeline.simulator.ratelimit import RateLimiter, TokenBucket
from order_pipeline.simulator.server import RunningSimulator

from .conftest import dummy_routes, small_config


@pytest.fixture(scope="module")
def chaos_sim():  # noqa: ANN201
    with RunningSimulator(small_config(), extra_mounts={"dummy": dummy_routes}) as running:
        yield running


def classify(client: httpx.Client, path: str = "/dummy/ping") -> str:
    try:
        response = client.get(path)
    except httpx.ReadTimeout:
        return "slow"
    if response.status_code >= 500:
        assert response.status_code in (500, 502, 503)
        return "5xx"
    assert response.status_code == 200
    try:
        body = json.loads(response.content)
    except json.JSONDecodeError:
        assert len(response.content) == int(response.headers["content-length"])
        return "truncated"
    return "throttled" if body.get("error") == "throttled" else "ok"


def test_decisions_follow_the_configured_rates_and_repeat_per_seed() -> None:
    faults = Faults(seed=5, profile="chaos")
    draws = [faults.request() for _ in range(20000)]
    kinds = Counter(d[0] if d else "ok" for d in draws)
    rates = PROFILES["chaos"]
    assert kinds["5xx"] / 20000 == pytest.approx(rates.http_5xx, abs=0.01)
    assert kinds["slow"] / 20000 == pytest.approx(rates.slow, abs=0.006)
    assert kinds["truncate"] / 20000 == pytest.approx(rates.truncate, abs=0.006)
    assert {d[1] for d in draws if d and d[0] == "5xx"} == {500, 502, 503}
    throttles = sum(faults.throttled() is not None for _ in range(20000)) / 20000
    assert throttles == pytest.approx(rates.throttle, abs=0.008)
    again = Faults(seed=5, profile="chaos")
    assert [again.request() for _ in range(20000)] == draws
    assert [Faults(seed=6, profile="chaos").request() for _ in range(200)] != draws[:200]
    assert all(Faults(seed=5).request() is None for _ in range(100))  # profile none


def test_chaos_over_real_http_is_within_tolerance(chaos_sim: RunningSimulator) -> None:
    chaos_sim.set_faults({"base": "chaos", "slow_seconds": 0.6})
    before = chaos_sim.stats()["faults"]
    with httpx.Client(base_url=chaos_sim.url, timeout=httpx.Timeout(5, read=0.25)) as client:
        seen = Counter(classify(client) for _ in range(400))
    chaos_sim.set_faults("none")
    injected = {k: v - before[k] for k, v in chaos_sim.stats()["faults"].items()}
    assert (injected["http_5xx"], injected["truncated"]) == (seen["5xx"], seen["truncated"])
    # a throttle answer can itself be truncated: then the client sees "truncated"
    assert seen["throttled"] <= injected["throttled"] <= seen["throttled"] + seen["truncated"]
    assert 0.08 <= seen["5xx"] / 400 <= 0.17, seen
    assert 0.025 <= seen["throttled"] / 400 <= 0.10, seen
    assert 0.01 <= seen["truncated"] / 400 <= 0.08, seen
    assert 0.005 <= seen["slow"] / 400 <= 0.07, seen
    assert seen["ok"] / 400 >= 0.6, seen


def test_slow_responses_outlast_a_read_timeout_but_do_arrive(chaos_sim: RunningSimulator) -> None:
    chaos_sim.set_faults({"slow": 1.0, "slow_seconds": 0.5})
    with httpx.Client(base_url=chaos_sim.url) as client:
        with pytest.raises(httpx.ReadTimeout):
            client.get("/dummy/ping", timeout=httpx.Timeout(5, read=0.2))
        started = time.monotonic()
        assert client.get("/dummy/ping", timeout=5).json()["ok"]
        assert time.monotonic() - started >= 0.45
    chaos_sim.set_faults("none")


def test_duplicates_repeat_the_previous_pages_last_record(chaos_sim: RunningSimulator) -> None:
    world, shop = chaos_sim.world, chaos_sim.world.shops()[0].key
    now = world.now()
    params = {
        "shop": shop,
        "start": (now - timedelta(days=3)).isoformat(),
        "end": now.isoformat(),
        "size": 10,
    }
    with httpx.Client(base_url=chaos_sim.url, timeout=5) as client:
        first = client.get("/dummy/orders", params={**params, "page": 1}).json()["ids"]
        chaos_sim.set_faults({"duplicate": 1.0})
        second = client.get("/dummy/orders", params={**params, "page": 2}).json()["ids"]
        chaos_sim.set_faults("none")
        assert second[0] == first[-1] and len(second) == 11
        assert (
            client.get("/dummy/orders", params={**params, "page": 1}).json()["ids"] == first
        )  # page 1: never


def test_records_move_between_pages_while_a_client_pages(chaos_sim: RunningSimulator) -> None:
    world, shop = chaos_sim.world, chaos_sim.world.shops()[1].key
    now = world.now()
    window = {
        "shop": shop,
        "start": (now - timedelta(days=2)).isoformat(),
        "end": (now - timedelta(hours=1)).isoformat(),
    }
    with httpx.Client(base_url=chaos_sim.url, timeout=5) as client:
        before = client.get("/dummy/orders", params={**window, "size": 10, "page": 1}).json()
        listing = {o.order_id: o for o in world.orders_modified_between(shop, now - timedelta(days=2), now)}
        chaos_sim.set_faults({"move": 1.0})
        client.get("/dummy/orders", params={**window, "size": 10, "page": 1})
        chaos_sim.set_faults("none")
        after = client.get("/dummy/orders", params={**window, "size": 10, "page": 1}).json()
    assert before["total"] - after["total"] in (1, 2)
    moved = [
        world.order(shop, oid) for oid in listing if world.order(shop, oid).version > listing[oid].version
    ]
    assert len(moved) in (1, 2) and all(o.modified_at == now for o in moved)
    assert not set(before["ids"]) & {o.order_id for o in moved}  # the served page itself stays put


def test_token_bucket_allows_a_burst_then_paces() -> None:
    bucket = TokenBucket(rate=10, burst=3)
    assert [bucket.take() for _ in range(3)] == [None, None, None]
    wait = bucket.take()
    assert wait is not None and 0 < wait <= 0.1
    time.sleep(0.12)
    assert bucket.take() is None
    limiter = RateLimiter()
    assert limiter.check("taobao", "k") is None  # disabled by default
    limiter.configure(1, 1, platform="jd")
    assert limiter.check("jd", "k") is None and limiter.check("jd", "k") is not None
    assert limiter.check("taobao", "k") is None  # only JD limited
    limiter.configure(None)
    assert limiter.check("jd", "k") is None
