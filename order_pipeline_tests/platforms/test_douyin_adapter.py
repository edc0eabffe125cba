"""DouyinAdapter against an in-process fake gateway: request shape, backward paging, dedupe, request counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from order_pipeline.platforms.base import Window
from order_pipeline.platforms.douyin import DouyinAdapter
from order_pipeline.platforms.errors import ErrorAction, PlatformError, ReauthorisationRequired
from order_pipeline_tests.platforms.fake_platforms import FAST, FakeDouyin, attach, make_shop

START = datetime(2025, 3, 1, tzinfo=UTC)
END = START + timedelta(days=1)
T0 = int(START.timestamp())


def orders(n: int, step: int = 300):
    return [{"order_id": f"69{i:08d}", "update_time": T0 + 60 + i * step, "order_status": 2} for i in range(n)]


@pytest.fixture
def adapter(monkeypatch):
    shop = make_shop(monkeypatch, "douyin", "http://douyin.test/douyin")
    with DouyinAdapter(shop, FAST, detail_concurrency=4) as adapter:
        yield adapter


def pull(adapter, fake, window=None):
    attach(adapter, fake)
    return list(adapter.fetch_orders(window or Window(START, END)))


def test_one_page_costs_one_list_call_and_one_detail_per_order(adapter):
    fake = FakeDouyin(orders(40))
    batches = pull(adapter, fake)
    assert [len(b.records) for b in batches] == [40]
    assert fake.calls == {"order.searchList": 1, "order.orderDetail": 40}
    assert adapter.request_count == 41
    assert batches[0].request_ids[0] == "order.searchList-1" and len(batches[0].request_ids) == 41
    assert batches[0].records[0]["mask_post_tel"] == "138****0000", "the detail payload is what is landed"


def test_many_pages_are_read_last_first_then_page_zero_again(adapter):
    fake = FakeDouyin(orders(250))
    batches = pull(adapter, fake)
    assert fake.pages == [("order.searchList", n) for n in (0, 2, 1, 0)]
    ids = [adapter.record_key("orders", r) for b in batches for r in b.records]
    assert sorted(ids) == sorted(o["order_id"] for o in orders(250)) and len(ids) == len(set(ids))
    assert fake.calls == {"order.searchList": 4, "order.orderDetail": 250}
    assert batches[-1].request_ids[:2] == ["order.searchList-1", "order.searchList-4"]


def test_orders_leaving_the_window_while_paging_make_nobody_else_missed(adapter):
    """After every list call the newest unread order is modified (it leaves the window): each removal moves
    every record behind it one place up, which a forward reader would lose at each page boundary."""
    fake = FakeDouyin(orders(320, step=200))
    left: list[str] = []

    def modify_one(method, params):
        if method != "order.searchList":
            return
        for o in sorted(fake.orders.values(), key=lambda o: -o["update_time"]):
            if o["update_time"] <= int(END.timestamp()) and o["order_id"] not in left:
                o["update_time"] = int(END.timestamp()) + 600
                left.append(o["order_id"])
                return

    fake.after = modify_one
    got = {adapter.record_key("orders", r) for b in pull(adapter, fake) for r in b.records}
    stayed = {o["order_id"] for o in orders(320, step=200)} - set(left)
    assert stayed <= got


def test_detail_of_an_order_seen_twice_is_fetched_once(adapter):
    """The newest order leaves after page 1 is read: the first order of page 1 slides onto page 0 and is
    listed twice, but its detail is fetched once; the order that left is still yielded (from the probe)."""
    fake = FakeDouyin(orders(150))
    newest = max(fake.orders.values(), key=lambda o: o["update_time"])

    def leave_after_page_one(method, params):
        if method == "order.searchList" and params["page"] == 1:
            newest["update_time"] = int(END.timestamp()) + 60

    fake.after = leave_after_page_one
    ids = [adapter.record_key("orders", r) for b in pull(adapter, fake) for r in b.records]
    assert fake.calls == {"order.searchList": 3, "order.orderDetail": 150}
    assert len(ids) == len(set(ids)) == 150


def test_window_is_sent_as_epoch_seconds_by_update_time(adapter):
    fake = FakeDouyin(orders(3))
    seen = {}
    fake.after = lambda method, p: seen.update(p) if method == "order.searchList" else None
    pull(adapter, fake, Window(START + timedelta(seconds=0.7), END))
    assert seen == {"update_time_start": T0, "update_time_end": int(END.timestamp()), "order_by": "update_time",
                    "order_asc": False, "page": 0, "size": 100}


def test_throttle_backs_off_then_succeeds_and_bad_signature_stops(adapter):
    fake = FakeDouyin(orders(2))
    fake.script = [{"code": 30009, "msg": "限流", "sub_code": "isv.app-call-limited",
                    "sub_msg": "请求过于频繁，请0.05秒后重试", "log_id": "t"},
                   {"code": 20000, "msg": "服务异常", "sub_code": "isp.service-error", "log_id": "r"}]
    assert sum(len(b.records) for b in pull(adapter, fake)) == 2
    assert adapter.request_count == 2 + 3

    adapter.app_secret = "wrong"
    with pytest.raises(PlatformError) as caught:
        pull(adapter, FakeDouyin(orders(2)))
    assert caught.value.action is ErrorAction.STOP and caught.value.code == "40004"


def test_expired_token_asks_for_reauthorisation(adapter):
    fake = FakeDouyin(orders(2))
    fake.script = [{"code": 30002, "msg": "access_token已过期", "sub_code": "isv.access-token-expired"}]
    with pytest.raises(ReauthorisationRequired):
        pull(adapter, fake)
    assert adapter.request_count == 1, "never retried"


def test_refunds_are_paged_backwards_and_deduped(adapter):
    refunds = [{"aftersale_id": f"A{i:04d}", "order_id": "1", "update_time": T0 + 100 + i * 60,
                "refund_amount": 990} for i in range(130)]
    fake = FakeDouyin(refunds=refunds)
    attach(adapter, fake)
    batches = list(adapter.fetch_refunds(Window(START, END)))
    keys = [adapter.record_key("refunds", r) for b in batches for r in b.records]
    assert sorted(keys) == [r["aftersale_id"] for r in refunds]
    assert fake.calls == {"afterSale.List": 3}
    assert adapter.record_modified("refunds", batches[0].records[0]).tzinfo is UTC


def test_stock_is_one_record_per_sku_with_its_product(adapter):
    products = [{"product_id": 3000 + i, "name": f"p{i}", "status": 0} for i in range(120)]
    skus = {3000 + i: [{"id": 9000 + 2 * i + k, "code": f"S{i}-{k}", "stock_num": k} for k in range(2)]
            for i in range(120)}
    fake = FakeDouyin(products=products, skus=skus)
    attach(adapter, fake)
    records = [r for b in adapter.fetch_stock() for r in b.records]
    assert len(records) == 240 and {r["product_id"] for r in records} == set(skus)
    assert fake.calls == {"product.listV2": 2, "sku.list": 120}
    assert adapter.record_key("stock", records[0]) == "9000"


def test_record_identity_and_version():
    record = {"order_id": "6912", "update_time": 1740787200}
    assert DouyinAdapter.record_key("orders", record) == "6912"
    assert DouyinAdapter.record_modified("orders", record) == datetime(2025, 3, 1, tzinfo=UTC)
    assert DouyinAdapter.max_window["orders"] == timedelta(days=90)
