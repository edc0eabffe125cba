"""The platform handlers behind the real server (`RunningSimulator`) over real HTTP on loopback: signing with the
demo credentials, the world clock, the server's rate limiter and its paging faults."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from order_pipeline.simulator.config import WorldConfig
from order_pipeline.simulator.platforms import jd_render
from order_pipeline.simulator.server import RunningSimulator

from . import signers
from .fakes import bj

CONFIG = WorldConfig(seed=11, orders_per_shop_per_day=60, history_days=3, horizon_days=1)


@pytest.fixture
def sim():
    with RunningSimulator(CONFIG) as running, httpx.Client(base_url=running.url, timeout=10) as http:
        running.http = http  # the tests' client rides along with the server it talks to
        yield running


def shop(sim, platform, key=None):
    return next(s for s in sim.world.shops() if s.platform == platform and (key is None or s.key == key))


def taobao(sim, method, when=None, **business):
    s = shop(sim, "taobao")
    params = {
        "method": method,
        "app_key": s.app_key,
        "session": s.access_token,
        "v": "2.0",
        "format": "json",
        "timestamp": bj(when or sim.world.now()),
        "sign_method": "md5",
        **business,
    }
    return sim.http.post("/taobao/router/rest", data=signers.taobao(params, s.app_secret)).json()


def shopee_list(sim, s, t_from, t_to, cursor=""):
    t = int(sim.world.now().timestamp())
    path = "/api/v2/order/get_order_list"
    sign = signers.shopee(s.app_secret, s.app_key, path, t, s.access_token, s.platform_shop_id)
    query = {
        "partner_id": s.app_key,
        "timestamp": t,
        "access_token": s.access_token,
        "shop_id": s.platform_shop_id,
        "sign": sign,
        "time_range_field": "update_time",
        "time_from": t_from,
        "time_to": t_to,
        "page_size": 20,
        "cursor": cursor,
    }
    return sim.http.get(f"/shopee{path}", params=query).json()


def test_every_platform_answers_a_signed_call(sim):
    now = sim.world.now()
    listed = taobao(
        sim,
        "taobao.trades.sold.increment.get",
        fields="tid",
        start_modified=bj(now - timedelta(hours=6)),
        end_modified=bj(now),
    )
    assert listed["trades_sold_increment_get_response"]["total_results"] > 0

    s = shop(sim, "jd")
    business = json.dumps(
        {
            "start_date": bj(now - timedelta(days=1)),
            "end_date": bj(now),
            "page": 1,
            "page_size": 5,
            "order_state": ",".join(jd_render.ORDER_STATES),
            "optional_fields": "orderId",
        }
    )
    params = {
        "method": "jingdong.pop.order.enSearch",
        "app_key": s.app_key,
        "access_token": s.access_token,
        "timestamp": bj(now),
        "v": "2.0",
        "360buy_param_json": business,
    }
    body = sim.http.post("/jd/routerjson", data=signers.jd(params, s.app_secret)).json()
    assert body["jingdong_pop_order_enSearch_responce"]["searchorderinfo_result"]["orderTotal"] > 0

    s, ts = shop(sim, "douyin"), str(int(now.timestamp()))
    param_json = signers.douyin_param_json({"page": 0, "size": 5, "create_time_start": int(ts) - 86400})
    query = {
        "app_key": s.app_key,
        "method": "order.searchList",
        "access_token": s.access_token,
        "timestamp": ts,
        "v": "2",
        "sign": signers.douyin(s.app_secret, s.app_key, "order.searchList", param_json, ts),
    }
    body = sim.http.post("/douyin/order/searchList", params=query, content=param_json.encode()).json()
    assert body["code"] == 10000 and body["data"]["total"] > 0

    s, t = shop(sim, "shopee", "shopee_id"), int(now.timestamp())
    assert shopee_list(sim, s, t - 86400, t)["response"]["order_list"]
    stats = sim.http.get("/_sim/stats").json()
    assert stats["calls"]["taobao"]["taobao.trades.sold.increment.get"] == 1


def test_taobao_timestamp_follows_the_world_clock_as_it_moves(sim):
    now = sim.world.now()
    assert "error_response" not in taobao(sim, "taobao.items.onsale.get", fields="num_iid")
    sim.world.advance(3600)
    stale = taobao(sim, "taobao.items.onsale.get", when=now, fields="num_iid")
    assert stale["error_response"]["code"] == 31
    assert "error_response" not in taobao(sim, "taobao.items.onsale.get", fields="num_iid")


def test_rate_limit_becomes_the_platform_throttle_error(sim):
    sim.set_rate_limit(0.5, 1)
    codes = [
        taobao(sim, "taobao.items.onsale.get", fields="num_iid").get("error_response", {}).get("code")
        for _ in range(3)
    ]
    assert codes[0] is None and 7 in codes[1:]


def test_shopee_cursor_misses_nothing_that_stays_in_the_window_under_moves_and_duplicates(sim):
    sim.set_faults({"move": 1.0, "duplicate": 1.0})
    s = shop(sim, "shopee", "shopee_sg")
    t = int(sim.world.now().timestamp())
    window = (t - 3 * 86400, t - 60)  # bumped orders get a version at "now", outside the window
    before = {o.order_id for o in sim.world.orders_modified_between(s.key, *_dt(window))}
    seen, cursor = [], ""
    while True:
        response = shopee_list(sim, s, *window, cursor=cursor)["response"]
        seen += [o["order_sn"] for o in response["order_list"]]
        if not response["more"]:
            break
        cursor = response["next_cursor"]
    after = {o.order_id for o in sim.world.orders_modified_between(s.key, *_dt(window))}
    assert len(after) < len(before)  # the faults did move orders out while we paged
    assert after <= set(seen) and len(seen) > len(set(seen))  # nothing still in the window was skipped


def _dt(window):
    return tuple(datetime.fromtimestamp(value, UTC) for value in window)
