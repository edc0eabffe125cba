"""DouyinAdapter and ShopeeAdapter end to end over real HTTP against the platform simulator.

The simulator is an independent implementation of docs/platform-api.md (it imports nothing from the
adapters), so these tests show that our signatures are accepted, that its errors reach us classified, and
that a multi-window pull returns exactly its ground truth, record for record, with a request count close to
the minimum the contract allows.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from order_pipeline.clock import ensure_utc, parse_instant
from order_pipeline.landing.pii import PiiCipher, load_key
from order_pipeline.platforms import douyin as douyin_module
from order_pipeline.platforms import shopee as shopee_module
from order_pipeline.platforms.base import Batch, PlatformAdapter, Window
from order_pipeline.platforms.douyin import DouyinAdapter
from order_pipeline.platforms.errors import ErrorAction, PlatformError
from order_pipeline.platforms.shopee import ShopeeAdapter
from order_pipeline.platforms.transport import TransportSettings
from order_pipeline.shops import PROJECT_ROOT, Shop, load_env_file, load_shops
from order_pipeline.simulator.config import WorldConfig
from order_pipeline.simulator.server import RunningSimulator
from order_pipeline_tests.conftest import TEST_START

HISTORY_DAYS = 20  # wider than Shopee's 15 days and Douyin's 7-day refund windows: pulls are split
SETTINGS = TransportSettings(backoff_initial=0.01, backoff_max=0.2, read_timeout=5.0, max_total_wait=60)
QUANTITY = {"douyin": lambda r: int(r["stock_num"]),
            "shopee": lambda r: int(r["stock_info_v2"]["summary_info"]["total_available_stock"])}
TRUTH_ID = {"orders": "order_id", "refunds": "refund_id", "stock": "sku_id"}
# Douyin's 90-day order windows would need a 90-day world to split; ten days exercise the same seams.
WIDEST_IN_TEST = timedelta(days=10)


@pytest.fixture(scope="module")
def sim() -> Iterator[RunningSimulator]:
    config = WorldConfig(seed=5, start=TEST_START, history_days=HISTORY_DAYS, horizon_days=2,
                         orders_per_shop_per_day=25, nasty_share=0.2, frozen=True)
    with RunningSimulator(config) as running:
        yield running


@pytest.fixture
def shops(sim, monkeypatch) -> dict[str, Shop]:
    monkeypatch.setenv("ORDER_PIPELINE_SIM_URL", sim.url)
    load_env_file(PROJECT_ROOT / "config" / "demo.env")
    sim.set_faults("none")
    return {shop.key: shop for shop in load_shops(Path(PROJECT_ROOT / "config" / "shops.yaml"))}


def adapter_for(sim: RunningSimulator, shop: Shop, settings: TransportSettings = SETTINGS) -> PlatformAdapter:
    cls = DouyinAdapter if shop.platform == "douyin" else ShopeeAdapter
    return cls(shop, settings, detail_concurrency=6, clock=sim.clock)


def whole_history(sim: RunningSimulator) -> Window:
    now = sim.world.now()
    return Window(now - timedelta(days=HISTORY_DAYS + 1), now)


def parts(adapter: PlatformAdapter, stream: str, window: Window) -> list[Window]:
    return window.split(min(adapter.max_window[stream], WIDEST_IN_TEST))


def pull(adapter: PlatformAdapter, stream: str, window: Window | None) -> list[Batch]:
    if stream == "stock":
        return list(adapter.fetch_stock())
    fetch = adapter.fetch_orders if stream == "orders" else adapter.fetch_refunds
    return [batch for part in parts(adapter, stream, window) for batch in fetch(part)]


def latest(adapter: PlatformAdapter, stream: str, batches: list[Batch]) -> dict[str, dict]:
    """key -> the newest version pulled (what the warehouse keeps)."""
    out: dict[str, dict] = {}
    for record in (r for b in batches for r in b.records):
        key = adapter.record_key(stream, record)
        old = out.get(key)
        if old is None or (adapter.record_modified(stream, record) or TEST_START) >= (
                adapter.record_modified(stream, old) or TEST_START):
            out[key] = record
    return out


def truth(sim: RunningSimulator, stream: str, shop_key: str) -> dict[str, dict]:
    return {str(row[TRUTH_ID[stream]]): row for row in sim.world.ground_truth(stream)
            if row["shop_key"] == shop_key}


def assert_matches_truth(sim, adapter, stream, pulled: dict[str, dict]) -> None:
    expected = truth(sim, stream, adapter.shop.key)
    assert expected, f"the world has no {stream} for {adapter.shop.key}"
    assert set(pulled) == set(expected)
    for key, record in pulled.items():
        if stream == "stock":
            assert QUANTITY[adapter.platform](record) == expected[key]["quantity"], key
        else:  # the version we hold is the platform's latest (whole seconds on the wire)
            want = ensure_utc(parse_instant(expected[key]["modified_at"])).replace(microsecond=0)
            assert adapter.record_modified(stream, record) == want, key


@pytest.mark.parametrize("shop_key", ["douyin_main", "shopee_sg", "shopee_id", "shopee_br"])
@pytest.mark.parametrize("stream", ["orders", "refunds", "stock"])
def test_multi_window_pull_returns_exactly_the_ground_truth(sim, shops, shop_key, stream):
    with adapter_for(sim, shops[shop_key]) as adapter:
        window = None if stream == "stock" else whole_history(sim)
        if window is not None:
            assert len(parts(adapter, stream, window)) >= 2, "the pull must span several windows"
        batches = pull(adapter, stream, window)
        pulled = latest(adapter, stream, batches)
        assert_matches_truth(sim, adapter, stream, pulled)
        assert all(b.request_ids for b in batches), "every batch names the requests behind it"
        assert adapter.request_count <= math.ceil(1.1 * minimum_requests(adapter, stream, window, pulled))


def minimum_requests(adapter, stream, window, pulled) -> int:
    """The fewest calls the contract allows, window by window: list pages of 100, then one detail per order
    (Douyin) or per 50 orders (Shopee), one SKU/model call per product."""
    if stream == "stock":
        products = {str(r["product_id"] if adapter.platform == "douyin" else r["item_id"]) for r in pulled.values()}
        return math.ceil(len(products) / 100) + len(products)
    total = 0
    for part in parts(adapter, stream, window):
        start, end = part.epoch_seconds()
        n = sum(1 for r in pulled.values()
                if start <= adapter.record_modified(stream, r).timestamp() <= end)
        pages = max(1, math.ceil(n / 100))
        details = 0 if stream == "refunds" else (n if adapter.platform == "douyin" else math.ceil(n / 50))
        total += pages + details
    return total


@pytest.mark.parametrize("shop_key", ["douyin_main", "shopee_sg"])
def test_wrong_secret_gets_the_platforms_signature_error(sim, shops, shop_key, monkeypatch):
    secret_var = shops[shop_key].credentials.app_secret
    monkeypatch.setenv(secret_var, "not-the-secret")
    with adapter_for(sim, shops[shop_key]) as adapter, pytest.raises(PlatformError) as caught:
        list(adapter.fetch_orders(whole_history(sim).split(timedelta(days=7))[-1]))
    assert caught.value.action is ErrorAction.STOP
    assert caught.value.code == ("40004" if shop_key == "douyin_main" else "error_sign")
    assert adapter.request_count == 1, "a signature error is never retried"


@pytest.mark.parametrize(("shop_key", "stream", "width", "code"), [
    ("douyin_main", "orders", timedelta(days=91), "40001"),
    ("shopee_sg", "orders", timedelta(days=16), "error_param"),
    ("shopee_sg", "refunds", timedelta(days=16), "error_param"),
])
def test_a_window_over_the_maximum_gets_the_platforms_error(sim, shops, shop_key, stream, width, code):
    now = sim.world.now()
    with adapter_for(sim, shops[shop_key]) as adapter, pytest.raises(PlatformError) as caught:
        fetch = adapter.fetch_orders if stream == "orders" else adapter.fetch_refunds
        list(fetch(Window(now - width, now)))
    assert caught.value.action is ErrorAction.STOP and caught.value.code == code
    if shop_key == "shopee_sg" and stream == "orders":
        assert "order_list_invalid_time" in caught.value.message


@pytest.mark.parametrize("shop_key", ["douyin_main", "shopee_sg"])
def test_a_page_size_of_101_gets_the_platforms_error(sim, shops, shop_key, monkeypatch):
    module = douyin_module if shop_key == "douyin_main" else shopee_module
    monkeypatch.setattr(module, "PAGE_SIZE", 101)
    with adapter_for(sim, shops[shop_key]) as adapter, pytest.raises(PlatformError) as caught:
        list(adapter.fetch_orders(whole_history(sim).split(timedelta(days=7))[-1]))
    assert caught.value.action is ErrorAction.STOP
    assert caught.value.code == ("40001" if shop_key == "douyin_main" else "error_param")


@pytest.mark.parametrize("shop_key", ["douyin_main", "shopee_sg"])
def test_chaos_loses_nothing_when_the_window_ends_behind_now(sim, shops, shop_key):
    """Gateway 5xx, throttles, slow and truncated replies, repeated records, and records that get a new
    version while we page. As in production, the window ends behind now (the ingestion layer's safety lag),
    so a record touched mid-pull leaves the window; the next window (pulled calm) picks up its new version.
    Together the two pulls hold exactly the ground truth."""
    now = sim.world.now()
    cut = now - timedelta(minutes=10)
    chaotic = TransportSettings(backoff_initial=0.01, backoff_max=0.2, read_timeout=1.0, max_attempts=12,
                                max_total_wait=120)
    # every list page moves records: at 0.5 a short listing (few pages) drew none now and then (a flaky test)
    sim.set_faults({"base": "chaos", "slow_seconds": 1.5, "throttle": 0.03, "move": 1.0})
    before = dict(sim.faults.describe()["injected"])
    with adapter_for(sim, shops[shop_key], chaotic) as adapter:
        first = {stream: pull(adapter, stream, Window(now - timedelta(days=HISTORY_DAYS + 1), cut))
                 for stream in ("orders", "refunds")}
        sim.set_faults("none")
        injected = {k: v - before.get(k, 0) for k, v in sim.faults.describe()["injected"].items()}
        moved = sum(n for kind, n in injected.items() if kind.startswith("move"))  # "move"/"moved" by version
        assert moved > 0 and injected.get("http_5xx", 0) > 0, injected
        for stream in ("orders", "refunds"):
            batches = first[stream] + pull(adapter, stream, Window(cut, sim.world.now()))
            assert_matches_truth(sim, adapter, stream, latest(adapter, stream, batches))


@pytest.mark.parametrize("shop_key", ["douyin_main", "shopee_sg", "shopee_br"])
def test_pii_paths_cover_every_receiver_detail_the_platform_sends(sim, shops, shop_key):
    """Sealed with the adapter's pii_paths, no order payload still shows a receiver's name, phone or street
    address in clear, nor the buyer's message to the seller."""
    with adapter_for(sim, shops[shop_key]) as adapter:
        records = [r for b in pull(adapter, "orders", whole_history(sim)) for r in b.records]
    cipher = PiiCipher(load_key())
    sealed = json.dumps([cipher.encrypt_paths(r, adapter.pii_paths["orders"]) for r in records], ensure_ascii=False)
    secrets = set()
    for row in truth(sim, "orders", shop_key).values():
        receiver = row["receiver"]
        secrets |= {v for v in (receiver["name"], receiver["phone"], receiver["detail"]) if len(v.strip()) >= 4}
        secrets |= {row["buyer_message"]} if len(row.get("buyer_message") or "") >= 6 else set()
    assert records and secrets
    assert not [s for s in secrets if s in sealed]
