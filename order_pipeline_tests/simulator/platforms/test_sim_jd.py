"""The simulated JD JOS gateway speaks the contract: 360buy_param_json signing, windows, paging, formats, states."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from order_pipeline.simulator.platforms import jd_render
from order_pipeline.simulator.platforms.jd import jos_sign

from . import signers
from .fakes import NOW, SHOPS, FakeWorld, bj, order, refund, stock

SHOP = SHOPS["jd"]
ALL_STATES = ",".join(jd_render.ORDER_STATES)


def call(
    client,
    method: str,
    business: dict,
    secret: str = SHOP.app_secret,
    token: str = SHOP.access_token,
    app_key: str = SHOP.app_key,
) -> dict:
    params = {
        "method": method,
        "app_key": app_key,
        "access_token": token,
        "timestamp": bj(NOW),
        "v": "2.0",
        "sign_method": "md5",
        "360buy_param_json": json.dumps(business, ensure_ascii=False),
    }
    return client.post("/jd/routerjson", data=signers.jd(params, secret)).json()


def search(client, **business) -> dict:
    args = {
        "start_date": bj(NOW - timedelta(hours=2)),
        "end_date": bj(NOW),
        "order_state": ALL_STATES,
        "optional_fields": "orderId,orderState,modified",
        "page": 1,
        "page_size": 3,
        **business,
    }
    return call(client, "jingdong.pop.order.enSearch", args)


@pytest.fixture
def world():
    orders = [order(f"{8000 + i}", "jd", NOW - timedelta(minutes=i + 1)) for i in range(7)]
    orders.append(order("8100", "jd", NOW - timedelta(minutes=30), status="unpaid"))
    return FakeWorld(
        orders, [refund("R1", "jd", "8000", NOW - timedelta(minutes=3), status="refunded")], stock("jd")
    )


def test_signer_matches_the_official_jos_example():
    # open.jd.com/v2/#/doc/dev-guide?listId=2643 (签名算法 example): the documented concatenation with
    # appSecret "yourappSecret" signs to D70825340F4084360B9362B60DFD7930.
    params = {
        "360buy_param_json": '{"end_date":null,"optional_fields":null,"order_state":"WAIT_SELLER_STOCK_OUT",'
        '"page":"1","page_size":"200","start_date":null}',
        "access_token": "yourtoken",
        "app_key": "yourappkey",
        "method": "jingdong.pop.order.search",
        "timestamp": "2021-05-07 09:20:39.683+0800",
        "v": "2.0",
        "sign_method": "md5",
        "format": "json",
    }
    assert signers.jd(params, "yourappSecret")["sign"] == "D70825340F4084360B9362B60DFD7930"
    assert jos_sign(params, "yourappSecret") == "D70825340F4084360B9362B60DFD7930"


def test_search_is_header_only_newest_first_and_hides_unpaid(client, ctx):
    body = search(client)
    result = body["jingdong_pop_order_enSearch_responce"]
    assert result["code"] == "0"
    info = result["searchorderinfo_result"]
    assert info["orderTotal"] == 7  # the unpaid order is not visible to a POP seller
    assert [o["orderId"] for o in info["orderInfoList"]] == ["8000", "8001", "8002"]
    assert set(info["orderInfoList"][0]) == {"orderId", "orderState", "modified", "orderStartTime"}
    assert info["orderInfoList"][0]["modified"] == "2025-03-10 11:59:00"


def test_paging_from_one_returns_each_order_once(client):
    seen = []
    for page in (1, 2, 3):
        seen += [
            o["orderId"]
            for o in search(client, page=page)["jingdong_pop_order_enSearch_responce"][
                "searchorderinfo_result"
            ]["orderInfoList"]
        ]
    assert seen == [f"{8000 + i}" for i in range(7)]
    ascending = search(client, sortType=0, page_size=2)["jingdong_pop_order_enSearch_responce"]
    assert [o["orderId"] for o in ascending["searchorderinfo_result"]["orderInfoList"]] == ["8006", "8005"]


def test_auth_errors(client):
    args = {"order_id": "8000"}
    assert call(client, "jingdong.pop.order.enGet", args, secret="wrong")["error_response"]["code"] == "14"
    assert call(client, "jingdong.pop.order.enGet", args, app_key="nope")["error_response"]["code"] == "12"
    assert call(client, "jingdong.pop.order.enGet", args, token="stale")["error_response"]["code"] == "19"
    unknown = call(client, "jingdong.pop.order.nothing", args)["error_response"]
    assert unknown["code"] == "66" and "zh_desc" in unknown and "en_desc" in unknown


def test_window_over_a_month_page_size_and_required_fields_are_66(client):
    wide = search(client, start_date=bj(NOW - timedelta(days=32)))
    assert wide["error_response"]["code"] == "66"
    assert search(client, page_size=101)["error_response"]["code"] == "66"
    assert search(client, optional_fields="")["error_response"]["code"] == "66"
    assert search(client, order_state="WAIT_PAY")["error_response"]["code"] == "66"
    assert "error_response" not in search(client, start_date=bj(NOW - timedelta(days=28)))


def test_throttle_is_11000_with_the_wait(client, ctx):
    ctx.wait = 0.4
    error = search(client)["error_response"]
    assert error["code"] == "11000" and error["en_desc"] == "Too many requests, retry after 1 seconds"


def test_detail_money_times_consignee_and_states(client, world):
    world.orders[("jd", "8200")] = order("8200", "jd", NOW, status="shipped", waybill="JD0001")
    body = call(client, "jingdong.pop.order.enGet", {"order_id": "8200", "optional_fields": "orderId"})
    info = body["jingdong_pop_order_enGet_responce"]["orderDetailInfo"]["orderInfo"]
    assert info["orderState"] == "WAIT_GOODS_RECEIVE_CONFIRM" and info["waybill"] == "JD0001"
    assert (
        info["orderTotalPrice"],
        info["orderSellerPrice"],
        info["orderPayment"],
        info["freightPrice"],
    ) == ("119.80", "109.80", "117.80", "8.00")
    assert info["orderStartTime"] == "2025-03-10 11:00:00" and info["venderId"] == SHOP.platform_shop_id
    assert (
        info["consigneeInfo"]["mobile"] == "+86 138 0013 8000" and info["consigneeInfo"]["county"] == "西湖区"
    )
    assert info["itemInfoList"][0] == {
        "skuId": "sku82001",
        "outerSkuId": "SKU-82001",
        "wareId": "5550001",
        "skuName": "纯棉T恤 白色 L",
        "jdPrice": "59.90",
        "itemTotal": "2",
        "productNo": "",
    }
    hidden = call(client, "jingdong.pop.order.enGet", {"order_id": "8100"})
    assert hidden["jingdong_pop_order_enGet_responce"]["orderDetailInfo"]["orderInfo"] is None


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("paid", "WAIT_SELLER_STOCK_OUT"),
        ("partly_shipped", "WAIT_SELLER_STOCK_OUT"),
        ("shipped", "WAIT_GOODS_RECEIVE_CONFIRM"),
        ("completed", "FINISHED_L"),
        ("cancelled", "TRADE_CANCELED"),
    ],
)
def test_state_mapping(status, expected):
    assert jd_render.order_state(order("1", "jd", NOW, status=status)) == expected


def test_refunds_and_stock(client):
    args = {
        "modifiedStart": bj(NOW - timedelta(hours=1)),
        "modifiedEnd": bj(NOW),
        "pageIndex": 1,
        "pageSize": 50,
    }
    body = call(client, "jingdong.pop.afs.soa.refundapply.queryPageList", args)
    result = body["jingdong_pop_afs_soa_refundapply_queryPageList_responce"]["queryResult"]
    assert result["totalCount"] == 1 and result["result"][0]["status"] == 3
    assert result["result"][0]["applyRefundSum"] == "54.90" and result["result"][0]["buyerId"] == "buyer-001"
    assert (
        call(client, "jingdong.pop.afs.soa.refundapply.queryPageList", {**args, "pageSize": 51})[
            "error_response"
        ]["code"]
        == "66"
    )
    skus = call(client, "jingdong.sku.read.searchSkuList", {"page": 2, "pageSize": 4})
    page = skus["jingdong_sku_read_searchSkuList_responce"]["page"]
    assert page["totalItem"] == 6 and [s["stockNum"] for s in page["data"]] == [20, 21]
