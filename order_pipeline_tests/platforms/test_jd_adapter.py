"""JdAdapter against an in-test JOS stand-in: request shape and signing, backward paging for orders and
refunds, request counts, and the classification of `error_response` and failed `_responce` objects."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from order_pipeline.clock import FrozenClock
from order_pipeline.platforms import jd_signing
from order_pipeline.platforms.base import Window
from order_pipeline.platforms.errors import ErrorAction, PlatformError, ReauthorisationRequired
from order_pipeline.platforms.jd import JdAdapter, classify_error, parse_response
from order_pipeline_tests.platforms.top_jos_fakes import FAST, NOW, TickingClock, beijing, make_shop, wire

WINDOW = Window(NOW - timedelta(days=3), NOW - timedelta(hours=1))


def adapter_for(monkeypatch, handler, clock=None):
    adapter = JdAdapter(make_shop("jd", monkeypatch), FAST, clock=clock or FrozenClock(NOW))
    return adapter, wire(adapter, handler)


def business(form: dict[str, str]) -> dict:
    params = {k: v for k, v in form.items() if not k.startswith("_")}
    assert params["sign_method"] == "md5" and params["sign"] == jd_signing.sign(params, "jd-secret")
    assert (params["app_key"], params["access_token"], params["v"]) == ("jd-key", "jd-token", "2.0")
    return json.loads(params["360buy_param_json"])


def rows(count: int, key: str, time_key: str) -> list[dict]:
    return [{key: 7000 + i, time_key: beijing(WINDOW.end - timedelta(minutes=i))} for i in range(count)]


def test_orders_request_shape_paging_and_count(monkeypatch):
    orders = rows(150, "orderId", "modified")

    def handler(form):
        assert form["_url"] == "http://fake.test/jd/routerjson"
        assert form["timestamp"] == "2026-03-01 12:00:00"
        query = business(form)
        if form["method"] == "jingdong.pop.order.enSearch":
            assert (query["start_date"], query["end_date"]) == ("2026-02-26 12:00:00", "2026-03-01 11:00:00")
            assert (query["dateType"], query["sortType"], query["page_size"]) == (0, 1, "100")
            assert "POP_ORDER_PAUSE" in query["order_state"] and "orderId" in query["optional_fields"]
            page = int(query["page"])
            return {"jingdong_pop_order_enSearch_responce": {"code": "0", "searchorderinfo_result": {
                "orderTotal": len(orders), "orderInfoList": orders[(page - 1) * 100: page * 100]}}}
        assert form["method"] == "jingdong.pop.order.enGet" and "consigneeInfo" in query["optional_fields"]
        order = next(o for o in orders if str(o["orderId"]) == query["order_id"])
        return {"jingdong_pop_order_enGet_responce": {"code": "0", "orderDetailInfo": {"orderInfo": order}}}

    adapter, received = adapter_for(monkeypatch, handler)
    batches = list(adapter.fetch_orders(WINDOW))
    pages = [json.loads(f["360buy_param_json"])["page"] for f in received if f["method"].endswith("enSearch")]
    assert pages == ["1", "2", "1"]
    assert sorted(r["orderId"] for b in batches for r in b.records) == [o["orderId"] for o in orders]
    assert adapter.request_count == 3 + 150


def test_refunds_page_by_fifty_backwards(monkeypatch):
    refunds = rows(120, "id", "modifiedTime")

    def handler(form):
        query = business(form)
        assert form["method"] == "jingdong.pop.afs.soa.refundapply.queryPageList"
        assert (query["modifiedStart"], query["pageSize"]) == ("2026-02-26 12:00:00", 50)
        page = query["pageIndex"]
        return {"jingdong_pop_afs_soa_refundapply_queryPageList_responce": {"code": "0", "queryResult": {
            "success": True, "totalCount": len(refunds), "result": refunds[(page - 1) * 50: page * 50]}}}

    adapter, received = adapter_for(monkeypatch, handler)
    got = [r["id"] for b in adapter.fetch_refunds(WINDOW) for r in b.records]
    assert [json.loads(f["360buy_param_json"])["pageIndex"] for f in received] == [1, 3, 2, 1]
    assert sorted(got) == [r["id"] for r in refunds]  # the page-1 re-read adds no duplicate


def test_stock_pages_forward(monkeypatch):
    skus = [{"skuId": 1 + i, "stockNum": i} for i in range(130)]

    def handler(form):
        query = business(form)
        assert form["method"] == "jingdong.sku.read.searchSkuList" and query["pageSize"] == 100
        page = query["page"]
        return {"jingdong_sku_read_searchSkuList_responce": {"code": "0", "page": {
            "totalItem": len(skus), "pageNo": page, "data": skus[(page - 1) * 100: page * 100]}}}

    adapter, _ = adapter_for(monkeypatch, handler)
    assert len([r for b in adapter.fetch_stock() for r in b.records]) == 130 and adapter.request_count == 2


def test_retry_is_signed_afresh_and_token_error_is_not_retried(monkeypatch):
    stamps: list[str] = []

    def flaky(form):
        business(form)
        stamps.append(form["timestamp"])
        if len(stamps) == 1:
            return {"error_response": {"code": "65", "zh_desc": "平台连接后端服务不可用", "en_desc": "connection error"}}
        return {"jingdong_sku_read_searchSkuList_responce": {"code": "0", "page": {"totalItem": 0, "data": []}}}

    adapter, _ = adapter_for(monkeypatch, flaky, clock=TickingClock(NOW))
    list(adapter.fetch_stock())
    assert len(stamps) == 2 and stamps[0] != stamps[1]

    adapter, received = adapter_for(monkeypatch, lambda form: {"error_response": {
        "code": "19", "zh_desc": "token已过期", "en_desc": "Invalid access_token"}})
    with pytest.raises(ReauthorisationRequired):
        list(adapter.fetch_orders(WINDOW))
    assert len(received) == 1


@pytest.mark.parametrize(
    ("error", "action", "retry_after"),
    [
        ({"code": "19", "en_desc": "Invalid access_token"}, ErrorAction.REAUTHORISE, None),
        ({"code": "14", "en_desc": "Invalid signature"}, ErrorAction.STOP, None),
        ({"code": "12", "en_desc": "Invalid app_key"}, ErrorAction.STOP, None),
        ({"code": "65", "en_desc": "Platform connection error"}, ErrorAction.RETRY, None),
        ({"code": "66", "en_desc": "start_date and end_date at most 1 month apart"}, ErrorAction.STOP, None),
        ({"code": "11000", "en_desc": "Too many requests, retry after 6 seconds"}, ErrorAction.BACK_OFF, 6.0),
        ({"code": "11000", "zh_desc": "调用过于频繁"}, ErrorAction.BACK_OFF, None),
        ({"code": "123456", "zh_desc": "新错误"}, ErrorAction.STOP, None),
    ],
)
def test_classification(error, action, retry_after):
    exc = classify_error(error, "jingdong.x")
    assert exc.action is action and exc.retry_after == retry_after and exc.code == error["code"]
    assert (error.get("en_desc") or error["zh_desc"]) in exc.message


def test_failures_inside_the_responce_object_stop():
    with pytest.raises(PlatformError) as caught:
        parse_response("jingdong.pop.order.enGet",
                       {"jingdong_pop_order_enGet_responce": {"code": "1", "errorMessage": "订单不存在"}})
    assert caught.value.action is ErrorAction.STOP and "订单不存在" in caught.value.message

    with pytest.raises(PlatformError) as caught:
        parse_response("jingdong.pop.order.enGet", {"some_other_responce": {"code": "0"}})
    assert caught.value.action is ErrorAction.STOP


def test_business_failure_flag_stops(monkeypatch):
    adapter, _ = adapter_for(monkeypatch, lambda form: {
        "jingdong_pop_afs_soa_refundapply_queryPageList_responce": {"code": "0", "queryResult": {
            "success": False, "resultCode": "E01", "message": "查询失败"}}})
    with pytest.raises(PlatformError) as caught:
        list(adapter.fetch_refunds(WINDOW))
    assert caught.value.action is ErrorAction.STOP and "查询失败" in caught.value.message


def test_keys_versions_and_pii():
    assert JdAdapter.record_key("orders", {"orderId": 5}) == "5"
    assert JdAdapter.record_modified("refunds", {"modifiedTime": "2026-03-01 08:00:00"}) == datetime(
        2026, 3, 1, tzinfo=UTC)
    assert ("consigneeInfo", "mobile") in JdAdapter.pii_paths["orders"]
    assert JdAdapter.max_window["orders"] == timedelta(days=28)
