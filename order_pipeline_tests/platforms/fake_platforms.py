"""Tiny in-process stand-ins for the Douyin and Shopee gateways (test-only, served through httpx.MockTransport).

They check signatures with their own few lines of the documented algorithm, page like the contract says,
count every call, and let a test change the data between calls (records leaving the window while a client
pages). The real end-to-end checks run against the simulator (`test_simulator_e2e.py`); these exist to
pin request shapes, paging order and request counts precisely.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx

from order_pipeline.platforms.base import PlatformAdapter
from order_pipeline.platforms.transport import TransportSettings
from order_pipeline.shops import Credentials, Shop

FAST = TransportSettings(backoff_initial=0.001, backoff_max=0.01, max_total_wait=30)


def make_shop(monkeypatch, platform: str, base_url: str, shop_id: str = "48201001") -> Shop:
    monkeypatch.setenv("T_APP_KEY", "2000123")
    monkeypatch.setenv("T_APP_SECRET", "test-secret")
    monkeypatch.setenv("T_ACCESS_TOKEN", "test-token")
    return Shop(key=f"t_{platform}", platform=platform, name="t", platform_shop_id=shop_id, region="CN",
                timezone="Asia/Shanghai", currency="CNY", base_url_template=base_url,
                credentials=Credentials("T_APP_KEY", "T_APP_SECRET", "T_ACCESS_TOKEN"))


def attach(adapter: PlatformAdapter, handler: Callable[[httpx.Request], httpx.Response]) -> PlatformAdapter:
    adapter.transport.client.close()
    adapter.transport.client = httpx.Client(transport=httpx.MockTransport(handler))
    return adapter


class FakeDouyin:
    """POST /douyin/<method path>, md5 signature over the body, `data` envelopes, pages from 0."""

    def __init__(self, orders=(), refunds=(), products=(), skus=None):
        self.orders = {o["order_id"]: dict(o) for o in orders}
        self.refunds = {r["aftersale_id"]: dict(r) for r in refunds}
        self.products = list(products)
        self.skus = skus or {}
        self.calls: Counter[str] = Counter()
        self.pages: list[tuple[str, int]] = []
        self.after: Callable[[str, dict[str, Any]], None] | None = None
        self.script: list[dict[str, Any]] = []  # error envelopes to answer before the real reply

    def __call__(self, request: httpx.Request) -> httpx.Response:
        q, body = request.url.params, request.content.decode()
        method = q["method"]
        self.calls[method] += 1
        assert request.method == "POST" and request.url.path == "/douyin/" + method.replace(".", "/")
        assert q["v"] == "2" and q["access_token"] == "test-token" and q["sign_method"] == "md5"
        text = f"test-secretapp_key{q['app_key']}method{method}param_json{body}timestamp{q['timestamp']}v2test-secret"
        if q["sign"] != hashlib.md5(text.encode()).hexdigest():
            return _json({"code": 40004, "msg": "签名错误", "sub_code": "isv.sign-invalid", "log_id": "x"})
        if self.script:
            return _json(self.script.pop(0))
        params = json.loads(body)
        data = getattr(self, "_" + method.replace(".", "_"))(params)
        if self.after:
            self.after(method, params)
        return _json({"code": 10000, "msg": "success", "sub_code": "", "sub_msg": "",
                      "log_id": f"{method}-{self.calls[method]}", "data": data})

    def _order_searchList(self, p):
        self.pages.append(("order.searchList", p["page"]))
        rows = sorted((o for o in self.orders.values()
                       if p["update_time_start"] <= o["update_time"] <= p["update_time_end"]),
                      key=lambda o: (-o["update_time"], o["order_id"]))
        chunk = rows[p["page"] * p["size"]:(p["page"] + 1) * p["size"]]
        return {"total": len(rows), "page": p["page"], "size": p["size"],
                "shop_order_list": [{"order_id": o["order_id"], "update_time": o["update_time"]} for o in chunk]}

    def _order_orderDetail(self, p):
        return {"shop_order_detail": dict(self.orders[p["shop_order_id"]], mask_post_tel="138****0000")}

    def _afterSale_List(self, p):
        rows = sorted((r for r in self.refunds.values()
                       if p["update_start_time"] <= r["update_time"] <= p["update_end_time"]),
                      key=lambda r: (-r["update_time"], r["aftersale_id"]))
        chunk = rows[p["page"] * p["size"]:(p["page"] + 1) * p["size"]]
        return {"total": len(rows), "items": [{"aftersale_info": dict(r)} for r in chunk]}

    def _product_listV2(self, p):
        chunk = self.products[(p["page"] - 1) * p["size"]:p["page"] * p["size"]]
        return {"total": len(self.products), "data": chunk}

    def _sku_list(self, p):
        return self.skus.get(p["product_id"], [])


class FakeShopee:
    """GET /shopee/api/v2/..., HMAC over the path without the /shopee prefix, `response` envelopes."""

    DEFAULT_DETAIL = {"order_sn", "region", "currency", "cod", "order_status", "create_time", "update_time",
                      "days_to_ship", "ship_by_date", "message_to_seller", "reverse_logistic_status"}

    def __init__(self, orders=(), returns=(), items=None):
        self.orders = {o["order_sn"]: dict(o) for o in orders}
        self.returns = {r["return_sn"]: dict(r) for r in returns}
        self.items = items or {}  # item_id -> list of models
        self.calls: Counter[str] = Counter()
        self.after: Callable[[str, dict[str, Any]], None] | None = None
        self.detail_fields: set[str] = set()
        self.script: list[dict[str, Any]] = []  # error envelopes to answer before the real reply

    def __call__(self, request: httpx.Request) -> httpx.Response:
        q = dict(request.url.params)
        assert request.method == "GET" and request.url.path.startswith("/shopee/api/v2/")
        path = request.url.path.removeprefix("/shopee")
        api = path.removeprefix("/api/v2/").replace("/", ".")
        self.calls[api] += 1
        base = f"{q['partner_id']}{path}{q['timestamp']}{q['access_token']}{q['shop_id']}"
        if q.pop("sign") != hmac.new(b"test-secret", base.encode(), hashlib.sha256).hexdigest():
            return _json({"error": "error_sign", "message": "Wrong sign.", "request_id": "x"})
        if self.script:
            return _json(self.script.pop(0))
        response = getattr(self, "_" + api.replace(".", "_"))(q)
        if self.after:
            self.after(api, q)
        return _json({"error": "", "message": "", "warning": "", "request_id": f"{api}-{self.calls[api]}",
                      "response": response})

    def _order_get_order_list(self, q):
        assert q["time_range_field"] == "update_time" and int(q["page_size"]) == 100
        rows = sorted((o for o in self.orders.values()
                       if int(q["time_from"]) <= o["update_time"] <= int(q["time_to"])),
                      key=lambda o: (-o["update_time"], o["order_sn"]))
        if q.get("cursor"):  # a stable position: after the record the cursor names, whatever left since
            last_time, last_sn = q["cursor"].split("|")
            rows = [o for o in rows if (-o["update_time"], o["order_sn"]) > (-int(last_time), last_sn)]
        chunk = rows[:100]
        more = len(rows) > 100
        cursor = f"{chunk[-1]['update_time']}|{chunk[-1]['order_sn']}" if more else ""
        return {"more": more, "next_cursor": cursor, "order_list": [{"order_sn": o["order_sn"]} for o in chunk]}

    def _order_get_order_detail(self, q):
        sns = q["order_sn_list"].split(",")
        assert 1 <= len(sns) <= 50
        named = set(q.get("response_optional_fields", "").split(","))
        self.detail_fields |= named
        return {"order_list": [{k: v for k, v in self.orders[sn].items() if k in self.DEFAULT_DETAIL | named}
                               for sn in sns]}

    def _returns_get_return_list(self, q):
        page_no, size = int(q["page_no"]), int(q["page_size"])
        rows = sorted((r for r in self.returns.values()
                       if int(q["update_time_from"]) <= r["update_time"] <= int(q["update_time_to"])),
                      key=lambda r: (-r["update_time"], r["return_sn"]))
        chunk = rows[page_no * size:(page_no + 1) * size]
        return {"more": (page_no + 1) * size < len(rows), "return": chunk}

    def _product_get_item_list(self, q):
        ids = sorted(self.items)
        offset, size = int(q["offset"]), int(q["page_size"])
        chunk = ids[offset:offset + size]
        has_next = offset + size < len(ids)
        return {"item": [{"item_id": i, "item_status": "NORMAL"} for i in chunk], "total_count": len(ids),
                "has_next_page": has_next, "next_offset": offset + size if has_next else 0}

    def _product_get_model_list(self, q):
        return {"tier_variation": [], "model": self.items[int(q["item_id"])]}


def _json(payload: dict[str, Any]) -> httpx.Response:
    return httpx.Response(200, content=json.dumps(payload, ensure_ascii=False).encode(),
                          headers={"Content-Type": "application/json"})
