"""The four platforms render the real generated merchant (`SimWorld`, nasty records included) without a single
error, list every record in a window exactly once, and agree with the world on what is there."""

from __future__ import annotations

import itertools
import json
from datetime import timedelta

import pytest

from order_pipeline.simulator.config import WorldConfig
from order_pipeline.simulator.platforms import jd_render
from order_pipeline.simulator.platforms.shopee_render import OPTIONAL
from order_pipeline.simulator.server import build_app
from order_pipeline.simulator.world import SimWorld

from . import signers
from .fakes import TestClient, bj


@pytest.fixture(scope="module")
def setup():
    world = SimWorld(WorldConfig(orders_per_shop_per_day=40, history_days=3, horizon_days=1, nasty_share=0.3))
    return world, TestClient(build_app(world))  # the core's context and gateway, in process, no faults


def shop(world, platform):
    return next(s for s in world.shops() if s.platform == platform)


def test_taobao_lists_and_details_every_trade(setup):
    world, client = setup
    s, now = shop(world, "taobao"), world.now()
    start = now - timedelta(days=1)

    def top(method, **business):
        params = {
            "method": method,
            "app_key": s.app_key,
            "session": s.access_token,
            "timestamp": bj(now),
            "v": "2.0",
            "sign_method": "hmac-sha256",
            **business,
        }
        body = client.post("/taobao/router/rest", data=signers.taobao(params, s.app_secret)).json()
        assert "error_response" not in body, body
        return body

    seen = []
    for page_no in itertools.count(1):
        result = top(
            "taobao.trades.sold.increment.get",
            fields="tid",
            start_modified=bj(start),
            end_modified=bj(now),
            page_no=str(page_no),
            page_size="100",
        )["trades_sold_increment_get_response"]
        seen += [t["tid_str"] for t in result["trades"]["trade"]]
        if page_no * 100 >= result["total_results"]:
            break
    expected = {o.order_id for o in world.orders_modified_between(s.key, start, now)}
    assert len(seen) == len(set(seen)) and set(seen) == expected
    assert all(isinstance(t["tid"], int) for t in result["trades"]["trade"])  # int64 ids travel as numbers
    for tid in seen:
        trade = top("taobao.trade.fullinfo.get", fields="tid,orders", tid=tid)["trade_fullinfo_get_response"][
            "trade"
        ]
        assert trade["tid_str"] == tid and trade["orders"]["order"]
    refunds = top(
        "taobao.refunds.receive.get",
        fields="refund_id",
        start_modified=bj(start),
        end_modified=bj(now),
        page_size="100",
    )["refunds_receive_get_response"]
    assert refunds["total_results"] == len(world.refunds_modified_between(s.key, start, now))


def test_jd_lists_and_details_every_paid_order(setup):
    world, client = setup
    s, now = shop(world, "jd"), world.now()
    start = now - timedelta(days=4)

    def jos(method, business):
        params = {
            "method": method,
            "app_key": s.app_key,
            "access_token": s.access_token,
            "timestamp": bj(now),
            "v": "2.0",
            "360buy_param_json": json.dumps(business, ensure_ascii=False),
        }
        body = client.post("/jd/routerjson", data=signers.jd(params, s.app_secret)).json()
        assert "error_response" not in body, body
        return body[method.replace(".", "_") + "_responce"]

    seen = []
    for page in itertools.count(1):
        result = jos(
            "jingdong.pop.order.enSearch",
            {
                "start_date": bj(start),
                "end_date": bj(now),
                "order_state": ",".join(jd_render.ORDER_STATES),
                "optional_fields": "orderId",
                "page": page,
                "page_size": 100,
            },
        )["searchorderinfo_result"]
        seen += [o["orderId"] for o in result["orderInfoList"]]
        if page * 100 >= result["orderTotal"]:
            break
    expected = {o.order_id for o in world.orders_modified_between(s.key, start, now) if o.status != "unpaid"}
    assert len(seen) == len(set(seen)) and set(seen) == expected
    for order_id in seen[:80]:
        assert jos("jingdong.pop.order.enGet", {"order_id": order_id})["orderDetailInfo"]["orderInfo"][
            "itemInfoList"
        ]


def test_douyin_lists_and_details_every_order(setup):
    world, client = setup
    s, now = shop(world, "douyin"), world.now()
    ts = str(int(now.timestamp()))

    def call(path, method, business):
        param_json = signers.douyin_param_json(business)
        query = {
            "app_key": s.app_key,
            "method": method,
            "access_token": s.access_token,
            "timestamp": ts,
            "v": "2",
            "sign_method": "hmac-sha256",
            "sign": signers.douyin(s.app_secret, s.app_key, method, param_json, ts, "hmac-sha256"),
        }
        body = client.post(f"/douyin{path}", params=query, content=param_json.encode()).json()
        assert body["code"] == 10000, body
        return body["data"]

    window = {"update_time_start": int((now - timedelta(days=4)).timestamp()), "update_time_end": int(ts)}
    seen = []
    for page in itertools.count(0):
        data = call(
            "/order/searchList",
            "order.searchList",
            {**window, "order_by": "update_time", "page": page, "size": 100},
        )
        seen += [o["order_id"] for o in data["shop_order_list"]]
        if (page + 1) * 100 >= data["total"]:
            break
    assert len(seen) == len(set(seen)) == data["total"]
    for order_id in seen[:80]:
        assert call("/order/orderDetail", "order.orderDetail", {"shop_order_id": order_id})[
            "shop_order_detail"
        ]
    after = call(
        "/afterSale/List",
        "afterSale.List",
        {
            "update_start_time": window["update_time_start"],
            "update_end_time": window["update_time_end"],
            "page": 0,
            "size": 100,
        },
    )
    assert after["total"] == len(after["items"]) > 0


def test_shopee_lists_and_details_every_order_in_every_region(setup):
    world, client = setup
    now = world.now()
    t = int(now.timestamp())
    for s in (x for x in world.shops() if x.platform == "shopee"):

        def call(path, shop=s, **params):
            sign = signers.shopee(
                shop.app_secret, shop.app_key, path, t, shop.access_token, shop.platform_shop_id
            )
            query = {
                "partner_id": shop.app_key,
                "timestamp": t,
                "access_token": shop.access_token,
                "shop_id": shop.platform_shop_id,
                "sign": sign,
                **params,
            }
            body = client.get(f"/shopee{path}", params=query).json()
            assert body["error"] == "", body
            return body["response"]

        seen, cursor = [], ""
        while True:
            response = call(
                "/api/v2/order/get_order_list",
                time_range_field="update_time",
                time_from=t - 4 * 86400,
                time_to=t,
                page_size=50,
                cursor=cursor,
            )
            seen += [o["order_sn"] for o in response["order_list"]]
            if not response["more"]:
                break
            cursor = response["next_cursor"]
        expected = {o.order_id for o in world.orders_modified_between(s.key, now - timedelta(days=4), now)}
        assert len(seen) == len(set(seen)) and set(seen) == expected
        details = call(
            "/api/v2/order/get_order_detail",
            order_sn_list=",".join(seen[:50]),
            response_optional_fields=",".join(sorted(OPTIONAL)),
        )["order_list"]
        assert len(details) == min(50, len(seen)) and all(d["currency"] == s.currency for d in details)
        call(
            "/api/v2/returns/get_return_list",
            page_no=0,
            page_size=100,
            update_time_from=t - 4 * 86400,
            update_time_to=t,
        )
