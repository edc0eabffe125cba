"""TaobaoAdapter against an in-test TOP stand-in: request shape, signing per attempt, paging, request counts,
stock fan-out, and the classification of every error envelope."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from order_pipeline.clock import FrozenClock
from order_pipeline.platforms import taobao_signing
from order_pipeline.platforms.base import Window
from order_pipeline.platforms.errors import ErrorAction, PlatformError, ReauthorisationRequired
from order_pipeline.platforms.taobao import TaobaoAdapter, classify_error
from order_pipeline_tests.platforms.top_jos_fakes import FAST, NOW, TickingClock, beijing, make_shop, wire

WINDOW = Window(NOW - timedelta(hours=2), NOW - timedelta(hours=1))


def adapter_for(monkeypatch, handler, **kwargs):
    adapter = TaobaoAdapter(make_shop("taobao", monkeypatch), FAST, clock=kwargs.pop("clock", FrozenClock(NOW)),
                            **kwargs)
    return adapter, wire(adapter, handler)


def assert_signed(form: dict[str, str], method: str = "md5") -> None:
    params = {k: v for k, v in form.items() if not k.startswith("_")}
    assert params["sign"] == taobao_signing.sign(params, "tb-secret", method)


def trades(count: int) -> list[dict]:
    return [{"tid": 1000 + i, "modified": beijing(WINDOW.end - timedelta(seconds=i))} for i in range(count)]


def top_list(form, rows, key, outer, inner, page_size=100):
    page, size = int(form["page_no"]), int(form["page_size"])
    assert size == page_size and "use_has_next" not in form
    chunk = rows[(page - 1) * size: page * size]
    return {key: {"total_results": len(rows), outer: {inner: chunk}, "request_id": f"r-{page}"}}


def test_orders_request_shape_paging_and_count(monkeypatch):
    rows = trades(150)

    def handler(form):
        assert form["_url"] == "http://fake.test/taobao/router/rest"
        assert_signed(form)
        assert (form["app_key"], form["session"], form["v"], form["format"]) == ("tb-key", "tb-session", "2.0", "json")
        assert form["timestamp"] == "2026-03-01 12:00:00"  # machine clock (frozen here) in GMT+8
        if form["method"] == "taobao.trades.sold.increment.get":
            assert (form["start_modified"], form["end_modified"]) == ("2026-03-01 10:00:00", "2026-03-01 11:00:00")
            return top_list(form, rows, "trades_sold_increment_get_response", "trades", "trade")
        assert form["method"] == "taobao.trade.fullinfo.get" and "orders" in form["fields"].split(",")
        trade = next(r for r in rows if str(r["tid"]) == form["tid"])
        return {"trade_fullinfo_get_response": {"trade": {**trade, "orders": {"order": []}}, "request_id": "d"}}

    adapter, received = adapter_for(monkeypatch, handler)
    batches = list(adapter.fetch_orders(WINDOW))
    lists = [f["page_no"] for f in received if f["method"] == "taobao.trades.sold.increment.get"]
    assert lists == ["1", "2", "1"]
    assert sorted(int(r["tid"]) for b in batches for r in b.records) == [r["tid"] for r in rows]
    assert adapter.request_count == 3 + 150
    assert batches[0].request_ids[0] == "r-1" and batches[0].window == WINDOW


@pytest.mark.parametrize("sign_method", ["hmac", "hmac-sha256"])
def test_other_sign_methods(monkeypatch, sign_method):
    def handler(form):
        assert form["sign_method"] == sign_method
        assert_signed(form, sign_method)
        return {"refunds_receive_get_response": {"total_results": 0, "request_id": "x"}}

    adapter, _ = adapter_for(monkeypatch, handler, sign_method=sign_method)
    assert [b.records for b in adapter.fetch_refunds(WINDOW)] == [[]]


def test_every_attempt_is_signed_afresh(monkeypatch):
    def handler(form):
        assert_signed(form)
        if len(stamps) == 0:
            stamps.append(form["timestamp"])
            return {"error_response": {"code": 15, "msg": "Remote service error",
                                       "sub_code": "isp.top-remote-connection-timeout", "request_id": "e1"}}
        stamps.append(form["timestamp"])
        return {"refunds_receive_get_response": {"total_results": 1, "refunds": {"refund": [
            {"refund_id": 9, "modified": "2026-03-01 10:30:00"}]}, "request_id": "ok"}}

    stamps: list[str] = []
    adapter, _ = adapter_for(monkeypatch, handler, clock=TickingClock(NOW))
    batches = list(adapter.fetch_refunds(WINDOW))
    assert stamps[0] != stamps[1] and adapter.request_count == 2
    assert batches[0].records[0]["refund_id"] == 9


def test_invalid_session_is_not_retried(monkeypatch):
    adapter, received = adapter_for(monkeypatch, lambda form: {"error_response": {
        "code": 27, "msg": "Invalid session", "sub_code": "invalid-sessionkey", "request_id": "z"}})
    with pytest.raises(ReauthorisationRequired):
        list(adapter.fetch_orders(WINDOW))
    assert len(received) == 1


def test_stock_pages_items_and_fans_out_skus_by_forty(monkeypatch):
    items = [{"num_iid": 500 + i, "num": 3, "modified": "2026-03-01 09:00:00"} for i in range(250)]
    skuless = 500 + 249

    def handler(form):
        assert_signed(form)
        if form["method"] == "taobao.items.onsale.get":
            return top_list(form, items, "items_onsale_get_response", "items", "item", page_size=200)
        ids = form["num_iids"].split(",")
        assert form["method"] == "taobao.item.skus.get" and 1 <= len(ids) <= 40
        skus = [{"sku_id": int(i) * 10 + k, "num_iid": int(i), "quantity": k} for i in ids if int(i) != skuless
                for k in range(2)]
        return {"item_skus_get_response": {"skus": {"sku": skus}, "request_id": "s"}}

    adapter, received = adapter_for(monkeypatch, handler)
    records = [r for b in adapter.fetch_stock() for r in b.records]
    assert adapter.request_count == 2 + 5 + 2  # two item pages; 200 items in 5 calls, 50 in 2
    assert len(records) == 249 * 2 + 1
    assert {TaobaoAdapter.record_key("stock", r) for r in records} >= {"5000", "5001", f"item-{skuless}"}


@pytest.mark.parametrize(
    ("error", "action", "retry_after"),
    [
        ({"code": 7, "msg": "App Call Limited", "sub_code": "accesscontrol.limited-by-app-access-count",
          "sub_msg": "This ban will last for 17 more seconds"}, ErrorAction.BACK_OFF, 17.0),
        ({"code": 7, "msg": "App Call Limited"}, ErrorAction.BACK_OFF, None),
        ({"code": 15, "sub_code": "isp.top-remote-connection-timeout"}, ErrorAction.RETRY, None),
        ({"code": 15, "sub_code": "isv.trade-not-exist"}, ErrorAction.STOP, None),
        ({"code": 41, "sub_code": "isp.unknown-error"}, ErrorAction.RETRY, None),
        ({"code": 10, "msg": "Service Currently Unavailable"}, ErrorAction.RETRY, None),
        ({"code": 27, "msg": "Invalid session"}, ErrorAction.REAUTHORISE, None),
        ({"code": 26, "msg": "Missing session"}, ErrorAction.REAUTHORISE, None),
        ({"code": 53, "msg": "session"}, ErrorAction.REAUTHORISE, None),
        ({"code": 25, "msg": "Invalid signature"}, ErrorAction.STOP, None),
        ({"code": 29, "msg": "Invalid app Key"}, ErrorAction.STOP, None),
        ({"code": 31, "msg": "Invalid timestamp"}, ErrorAction.STOP, None),
        ({"code": 40, "msg": "Missing required arguments:fields"}, ErrorAction.STOP, None),
        ({"code": 41, "sub_code": "isv.invalid-parameter:page_size"}, ErrorAction.STOP, None),
        ({"code": 999, "msg": "Something new"}, ErrorAction.STOP, None),
    ],
)
def test_classification(error, action, retry_after):
    exc = classify_error({**error, "request_id": "rid"}, "taobao.x")
    assert isinstance(exc, PlatformError) and exc.action is action and exc.retry_after == retry_after
    assert exc.request_id == "rid" and exc.code == str(error["code"])
    assert str(error.get("sub_code") or error.get("msg")) in exc.message


def test_unexpected_body_stops(monkeypatch):
    adapter, _ = adapter_for(monkeypatch, lambda form: {"something_else": {}})
    with pytest.raises(PlatformError) as caught:
        list(adapter.fetch_refunds(WINDOW))
    assert caught.value.action is ErrorAction.STOP


def test_keys_and_versions():
    trade = {"tid": 42, "tid_str": "42", "modified": "2026-03-01 08:00:00"}
    assert TaobaoAdapter.record_key("orders", trade) == "42"
    assert TaobaoAdapter.record_modified("orders", trade) == datetime(2026, 3, 1, 0, 0, tzinfo=UTC)
    assert TaobaoAdapter.record_key("refunds", {"refund_id": 7}) == "7"
    assert TaobaoAdapter.record_modified("stock", {"sku_id": 1}) is None
    assert TaobaoAdapter.max_window == {"orders": timedelta(days=1), "refunds": timedelta(days=1)}
