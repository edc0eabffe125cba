"""ShopeeAdapter against an in-process fake gateway: signing path, cursor and keyset paging, optional detail
fields, batch sizes and request counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from order_pipeline.platforms.base import Window
from order_pipeline.platforms.errors import ErrorAction, PlatformError
from order_pipeline.platforms.shopee import DETAIL_FIELDS, ShopeeAdapter
from order_pipeline_tests.platforms.fake_platforms import FAST, FakeShopee, attach, make_shop

START = datetime(2025, 3, 1, tzinfo=UTC)
END = START + timedelta(days=2)
T0 = int(START.timestamp())


def orders(n: int):
    return [{"order_sn": f"250301{i:06d}", "update_time": T0 + 30 + i * 300, "order_status": "READY_TO_SHIP",
             "recipient_address": {"name": "Tan", "phone": "6591234567", "city": "Singapore"},
             "item_list": [{"item_id": 1, "model_id": 2}], "buyer_username": "tan88", "secret_field": 1}
            for i in range(n)]


def returns(n: int, step: int = 120):
    return [{"return_sn": f"R{i:05d}", "order_sn": "x", "update_time": T0 + 10 + i * step, "status": "REQUESTED"}
            for i in range(n)]


@pytest.fixture
def adapter(monkeypatch):
    shop = make_shop(monkeypatch, "shopee", "http://shopee.test/shopee", shop_id="220001001")
    with ShopeeAdapter(shop, FAST, detail_concurrency=4) as adapter:
        yield adapter


def test_orders_list_by_cursor_then_details_in_fifties_with_every_optional_field(adapter):
    fake = FakeShopee(orders(230))
    attach(adapter, fake)
    batches = list(adapter.fetch_orders(Window(START, END)))
    assert [len(b.records) for b in batches] == [100, 100, 30]
    assert fake.calls == {"order.get_order_list": 3, "order.get_order_detail": 2 + 2 + 1}
    assert fake.detail_fields == set(DETAIL_FIELDS)
    record = batches[0].records[0]
    assert record["recipient_address"]["name"] == "Tan" and "item_list" in record and "secret_field" not in record
    first = batches[0].request_ids
    assert first[0] == "order.get_order_list-1" and len(first) == 3
    assert all(rid.startswith("order.get_order_detail-") for rid in first[1:])


def test_orders_leaving_the_window_do_not_disturb_the_cursor(adapter):
    fake = FakeShopee(orders(250))
    left: list[str] = []

    def leave(api, q):
        if api == "order.get_order_list":
            oldest = min((o for o in fake.orders.values() if o["order_sn"] not in left), key=lambda o: o["update_time"])
            oldest["update_time"] = int(END.timestamp()) + 100
            left.append(oldest["order_sn"])

    fake.after = leave
    attach(adapter, fake)
    got = {adapter.record_key("orders", r) for b in adapter.fetch_orders(Window(START, END)) for r in b.records}
    assert {o["order_sn"] for o in orders(250)} - set(left) <= got


def test_returns_keyset_paging_misses_nothing_when_records_leave(adapter):
    """After each list call a return already read is modified (leaves the window), so every return behind
    it moves one place up: offset paging forward would lose one return at each page boundary; narrowing
    the upper bound cannot."""
    fake = FakeShopee(returns=returns(260))
    left: list[str] = []
    read: set[str] = set()

    def leave(api, q):
        rows = fake._returns_get_return_list(q)["return"]
        read.update(r["return_sn"] for r in rows)
        for r in sorted(fake.returns.values(), key=lambda r: -r["update_time"]):
            if r["return_sn"] in read and r["return_sn"] not in left and r["update_time"] <= int(END.timestamp()):
                r["update_time"] = int(END.timestamp()) + 500
                left.append(r["return_sn"])
                return

    fake.after = leave
    attach(adapter, fake)
    batches = list(adapter.fetch_refunds(Window(START, END)))
    keys = [adapter.record_key("refunds", r) for b in batches for r in b.records]
    assert len(keys) == len(set(keys))
    assert {r["return_sn"] for r in returns(260)} - set(left) <= set(keys)
    assert fake.calls["returns.get_return_list"] <= 4


def test_returns_request_count_is_the_page_count(adapter):
    fake = FakeShopee(returns=returns(250))
    attach(adapter, fake)
    keys = [r["return_sn"] for b in adapter.fetch_refunds(Window(START, END)) for r in b.records]
    assert len(keys) == len(set(keys)) == 250
    assert fake.calls == {"returns.get_return_list": 3}


def test_returns_sharing_one_second_fall_back_to_offset_pages(adapter):
    same_second = [{"return_sn": f"S{i:04d}", "update_time": T0 + 500, "status": "ACCEPTED"} for i in range(230)]
    fake = FakeShopee(returns=same_second + returns(20, step=1))
    attach(adapter, fake)
    keys = [r["return_sn"] for b in adapter.fetch_refunds(Window(START, END)) for r in b.records]
    assert len(keys) == len(set(keys)) == 250


def test_stock_is_one_record_per_model_with_its_item(adapter):
    items = {100 + i: [{"model_id": 5000 + 3 * i + k, "model_sku": f"M{i}-{k}",
                        "stock_info_v2": {"summary_info": {"total_available_stock": k}}} for k in range(3)]
             for i in range(130)}
    fake = FakeShopee(items=items)
    attach(adapter, fake)
    records = [r for b in adapter.fetch_stock() for r in b.records]
    assert len(records) == 390 and {r["item_id"] for r in records} == set(items)
    assert fake.calls == {"product.get_item_list": 2, "product.get_model_list": 130}
    assert adapter.record_key("stock", records[0]) == "5000"


def test_signature_is_over_the_path_without_the_simulator_prefix_and_wrong_key_stops(adapter):
    fake = FakeShopee(orders(1))
    attach(adapter, fake)
    assert len(next(adapter.fetch_orders(Window(START, END))).records) == 1  # the fake checks the signature
    adapter.app_secret = "wrong"
    with pytest.raises(PlatformError) as caught:
        list(adapter.fetch_orders(Window(START, END)))
    assert caught.value.action is ErrorAction.STOP and caught.value.code == "error_sign"


def test_identity_version_and_pii():
    record = {"order_sn": "2503", "update_time": 1740787200}
    assert ShopeeAdapter.record_key("orders", record) == "2503"
    assert ShopeeAdapter.record_modified("orders", record) == datetime(2025, 3, 1, tzinfo=UTC)
    assert ("recipient_address", "phone") in ShopeeAdapter.pii_paths["orders"]
    assert ("recipient_address", "city") not in ShopeeAdapter.pii_paths["orders"]
    assert ShopeeAdapter.max_window == {"orders": timedelta(days=15), "refunds": timedelta(days=15)}


def test_burst_limit_is_waited_out_but_the_daily_quota_is_handed_back_at_once(adapter):
    fake = FakeShopee(orders(3))
    fake.script = [{"error": "error_rate_limit", "message": "retry after 0.05 seconds", "request_id": "t"},
                   {"error": "error_server", "message": "busy", "request_id": "s"}]
    attach(adapter, fake)
    assert sum(len(b.records) for b in adapter.fetch_orders(Window(START, END))) == 3
    assert adapter.request_count == 2 + 2

    fake.script = [{"error": "error_limit", "message": "daily quota used up", "request_id": "q"}]
    with pytest.raises(PlatformError) as caught:
        list(adapter.fetch_orders(Window(START, END)))
    assert caught.value.action is ErrorAction.BACK_OFF and caught.value.code == "error_limit"
    assert 0 < caught.value.retry_after <= 24 * 3600
    assert adapter.request_count == 4 + 1, "no retry inside the run: the wait is far beyond the retry budget"
