"""The simulated Douyin shop speaks the contract: canonical param_json signing, page-from-0 lists, fen, statuses."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import pytest

from order_pipeline.simulator.platforms import douyin_render
from order_pipeline.simulator.platforms.douyin import canonical_param_json, douyin_sign

from . import signers
from .fakes import NOW, SHOPS, FakeWorld, line, order, refund, stock

SHOP = SHOPS["douyin"]
TS = str(int(NOW.timestamp()))


def call(
    client,
    path: str,
    method: str,
    business: dict,
    secret: str = SHOP.app_secret,
    token: str = SHOP.access_token,
    sign_method: str = "md5",
    body: str | None = None,
) -> dict:
    param_json = signers.douyin_param_json(business)
    sign = signers.douyin(secret, SHOP.app_key, method, param_json, TS, sign_method)
    query = {
        "app_key": SHOP.app_key,
        "method": method,
        "access_token": token,
        "timestamp": TS,
        "v": "2",
        "sign_method": sign_method,
        "sign": sign,
    }
    content = (param_json if body is None else body).encode()
    return client.post(
        f"/douyin{path}", params=query, content=content, headers={"content-type": "application/json"}
    ).json()


def search(client, **business) -> dict:
    args = {
        "update_time_start": int((NOW - timedelta(hours=2)).timestamp()),
        "update_time_end": int(NOW.timestamp()),
        "order_by": "update_time",
        "page": 0,
        "size": 3,
        **business,
    }
    return call(client, "/order/searchList", "order.searchList", args)


@pytest.fixture
def world():
    orders = [order(f"69{i:03d}", "dy", NOW - timedelta(minutes=i + 1)) for i in range(7)]
    return FakeWorld(
        orders,
        [refund("AS1", "dy", "69000", NOW - timedelta(minutes=2), status="waiting_buyer_return")],
        stock("dy"),
    )


def test_param_json_is_canonical_and_the_sign_string_layout_is_the_documented_one():
    # No published Douyin vector with its secret was found (the official one is an online tool); the layout is
    # pinned to the contract: secret + app_key..method..param_json..timestamp..v2 + secret, md5 lowercase hex.
    business = {"b": {"z": 1, "a": "/路径"}, "a": [3, {"y": 2, "x": 1}]}
    assert canonical_param_json(business) == '{"a":[3,{"x":1,"y":2}],"b":{"a":"/路径","z":1}}'
    assert signers.douyin_param_json(business) == canonical_param_json(business)
    text = "sapp_keykmethodm.nparam_json{}timestamp1v2s"
    assert douyin_sign("s", "k", "m.n", "{}", "1", "md5") == hashlib.md5(text.encode()).hexdigest()


def test_search_pages_from_zero_newest_first_with_masked_receiver(client, ctx):
    body = search(client)
    assert body["code"] == 10000 and body["log_id"].startswith("req-") and body["sub_code"] == ""
    data = body["data"]
    assert data["total"] == 7 and data["page"] == 0 and data["size"] == 3
    first = data["shop_order_list"][0]
    assert [o["order_id"] for o in data["shop_order_list"]] == ["69000", "69001", "69002"]
    assert first["mask_post_tel"] == "138****8000" and first["mask_post_receiver"] == "张*"
    assert (
        "encrypt_post_tel" not in first and "post_tel" not in first and first["post_addr"]["detail"] == "****"
    )
    assert ctx.pages[-1] == ("dy", "orders", 0, 3)


def test_paging_returns_each_order_once_in_either_direction(client):
    seen = []
    for page in (0, 1, 2):
        seen += [o["order_id"] for o in search(client, page=page)["data"]["shop_order_list"]]
    assert seen == [f"69{i:03d}" for i in range(7)]
    ascending = search(client, order_asc=True)["data"]["shop_order_list"]
    assert [o["order_id"] for o in ascending] == ["69006", "69005", "69004"]


def test_unsorted_param_json_or_wrong_secret_is_40004(client):
    args = {"size": 3, "page": 0, "update_time_start": 1, "update_time_end": 2}
    unsorted = json.dumps(args, separators=(",", ":"))
    sign = signers.douyin(SHOP.app_secret, SHOP.app_key, "order.searchList", unsorted, TS)
    query = {
        "app_key": SHOP.app_key,
        "method": "order.searchList",
        "access_token": SHOP.access_token,
        "timestamp": TS,
        "v": "2",
        "sign_method": "md5",
        "sign": sign,
    }
    body = client.post("/douyin/order/searchList", params=query, content=unsorted.encode()).json()
    assert body["code"] == 40004 and body["sub_code"] == "isv.sign-invalid"
    wrong = call(client, "/order/orderDetail", "order.orderDetail", {"shop_order_id": "69000"}, secret="nope")
    assert wrong["code"] == 40004


def test_hmac_sha256_is_accepted_and_bad_token_is_30002(client):
    ok = call(
        client,
        "/order/orderDetail",
        "order.orderDetail",
        {"shop_order_id": "69000"},
        sign_method="hmac-sha256",
    )
    assert ok["code"] == 10000
    stale = call(client, "/order/orderDetail", "order.orderDetail", {"shop_order_id": "69000"}, token="old")
    assert stale["code"] == 30002 and stale["sub_code"] == "isv.access-token-expired"


def test_window_over_90_days_and_size_over_100_are_40001(client):
    wide = search(client, update_time_start=int((NOW - timedelta(days=91)).timestamp()))
    assert wide["code"] == 40001 and wide["sub_code"] == "isv.parameter-invalid"
    assert search(client, size=101)["code"] == 40001
    assert search(client, update_time_end=int((NOW - timedelta(days=1)).timestamp()))["code"] == 40001


def test_throttle_is_30009_with_the_wait(client, ctx):
    ctx.wait = 5
    body = search(client)
    assert body["code"] == 30009 and body["sub_msg"] == "请求过于频繁，请5秒后重试"


def test_detail_fen_epoch_and_ciphertext_forms(client, world):
    world.orders[("dy", "69500")] = order(
        "69500",
        "dy",
        NOW,
        status="partly_shipped",
        lines=(line("695001", "shipped", shipped_at=NOW), line("695002")),
    )
    detail = call(client, "/order/orderDetail", "order.orderDetail", {"shop_order_id": "69500"})["data"]
    order_ = detail["shop_order_detail"]
    assert order_["order_status"] == 101 and order_["main_status"] == 101
    assert (order_["order_amount"], order_["pay_amount"], order_["post_amount"]) == (12780, 11780, 800)
    assert order_["create_time"] == int((NOW - timedelta(hours=1)).timestamp()) and order_["ship_time"] == 0
    assert order_["encrypt_post_tel"].startswith("$") and order_["mask_post_tel"] == "138****8000"
    assert order_["post_tel"] == "+86 138 0013 8000" and order_["post_addr"]["town"]["name"] == "西湖区"
    assert (
        order_["sku_order_list"][0]["order_status"] == 3
        and order_["sku_order_list"][1]["pay_amount"] == 10980
    )
    missing = call(client, "/order/orderDetail", "order.orderDetail", {"shop_order_id": "404"})
    assert missing["code"] == 50002


@pytest.mark.parametrize(
    ("status", "risk", "expected"),
    [
        ("unpaid", False, 1),
        ("paid", True, 105),
        ("paid", False, 2),
        ("partly_shipped", False, 101),
        ("shipped", False, 3),
        ("cancelled", False, 4),
        ("completed", False, 5),
    ],
)
def test_status_mapping(status, risk, expected):
    assert douyin_render.order_status(order("1", "dy", NOW, status=status, risk_flag=risk)) == expected


def test_aftersale_products_and_skus(client):
    args = {
        "update_start_time": int((NOW - timedelta(hours=1)).timestamp()),
        "update_end_time": int(NOW.timestamp()),
        "page": 0,
        "size": 10,
    }
    body = call(client, "/afterSale/List", "afterSale.List", args)["data"]
    info = body["items"][0]["aftersale_info"]
    assert body["total"] == 1 and info["aftersale_status"] == 7 and info["aftersale_type"] == 0
    assert info["refund_amount"] == 5490 and info["reason_remark"] == "衣服偏小，想退货"
    products = call(client, "/product/listV2", "product.listV2", {"page": 1, "size": 2})["data"]
    assert products["total"] == 3 and [p["product_id"] for p in products["data"]] == [5000, 5001]
    assert call(client, "/product/listV2", "product.listV2", {"page": 0, "size": 2})["code"] == 40001
    skus = call(client, "/sku/list", "sku.list", {"product_id": 5002})["data"]
    assert [s["stock_num"] for s in skus] == [20, 21] and skus[0]["code"] == "P2-0"
