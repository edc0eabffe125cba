"""The simulated Shopee v2 API speaks the contract: path signing, 15-day windows, a stable cursor, optional fields."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from order_pipeline.simulator.platforms import shopee_render
from order_pipeline.simulator.platforms.shopee import base_string

from . import signers
from .fakes import NOW, SHOPS, FakeWorld, order, refund, stock

SHOP = SHOPS["shopee"]
T = int(NOW.timestamp())


def call(
    client,
    path: str,
    shop=SHOP,
    key: str | None = None,
    ts: int = T,
    signed_path: str | None = None,
    **params,
) -> dict:
    sign = signers.shopee(
        key or shop.app_secret,
        shop.app_key,
        signed_path or path,
        ts,
        shop.access_token,
        shop.platform_shop_id,
    )
    query = {
        "partner_id": shop.app_key,
        "timestamp": ts,
        "access_token": shop.access_token,
        "shop_id": shop.platform_shop_id,
        "sign": sign,
        **params,
    }
    return client.get(f"/shopee{path}", params=query).json()


def order_list(client, **params) -> dict:
    query = {"time_range_field": "update_time", "time_from": T - 7200, "time_to": T, "page_size": 3, **params}
    return call(client, "/api/v2/order/get_order_list", **query)


@pytest.fixture
def world():
    orders = [order(f"2503{i:02d}SG", "sg", NOW - timedelta(minutes=i + 1)) for i in range(7)]
    orders.append(
        order(
            "250399ID",
            "id",
            NOW - timedelta(minutes=1),
            total_amount=Decimal("158000"),
            paid_amount=Decimal("150000"),
        )
    )
    returns = [
        refund(f"RT{i}", "sg", "250300SG", NOW - timedelta(minutes=10 * i + 1), status="refunded")
        for i in range(3)
    ]
    return FakeWorld(orders, returns, stock("sg"))


def test_base_string_matches_the_official_example():
    # open.shopee.com developer guide (document 20, "Signature calculation"), Shop API example.
    assert (
        base_string(
            "2001887",
            "/api/v2/shop/get_shop_info",
            "1655714431",
            "59777174636562737266615546704c6d",
            "14701711",
        )
        == "2001887/api/v2/shop/get_shop_info165571443159777174636562737266615546704c6d14701711"
    )


def test_list_pages_with_a_cursor_each_order_once(client, ctx):
    seen, cursor, pages = [], "", 0
    while True:
        body = order_list(client, cursor=cursor, response_optional_fields="order_status")
        assert body["error"] == "" and body["request_id"].startswith("req-")
        response = body["response"]
        seen += [o["order_sn"] for o in response["order_list"]]
        pages += 1
        if not response["more"]:
            break
        cursor = response["next_cursor"]
    assert pages == 3 and seen == [f"2503{i:02d}SG" for i in range(7)]
    assert body["response"]["order_list"][0]["order_status"] == "READY_TO_SHIP"
    assert "order_status" not in order_list(client)["response"]["order_list"][0]
    assert ctx.calls[("shopee", "order.get_order_list")] == 4


def test_cursor_survives_orders_leaving_the_window(client, world, ctx):
    first = order_list(client)["response"]
    assert [o["order_sn"] for o in first["order_list"]] == ["250300SG", "250301SG", "250302SG"]
    world.bump("sg", "250301SG", NOW + timedelta(minutes=5))  # served, then updated past time_to
    world.bump("sg", "250304SG", NOW + timedelta(minutes=5))  # not yet served, leaves too
    second = order_list(client, cursor=first["next_cursor"])["response"]
    # An offset cursor would now skip 250303SG; a position cursor does not.
    assert [o["order_sn"] for o in second["order_list"]] == ["250303SG", "250305SG", "250306SG"]
    assert second["more"] is False
    assert order_list(client, cursor="%%%")["error"] == "error_param"


def test_signature_errors(client):
    assert (
        call(client, "/api/v2/order/get_order_detail", key="wrong", order_sn_list="250300SG")["error"]
        == "error_sign"
    )
    prefixed = call(
        client,
        "/api/v2/order/get_order_detail",
        signed_path="/shopee/api/v2/order/get_order_detail",
        order_sn_list="250300SG",
    )
    assert prefixed["error"] == "error_sign" and "response" not in prefixed


def test_auth_errors(client):
    def error(shop):
        return call(client, "/api/v2/order/get_order_detail", shop=shop, order_sn_list="1")["error"]

    assert error(replace(SHOP, access_token="expired")) == "error_auth"
    assert error(replace(SHOP, platform_shop_id="1")) == "error_auth"  # a token only opens its own shop
    assert error(replace(SHOP, app_key="42")) == "error_param"  # unknown partner_id


def test_timestamp_within_five_minutes_of_the_world_clock(client):
    assert order_list(client)["error"] == ""
    late = call(
        client,
        "/api/v2/order/get_order_list",
        ts=T + 301,
        time_range_field="update_time",
        time_from=T - 60,
        time_to=T,
        page_size=3,
    )
    assert late["error"] == "error_param"


def test_window_over_15_days_and_page_size(client):
    assert order_list(client, time_from=T - 15 * 86400)["error"] == ""
    wide = order_list(client, time_from=T - 15 * 86400 - 1)
    assert wide["error"] == "error_param" and wide["message"] == "order.order_list_invalid_time"
    assert order_list(client, page_size=101)["error"] == "error_param"
    assert order_list(client, time_range_field="pay_time")["error"] == "error_param"


def test_throttle_is_error_rate_limit(client, ctx):
    ctx.wait = 1.5
    body = order_list(client)
    assert body["error"] == "error_rate_limit" and "2 seconds" in body["message"]


def test_detail_optional_fields_are_absent_unless_named(client):
    plain = call(client, "/api/v2/order/get_order_detail", order_sn_list="250300SG")["response"][
        "order_list"
    ][0]
    assert set(plain) == {
        "order_sn",
        "region",
        "currency",
        "cod",
        "order_status",
        "create_time",
        "update_time",
        "days_to_ship",
        "ship_by_date",
        "message_to_seller",
        "reverse_logistic_status",
    }
    named = call(
        client,
        "/api/v2/order/get_order_detail",
        order_sn_list="250300SG,unknown",
        response_optional_fields="item_list,recipient_address,total_amount,pay_time",
    )
    full = named["response"]["order_list"]
    assert len(full) == 1 and full[0]["total_amount"] == 117.8 and full[0]["currency"] == "SGD"
    assert (
        full[0]["item_list"][0]["model_original_price"] == 59.9
        and full[0]["item_list"][0]["item_id"] == 5550001
    )
    assert full[0]["recipient_address"]["phone"] == "+86 138 0013 8000"
    assert full[0]["pay_time"] == T - 60 - 3600 and "buyer_username" not in full[0]
    too_many = call(client, "/api/v2/order/get_order_detail", order_sn_list=",".join(["1"] * 51))
    assert too_many["error"] == "error_param"


def test_idr_money_is_whole(client):
    path, shop = "/api/v2/order/get_order_detail", SHOPS["shopee_id"]
    body = call(client, path, shop=shop, order_sn_list="250399ID", response_optional_fields="total_amount")
    amount = body["response"]["order_list"][0]["total_amount"]
    assert amount == 150000 and isinstance(amount, int)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("unpaid", "UNPAID"),
        ("paid", "READY_TO_SHIP"),
        ("partly_shipped", "PROCESSED"),
        ("shipped", "SHIPPED"),
        ("completed", "COMPLETED"),
        ("cancelled", "CANCELLED"),
    ],
)
def test_status_mapping(status, expected):
    assert shopee_render.order_status(order("1", "sg", NOW, status=status)) == expected


def test_returns_page_from_zero(client):
    query = {"update_time_from": T - 7200, "update_time_to": T, "page_size": 2}
    first = call(client, "/api/v2/returns/get_return_list", page_no=0, **query)["response"]
    second = call(client, "/api/v2/returns/get_return_list", page_no=1, **query)["response"]
    assert first["more"] is True and second["more"] is False
    assert [r["return_sn"] for r in first["return"] + second["return"]] == ["RT0", "RT1", "RT2"]
    item = first["return"][0]
    assert (
        item["status"] == "REFUND_PAID"
        and item["refund_amount"] == 54.9
        and item["amount_before_discount"] == 59.9
    )


def test_items_and_models(client):
    items = call(client, "/api/v2/product/get_item_list", offset=0, page_size=2, item_status="NORMAL")[
        "response"
    ]
    assert items["total_count"] == 3 and items["has_next_page"] is True and items["next_offset"] == 2
    models = call(client, "/api/v2/product/get_model_list", item_id=5001)["response"]["model"]
    assert [m["stock_info_v2"]["summary_info"]["total_available_stock"] for m in models] == [10, 11]
    assert models[0]["stock_info_v2"]["seller_stock"][0]["stock"] == 10
