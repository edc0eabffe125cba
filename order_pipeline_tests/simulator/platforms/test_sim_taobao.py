"""The simulated Taobao TOP gateway speaks the contract: signing, clock, windows, paging, formats, statuses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from order_pipeline.simulator.platforms.taobao import top_sign

from . import signers
from .fakes import NOW, SHOPS, FakeWorld, bj, line, order, refund, stock

SHOP = SHOPS["taobao"]
URL = "/taobao/router/rest"


def call(client, method: str, secret: str = SHOP.app_secret, when: datetime = NOW, **business) -> dict:
    params = {
        "method": method,
        "app_key": SHOP.app_key,
        "session": SHOP.access_token,
        "timestamp": bj(when),
        "v": "2.0",
        "format": "json",
        "sign_method": business.pop("sign_method", "md5"),
        **business,
    }
    return client.post(URL, data=signers.taobao(params, secret)).json()


@pytest.fixture
def world():
    orders = [order(f"{3000 + i}", "tb", NOW - timedelta(minutes=i + 1)) for i in range(7)]
    return FakeWorld(orders, [refund("9001", "tb", "3000", NOW - timedelta(minutes=5))], stock("tb"))


def window(hours: float = 1) -> dict:
    return {"start_modified": bj(NOW - timedelta(hours=hours)), "end_modified": bj(NOW)}


def test_signer_matches_the_official_top_example():
    # open.taobao.com docV3.htm?docId=101617 (签名算法), also asserted by several SDK tests in the code corpus:
    # secret "helloworld" with these parameters signs to 66987CB115214E59E6EC978214934FB8.
    params = {
        "method": "taobao.item.seller.get",
        "app_key": "12345678",
        "session": "test",
        "timestamp": "2016-01-01 12:00:00",
        "format": "json",
        "v": "2.0",
        "sign_method": "md5",
        "fields": "num_iid,title,nick,price,num",
        "num_iid": "11223344",
    }
    assert signers.taobao(params, "helloworld")["sign"] == "66987CB115214E59E6EC978214934FB8"
    assert top_sign(params, "helloworld", "md5") == "66987CB115214E59E6EC978214934FB8"


def test_increment_list_is_header_only_newest_first(client, ctx):
    body = call(
        client, "taobao.trades.sold.increment.get", fields="tid,status,modified", page_size="3", **window()
    )
    result = body["trades_sold_increment_get_response"]
    assert result["total_results"] == 7 and result["request_id"].startswith("req-")
    trades = result["trades"]["trade"]
    assert [t["tid"] for t in trades] == [3000, 3001, 3002]
    assert set(trades[0]) == {"tid", "tid_str", "status", "modified", "created"}
    assert trades[0]["modified"] == "2025-03-10 11:59:00" and trades[0]["status"] == "WAIT_SELLER_SEND_GOODS"
    assert ctx.calls[("taobao", "taobao.trades.sold.increment.get")] == 1


def test_paging_backwards_and_forwards_returns_each_trade_once(client):
    seen = []
    for page_no in (3, 2, 1):
        body = call(
            client,
            "taobao.trades.sold.increment.get",
            fields="tid",
            page_size="3",
            page_no=str(page_no),
            **window(),
        )
        seen += [t["tid_str"] for t in body["trades_sold_increment_get_response"]["trades"]["trade"]]
    assert sorted(seen) == [f"{3000 + i}" for i in range(7)]
    body = call(
        client,
        "taobao.trades.sold.increment.get",
        fields="tid",
        page_size="3",
        page_no="3",
        use_has_next="true",
        **window(),
    )
    assert body["trades_sold_increment_get_response"]["has_next"] is False
    assert "total_results" not in body["trades_sold_increment_get_response"]


@pytest.mark.parametrize("sign_method", ["md5", "hmac", "hmac-sha256"])
def test_every_sign_method_is_accepted(client, sign_method):
    body = call(client, "taobao.trades.sold.increment.get", fields="tid", sign_method=sign_method, **window())
    assert "trades_sold_increment_get_response" in body


def test_wrong_secret_is_code_25(client):
    body = call(client, "taobao.trades.sold.increment.get", secret="not-the-secret", fields="tid", **window())
    assert body["error_response"]["code"] == 25 and body["error_response"]["msg"] == "Invalid signature"


def test_unknown_app_key_bad_session_and_unknown_method(client):
    params = {
        "method": "taobao.trades.sold.increment.get",
        "app_key": "999",
        "session": SHOP.access_token,
        "timestamp": bj(NOW),
        "v": "2.0",
        "sign_method": "md5",
        "fields": "tid",
        **window(),
    }
    assert client.post(URL, data=signers.taobao(params, "x")).json()["error_response"]["code"] == 29
    params.update(app_key=SHOP.app_key, session="expired")
    assert (
        client.post(URL, data=signers.taobao(params, SHOP.app_secret)).json()["error_response"]["code"] == 27
    )
    params.update(session=SHOP.access_token, method="taobao.nope.get")
    assert (
        client.post(URL, data=signers.taobao(params, SHOP.app_secret)).json()["error_response"]["code"] == 22
    )


def test_timestamp_is_checked_against_the_world_clock(client):
    assert "error_response" not in call(
        client, "taobao.items.onsale.get", fields="num_iid", when=NOW + timedelta(minutes=9)
    )
    late = call(client, "taobao.items.onsale.get", fields="num_iid", when=NOW + timedelta(minutes=11))
    assert late["error_response"]["code"] == 31
    machine = call(client, "taobao.items.onsale.get", fields="num_iid", when=datetime.now(UTC))
    assert machine["error_response"]["code"] == 31  # the world clock (2025) is not the machine's


def test_window_wider_than_a_day_is_code_41(client):
    body = call(client, "taobao.trades.sold.increment.get", fields="tid", **window(hours=24.5))
    error = body["error_response"]
    assert error["code"] == 41 and error["sub_code"] == "isv.invalid-parameter:start_modified-end_modified"


def test_page_size_over_100_is_code_41(client):
    body = call(client, "taobao.trades.sold.increment.get", fields="tid", page_size="101", **window())
    assert body["error_response"]["sub_code"] == "isv.invalid-parameter:page_size"


def test_missing_required_argument_is_code_40(client):
    body = call(client, "taobao.trades.sold.increment.get", fields="tid", start_modified=bj(NOW))
    assert body["error_response"]["code"] == 40


def test_throttle_carries_the_wait(client, ctx):
    ctx.wait = 2.2
    error = call(client, "taobao.items.onsale.get", fields="num_iid")["error_response"]
    assert error["code"] == 7 and error["sub_msg"] == "This ban will last for 3 more seconds"


def test_fullinfo_money_time_and_lines(client, world):
    shipped = NOW - timedelta(minutes=30)
    world.orders[("tb", "4000")] = order(
        "4000",
        "tb",
        NOW,
        status="partly_shipped",
        shipped_at=None,
        waybill="ZT1",
        lines=(line("40001", "shipped", shipped_at=shipped), line("40002")),
    )
    trade = call(client, "taobao.trade.fullinfo.get", fields="tid,orders", tid="4000")[
        "trade_fullinfo_get_response"
    ]
    trade = trade["trade"]
    assert trade["status"] == "SELLER_CONSIGNED_PART"
    assert (trade["payment"], trade["total_fee"], trade["post_fee"], trade["discount_fee"]) == (
        "117.80",
        "119.80",
        "8.00",
        "10.00",
    )
    assert trade["created"] == "2025-03-10 11:00:00" and trade["receiver_mobile"] == "+86 138 0013 8000"
    first, second = trade["orders"]["order"]
    assert first["status"] == "WAIT_BUYER_CONFIRM_GOODS" and first["invoice_no"] == "ZT1"
    assert first["price"] == "59.90" and first["num"] == 2 and second["status"] == "WAIT_SELLER_SEND_GOODS"
    no_lines = call(client, "taobao.trade.fullinfo.get", fields="tid,status", tid="4000")
    assert "orders" not in no_lines["trade_fullinfo_get_response"]["trade"]
    missing = call(client, "taobao.trade.fullinfo.get", fields="tid", tid="404")["error_response"]
    assert missing["code"] == 41 and missing["sub_code"] == "isv.trade-not-exist"


@pytest.mark.parametrize(
    ("status", "paid", "expected"),
    [
        ("unpaid", False, "WAIT_BUYER_PAY"),
        ("paid", True, "WAIT_SELLER_SEND_GOODS"),
        ("partly_shipped", True, "SELLER_CONSIGNED_PART"),
        ("shipped", True, "WAIT_BUYER_CONFIRM_GOODS"),
        ("completed", True, "TRADE_FINISHED"),
        ("cancelled", False, "TRADE_CLOSED_BY_TAOBAO"),
        ("cancelled", True, "TRADE_CLOSED"),
    ],
)
def test_status_mapping(client, world, status, paid, expected):
    world.orders[("tb", "5000")] = order("5000", "tb", NOW, status=status, paid=paid)
    trade = call(client, "taobao.trade.fullinfo.get", fields="tid", tid="5000")["trade_fullinfo_get_response"]
    assert trade["trade"]["status"] == expected


def test_refunds_carry_every_field(client):
    body = call(client, "taobao.refunds.receive.get", fields="refund_id", **window())
    result = body["refunds_receive_get_response"]
    assert result["total_results"] == 1
    item = result["refunds"]["refund"][0]
    assert item["status"] == "WAIT_SELLER_AGREE" and item["refund_fee"] == "54.90"
    assert (
        item["tid"] == 3000
        and item["modified"] == "2025-03-10 11:55:00"
        and item["desc"] == "衣服偏小，想退货"
    )
    assert item["has_good_return"] is True and item["order_status"] == "WAIT_SELLER_SEND_GOODS"


def test_items_and_skus(client):
    items = call(client, "taobao.items.onsale.get", fields="num_iid,num", page_size="2")
    result = items["items_onsale_get_response"]
    assert result["total_results"] == 3 and [i["num"] for i in result["items"]["item"]] == [1, 21]
    skus = call(client, "taobao.item.skus.get", fields="sku_id,quantity", num_iids="5001,5002")
    assert [s["quantity"] for s in skus["item_skus_get_response"]["skus"]["sku"]] == [10, 11, 20, 21]
    too_many = call(client, "taobao.item.skus.get", fields="sku_id", num_iids=",".join(["1"] * 41))
    assert too_many["error_response"]["code"] == 41


def test_query_string_and_empty_values_are_accepted(client):
    params = {
        "method": "taobao.items.onsale.get",
        "app_key": SHOP.app_key,
        "session": SHOP.access_token,
        "timestamp": bj(NOW),
        "v": "2.0",
        "sign_method": "md5",
        "fields": "num_iid",
        "page_no": "",
    }
    body = client.get(URL, params=signers.taobao(params, SHOP.app_secret)).json()
    assert "items_onsale_get_response" in body
