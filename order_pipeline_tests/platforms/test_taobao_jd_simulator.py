"""Taobao and JD adapters against the platform simulator over real HTTP (an independent implementation of the
same contract): signatures accepted, the platform's own errors for a wrong secret, a too-wide window and an
oversized page, and multi-day pulls that return exactly the simulator's ground truth for the shop with the
fewest requests the contract allows. Fault handling (pages shifting, throttling) is in
`test_taobao_jd_simulator_faults.py`."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from order_pipeline.clock import FrozenClock, parse_instant
from order_pipeline.platforms.base import Window
from order_pipeline.platforms.errors import ErrorAction, PlatformError, ReauthorisationRequired
from order_pipeline.simulator import config as sim_config  # noqa: E402
from order_pipeline.simulator import server  # noqa: E402 - a project module: its absence is a failure, never a skip
from order_pipeline_tests.conftest import TEST_START
from order_pipeline_tests.platforms.top_jos_sim import adapter, demo_environment, pull, truth

HISTORY_DAYS = 4


@pytest.fixture(scope="module")
def simulator() -> Iterator:
    config = sim_config.WorldConfig(start=TEST_START, history_days=HISTORY_DAYS, horizon_days=1,
                                    orders_per_shop_per_day=150)
    with demo_environment(), server.RunningSimulator(config) as running:
        yield running


@pytest.fixture
def sim(simulator, monkeypatch):
    """The shared simulator, with config/shops.yaml pointing at it for this test."""
    monkeypatch.setenv("ORDER_PIPELINE_SIM_URL", simulator.url)
    return simulator


def everything(sim, lag: timedelta = timedelta(0)) -> Window:
    now = sim.clock.now()
    return Window(now - timedelta(days=HISTORY_DAYS + 1), now - lag)


def list_requests(span: Window, width: timedelta, times: list[datetime], page_size: int) -> int:
    """The fewest list calls the contract allows: per window, every page once plus page 1 re-read when the
    window spans more than one page (records leave it while a client pages)."""
    total = 0
    for window in span.split(width):
        pages = max(1, math.ceil(sum(window.start <= t <= window.end for t in times) / page_size))
        total += pages + (1 if pages > 1 else 0)
    return total


@pytest.mark.parametrize("platform", ["taobao", "jd"])
def test_orders_match_ground_truth_with_minimal_requests(sim, platform):
    source = adapter(sim, platform)
    expected = {row["order_id"]: row for row in truth(sim, "orders", platform)
                if platform != "jd" or row["status"] != "unpaid"}  # JD POP lists an order once it is paid
    got = pull(source, "orders", everything(sim))
    assert set(got) == set(expected)
    for key, record in got.items():
        assert source.record_modified("orders", record) == parse_instant(expected[key]["modified_at"])
    span, width = everything(sim), source.max_window["orders"]
    times = [parse_instant(row["modified_at"]) for row in expected.values()]
    details = sum(window.start <= t <= window.end for window in span.split(width) for t in times)
    assert source.request_count == list_requests(span, width, times, source.page_size) + details


@pytest.mark.parametrize("platform", ["taobao", "jd"])
def test_refunds_match_ground_truth(sim, platform):
    source = adapter(sim, platform)
    expected = {row["refund_id"]: row for row in truth(sim, "refunds", platform)}
    got = pull(source, "refunds", everything(sim))
    assert expected and set(got) == set(expected)
    for key, record in got.items():
        assert source.record_modified("refunds", record) == parse_instant(expected[key]["modified_at"])
    page_size = source.page_size if platform == "taobao" else source.refund_page_size
    times = [parse_instant(row["modified_at"]) for row in expected.values()]
    assert source.request_count == list_requests(everything(sim), source.max_window["refunds"], times, page_size)


@pytest.mark.parametrize("platform", ["taobao", "jd"])
def test_stock_is_one_record_per_sku(sim, platform):
    source = adapter(sim, platform)
    records = [record for batch in source.fetch_stock() for record in batch.records]
    quantity = "quantity" if platform == "taobao" else "stockNum"
    got = {source.record_key("stock", r): r[quantity] for r in records}
    expected = {row["sku_id"]: row["quantity"] for row in truth(sim, "stock", platform)}
    assert len(records) == len(got) and got == expected
    if platform == "taobao":
        items = len({row["product_id"] for row in truth(sim, "stock", platform)})
        assert source.request_count == math.ceil(items / 200) + math.ceil(items / 40)
    else:
        assert source.request_count == math.ceil(len(expected) / 100)


@pytest.mark.parametrize("sign_method", ["md5", "hmac", "hmac-sha256"])
def test_every_taobao_sign_method_is_accepted(sim, sign_method):
    source = adapter(sim, "taobao", sign_method=sign_method)
    now = sim.clock.now()
    assert list(source.fetch_refunds(Window(now - timedelta(hours=6), now)))


@pytest.mark.parametrize(("platform", "variable", "code"), [("taobao", "TAOBAO_APP_SECRET", "25"),
                                                             ("jd", "JD_APP_SECRET", "14")])
def test_wrong_secret_gets_the_signature_error(sim, monkeypatch, platform, variable, code):
    monkeypatch.setenv(variable, "not-the-secret")
    with pytest.raises(PlatformError) as caught:
        list(adapter(sim, platform).fetch_stock())
    assert (caught.value.action, caught.value.code) == (ErrorAction.STOP, code)


@pytest.mark.parametrize(("platform", "variable"), [("taobao", "TAOBAO_SESSION_TMALL_FLAGSHIP"),
                                                    ("jd", "JD_ACCESS_TOKEN_POP")])
def test_unknown_token_asks_for_reauthorisation(sim, monkeypatch, platform, variable):
    monkeypatch.setenv(variable, "revoked-token")
    source = adapter(sim, platform)
    with pytest.raises(ReauthorisationRequired):
        list(source.fetch_stock())
    assert source.request_count == 1


@pytest.mark.parametrize(("platform", "stream", "code", "needle"), [
    ("taobao", "orders", "41", "start_modified-end_modified"),
    ("taobao", "refunds", "41", "start_modified-end_modified"),
    ("jd", "orders", "66", "month"),
    ("jd", "refunds", "66", "month"),
])
def test_window_wider_than_the_contract_is_refused(sim, platform, stream, code, needle):
    source = adapter(sim, platform)
    now = sim.clock.now()
    widest = source.max_window[stream]
    assert list(getattr(source, f"fetch_{stream}")(Window(now - widest, now)))  # the maximum itself is fine
    # TOP: one second over a day. JOS: "1 month" (the simulator counts calendar months), so 32 days.
    too_wide = Window(now - (widest + timedelta(seconds=1) if platform == "taobao" else timedelta(days=32)), now)
    with pytest.raises(PlatformError) as caught:
        list(getattr(source, f"fetch_{stream}")(too_wide))
    assert (caught.value.action, caught.value.code) == (ErrorAction.STOP, code) and needle in caught.value.message


@pytest.mark.parametrize(("platform", "attribute", "code"), [("taobao", "page_size", "41"),
                                                             ("jd", "page_size", "66"),
                                                             ("jd", "refund_page_size", "66")])
def test_page_size_above_the_maximum_is_refused(sim, platform, attribute, code):
    source = adapter(sim, platform)
    setattr(source, attribute, getattr(source, attribute) + 1)
    stream = "refunds" if attribute == "refund_page_size" else "orders"
    now = sim.clock.now()
    with pytest.raises(PlatformError) as caught:
        list(getattr(source, f"fetch_{stream}")(Window(now - timedelta(hours=6), now)))
    assert (caught.value.action, caught.value.code) == (ErrorAction.STOP, code)
    if platform == "taobao":
        assert "isv.invalid-parameter:page_size" in caught.value.message


def test_taobao_timestamp_far_from_the_platform_clock_is_refused(sim):
    # A client clock 11 minutes ahead of the platform's: just past TOP's 10-minute tolerance, never skipped.
    source = adapter(sim, "taobao", clock=FrozenClock(sim.clock.now() + timedelta(minutes=11)))
    with pytest.raises(PlatformError) as caught:
        list(source.fetch_stock())
    assert (caught.value.action, caught.value.code) == (ErrorAction.STOP, "31")
