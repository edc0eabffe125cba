"""Created-time listings over real HTTP: every platform's `fetch_orders_created` returns every order created in
the window (hidden-from-incremental ones included), across several pages and split windows, also under chaos;
the simulator hides orders only from modified-time listings and names them in its ground truth.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, timedelta

import httpx
import pytest

from order_pipeline.clock import FrozenClock, parse_instant
from order_pipeline.ingestion.state import IngestionState, PullLogEntry
from order_pipeline.landing.pii import PiiCipher
from order_pipeline.platforms import PlatformError, TransportSettings, Window, adapter_class
from order_pipeline.reconciliation.completeness import check_shop, day_range
from order_pipeline.reconciliation.partitions import last_closed_day
from order_pipeline.settings import data_dir, landing_dir, state_dir
from order_pipeline.shops import load_shops
from order_pipeline.simulator.config import WorldConfig
from order_pipeline.simulator.server import RunningSimulator
from order_pipeline.simulator.world import SimWorld
from order_pipeline_tests.conftest import TEST_START

ORDERS_PER_DAY = 130  # more than one list page (100) per day on every platform
# The list-level chaos (5xx, cut bodies, repeated and moving records) without the slow answers and throttle
# bans, which only cost waiting here: the pull tests cover those.
LIST_CHAOS = {"http_5xx": 0.1, "truncate": 0.05, "duplicate": 0.3, "move": 0.3}
CHAOS_TRANSPORT = TransportSettings(read_timeout=1.0, max_attempts=30, backoff_initial=0.01, backoff_max=0.2)


@pytest.fixture(scope="module")
def simulator():
    world = WorldConfig(seed=62, start=TEST_START, history_days=3, horizon_days=1,
                        orders_per_shop_per_day=ORDERS_PER_DAY, nasty_share=0.1, missed_by_incremental_rate=0.1)
    with RunningSimulator(world) as sim:
        yield sim


@pytest.fixture(autouse=True)
def _simulator_url(simulator, monkeypatch):
    monkeypatch.setenv("ORDER_PIPELINE_SIM_URL", simulator.url)
    simulator.set_faults("none")


def _created_truth(sim: RunningSimulator, start, end) -> dict[str, dict[str, str]]:
    """shop -> order id -> modified_at, of the orders created in [start, end]."""
    found: dict[str, dict[str, str]] = defaultdict(dict)
    for row in sim.world.ground_truth("orders"):
        if start <= parse_instant(row["created_at"]) <= end:
            found[row["shop_key"]][str(row["order_id"])] = row["modified_at"]
    return found


@pytest.mark.parametrize("faults", ["none", LIST_CHAOS], ids=["clean", "chaos"])
def test_every_platform_lists_every_order_created_in_the_window(simulator, faults):
    clock = FrozenClock(simulator.world.now())
    window = Window(clock.now() - timedelta(hours=44), clock.now() - timedelta(hours=4))
    truth = _created_truth(simulator, window.start, window.end)
    simulator.set_faults(faults)
    injected_before = dict(simulator.stats()["faults"])
    for shop in load_shops():
        cls = adapter_class(shop.platform)
        with cls(shop, CHAOS_TRANSPORT, clock=clock) as adapter:
            latest: dict[str, str] = {}
            for part in window.split(cls.max_created_window):
                for batch in adapter.fetch_orders_created(part):
                    for record in batch.records:
                        modified = adapter.record_modified("orders", record)
                        key = adapter.record_key("orders", record)
                        latest[key] = max(latest.get(key, ""), modified.isoformat().replace("+00:00", "Z"))
        expected = truth[shop.key]
        assert len(expected) > 100, f"{shop.key}: the window must span several pages"
        assert set(latest) == set(expected), f"{shop.key} ({faults})"
        if faults == "none":  # chaos bumps records while we page: their versions legitimately move on
            assert latest == expected, f"{shop.key}: detail payload versions"
    injected = {kind: n - injected_before[kind] for kind, n in simulator.stats()["faults"].items()}
    if faults != "none":
        assert all(injected[kind] > 0 for kind in ("http_5xx", "truncated", "duplicated", "moved")), injected


def test_check_shop_splits_its_range_and_lands_every_order_it_does_not_hold(simulator):
    clock, cipher = FrozenClock(simulator.world.now()), PiiCipher.from_env()
    state = IngestionState(state_dir(data_dir()) / "ingestion.sqlite")
    business_date = last_closed_day(clock.now())
    start, end = day_range(business_date, 2)
    truth = _created_truth(simulator, start, end - timedelta(microseconds=1))
    for shop in load_shops():
        with adapter_class(shop.platform)(shop, clock=clock) as adapter:
            row = check_shop(adapter, business_date, 2, landing_root=landing_dir(data_dir()), state=state,
                             cipher=cipher, clock=clock, pull_id="split", window_width=timedelta(hours=7))
        assert (row.listed, row.held) == (len(truth[shop.key]), 0), shop.key
        assert set(row.missing_ids) == set(truth[shop.key]) and row.backfilled == row.missing, shop.key
    logged = [entry for entry in state.pull_log("split") if entry.shop_key == "jd_pop"]
    assert len(logged) == 7, "48 hours in windows of at most 7 hours"
    assert all(entry.window_end - entry.window_start <= timedelta(hours=7) for entry in logged)
    assert state.watermark("jd", "jd_pop", "orders") is None, "a completeness pass never sets a watermark"


def test_check_shop_judges_only_what_the_incremental_pulls_have_covered(simulator):
    clock, cipher = FrozenClock(simulator.world.now()), PiiCipher.from_env()
    state = IngestionState(state_dir(data_dir()) / "ingestion.sqlite")
    business_date = last_closed_day(clock.now())
    start, end = day_range(business_date, 2)
    # The incremental pulls are behind: nothing created later can be judged (watermarks are stored in UTC).
    watermark = (start + timedelta(hours=20)).astimezone(UTC)
    state.commit_window(PullLogEntry("incremental", "douyin", "douyin_main", "orders", start, watermark, 0, None,
                                     False, 0, clock.now()), advance_watermark=True, now=clock.now())
    shop = next(s for s in load_shops() if s.key == "douyin_main")
    with adapter_class("douyin")(shop, clock=clock) as adapter:
        row = check_shop(adapter, business_date, 2, landing_root=landing_dir(data_dir()), state=state,
                         cipher=cipher, clock=clock, pull_id="behind")
    truth = _created_truth(simulator, start, watermark - timedelta(microseconds=1))["douyin_main"]
    assert (row.window_start, row.window_end) == (start, watermark) and end > watermark
    assert set(row.missing_ids) == set(truth) and row.listed == len(truth) > 0
    assert state.watermark("douyin", "douyin_main", "orders") == watermark


def test_hidden_orders_are_left_out_of_modified_listings_only(simulator):
    world, now = simulator.world, simulator.world.now()
    for shop in world.shops():
        hidden = world.missed_by_incremental(shop.key)
        created = world.orders_created_between(shop.key, now - timedelta(days=4), now)
        modified = world.orders_modified_between(shop.key, now - timedelta(days=4), now)
        assert {o.order_id for o in created} - {o.order_id for o in modified} == {
            o.order_id for o in created if o.order_id in hidden}, shop.key
        listed_hidden = [o for o in created if o.order_id in hidden]
        assert listed_hidden, f"{shop.key}: some orders must be hidden"
        assert all(world.order(shop.key, o.order_id) == o for o in listed_hidden), "details still answer"
    served = httpx.get(f"{simulator.url}/_sim/ground_truth", params={"kind": "missed_orders"})
    rows = [line for line in served.text.splitlines() if line]
    assert served.status_code == 200 and len(rows) == len(list(world.ground_truth("missed_orders"))) > 0
    plain = SimWorld(WorldConfig(seed=62, start=TEST_START, history_days=1, horizon_days=0,
                                 orders_per_shop_per_day=20))
    assert not list(plain.ground_truth("missed_orders")), "the default world hides nothing"


def test_taobao_created_listing_checks_its_window(simulator):
    shop = next(s for s in load_shops() if s.platform == "taobao")
    clock = FrozenClock(simulator.world.now())
    with adapter_class("taobao")(shop, clock=clock) as adapter:
        fields = {"fields": "tid,created", "page_size": 5, "use_has_next": "true"}
        day = {"start_created": "2026-11-19 00:00:00", "end_created": "2026-11-19 23:59:59"}
        first = adapter.call("taobao.trades.sold.get", {**fields, **day, "page_no": 1})
        created = [trade["created"] for trade in first["trades"]["trade"]]
        assert first["has_next"] is True and "total_results" not in first
        assert created == sorted(created, reverse=True) and all(c.startswith("2026-11-19") for c in created)
        for bad in ({"start_created": "2026-06-01 00:00:00", "end_created": "2026-06-02 00:00:00"},
                    {"start_created": "2026-11-19 00:00:00", "end_created": "2026-11-18 00:00:00"},
                    {"start_created": "2026-11-19", "end_created": "2026-11-19 23:59:59"}):
            with pytest.raises(PlatformError) as refused:
                adapter.call("taobao.trades.sold.get", {**fields, **bad})
            assert refused.value.code == "41" and not refused.value.retryable
