"""Douyin shop (抖店) endpoints of the simulator: one POST path per API, system parameters in the query, the
business parameters as the JSON body (`param_json`).

Why the server re-serialises the body before checking the signature: Douyin signs `param_json` in its canonical
form (keys sorted recursively, compact, no escaping of `/` or non-ASCII), so a client that signs an unsorted
or pretty-printed string must fail here as it fails on the real platform. Every answer, error or not, is the
`{code, msg, sub_code, sub_msg, log_id, data}` envelope in HTTP 200, with the codes of docs/platform-api.md.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
from collections.abc import Callable
from datetime import datetime, timedelta

from starlette.requests import Request
from starlette.routing import Route

from order_pipeline.simulator.model import SimContext, SimShop

from . import douyin_render as render
from .common import (
    STREAM_ORDERS,
    STREAM_REFUNDS,
    STREAM_STOCK,
    as_bool,
    as_int,
    from_epoch,
    json_response,
    page_total,
    parse_gmt8,
    products_of,
    window_end,
)

PLATFORM = "douyin"
MAX_ORDER_WINDOW = timedelta(days=90)  # [third-party] in the contract: a setting, not a truth


class DouyinError(Exception):
    def __init__(self, code: int, sub_code: str, sub_msg: str, msg: str):
        super().__init__(code, sub_code, sub_msg)
        self.code, self.sub_code, self.sub_msg, self.msg = code, sub_code, sub_msg, msg


def _param_error(why: str) -> DouyinError:
    return DouyinError(40001, "isv.parameter-invalid", why, "参数不合法")


def canonical_param_json(params: dict) -> str:
    return json.dumps(params, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def douyin_sign(
    secret: str, app_key: str, method: str, param_json: str, timestamp: str, sign_method: str
) -> str:
    """secret + app_key.. method.. param_json.. timestamp.. v2 + secret, md5 or hmac-sha256, lowercase hex."""
    text = (
        f"{secret}app_key{app_key}method{method}param_json{param_json}timestamp{timestamp}v2{secret}".encode()
    )
    if sign_method == "hmac-sha256":
        return hmac.new(secret.encode(), text, hashlib.sha256).hexdigest()
    return hashlib.md5(text).hexdigest()


def _authenticate(ctx: SimContext, query: dict[str, str], method: str, param_json: str) -> SimShop:
    app_key = query.get("app_key", "")
    secret = ctx.app_secret(PLATFORM, app_key)
    if secret is None:
        raise DouyinError(30001, "isv.app-key-not-exist", f"app_key {app_key} 不存在", "app_key无效")
    wait = ctx.throttle(PLATFORM, app_key)
    if wait is not None:
        seconds = max(1, math.ceil(wait))
        raise DouyinError(30009, "isv.app-call-limited", f"请求过于频繁，请{seconds}秒后重试", "调用频率超限")
    if query.get("method") != method:
        raise _param_error(f"method 应为 {method}")
    if query.get("v") != "2":
        raise _param_error("v 应为 2")
    timestamp = query.get("timestamp", "")
    if from_epoch(timestamp) is None and parse_gmt8(timestamp) is None:
        raise _param_error("timestamp 格式错误")
    sign_method = query.get("sign_method", "md5")
    if sign_method not in ("md5", "hmac-sha256"):
        raise _param_error("sign_method 只支持 md5 或 hmac-sha256")
    expected = douyin_sign(secret, app_key, method, param_json, timestamp, sign_method)
    if not hmac.compare_digest(expected, query.get("sign", "")):
        raise DouyinError(40004, "isv.sign-invalid", "签名校验失败", "验签失败")
    shop = ctx.shop_by_token(PLATFORM, query.get("access_token", ""))
    if shop is None or shop.app_key != app_key:
        raise DouyinError(30002, "isv.access-token-expired", "access_token已过期", "access_token无效")
    return shop


def _int(args: dict, name: str, low: int, high: int | None = None) -> int:
    value = as_int(args.get(name))
    if value is None or value < low or (high is not None and value > high):
        raise _param_error(f"{name} 应为 [{low}, {high or '∞'}] 内的整数")
    return value


def _window(
    args: dict, start_key: str, end_key: str, now: datetime, widest: timedelta | None
) -> tuple[datetime, datetime] | None:
    """An epoch-second window; absent entirely -> None, absent end -> now; inclusive of the end second."""
    if args.get(start_key) is None and args.get(end_key) is None:
        return None
    start = from_epoch(args.get(start_key))
    end = now if args.get(end_key) is None else from_epoch(args.get(end_key))
    if start is None or end is None or end < start:
        raise _param_error(f"{start_key}/{end_key} 应为秒级时间戳且结束不早于开始")
    if widest is not None and end - start > widest:
        raise _param_error(f"{start_key}/{end_key} 时间跨度不能超过{widest.days}天")
    return start, window_end(end)


def _sorted(records: list, args: dict, fields: tuple[str, ...], default: str, key_of: Callable) -> list:
    order_by = args.get("order_by", default)
    ascending = as_bool(args.get("order_asc"), False)
    if order_by not in fields or ascending is None:
        raise _param_error(f"order_by 只支持 {'/'.join(fields)}，order_asc 应为布尔值")
    return sorted(records, key=lambda record: key_of(record, order_by), reverse=not ascending)


def search_list(ctx: SimContext, shop: SimShop, args: dict) -> dict:
    now = ctx.world.now()
    created = _window(args, "create_time_start", "create_time_end", now, MAX_ORDER_WINDOW)
    updated = _window(args, "update_time_start", "update_time_end", now, MAX_ORDER_WINDOW)
    page, size = _int(args, "page", 0), _int(args, "size", 1, 100)
    if updated is not None:
        orders = ctx.world.orders_modified_between(shop.key, *updated)
        if created is not None:
            orders = [order for order in orders if created[0] <= order.created_at <= created[1]]
    else:
        orders = ctx.world.orders_created_between(shop.key, *(created or (now - MAX_ORDER_WINDOW, now)))
    orders = _sorted(
        orders,
        args,
        ("create_time", "update_time"),
        "create_time",
        lambda order, by: (order.created_at if by == "create_time" else order.modified_at, order.order_id),
    )
    sliced = ctx.paginate(shop.key, STREAM_ORDERS, orders, page * size, size)
    return {
        "total": page_total(sliced.total, orders),
        "page": page,
        "size": size,
        "shop_order_list": [render.shop_order(order, shop, detail=False) for order in sliced.records],
    }


def order_detail(ctx: SimContext, shop: SimShop, args: dict) -> dict:
    order_id = str(args.get("shop_order_id") or "")
    if not order_id:
        raise _param_error("shop_order_id 不能为空")
    order = ctx.world.order(shop.key, order_id)
    if order is None:
        raise DouyinError(50002, "isv.business-failed:订单不存在", f"订单 {order_id} 不存在", "业务处理失败")
    return {"shop_order_detail": render.shop_order(order, shop, detail=True)}


def aftersale_list(ctx: SimContext, shop: SimShop, args: dict) -> dict:
    now = ctx.world.now()
    updated = _window(args, "update_start_time", "update_end_time", now, None)
    page, size = _int(args, "page", 0), _int(args, "size", 1, 100)
    refunds = ctx.world.refunds_modified_between(shop.key, *(updated or (now - MAX_ORDER_WINDOW, now)))
    by_update = ("update_time",)
    refunds = _sorted(refunds, args, by_update, "update_time", lambda r, _: (r.modified_at, r.refund_id))
    sliced = ctx.paginate(shop.key, STREAM_REFUNDS, refunds, page * size, size)
    return {
        "total": page_total(sliced.total, refunds),
        "items": [render.aftersale(r) for r in sliced.records],
    }


def product_list(ctx: SimContext, shop: SimShop, args: dict) -> dict:
    page, size = _int(args, "page", 1), _int(args, "size", 1, 100)  # product.listV2 pages from 1
    products = products_of(ctx.world.stock(shop.key))
    firsts = [skus[0] for skus in products.values()]
    sliced = ctx.paginate(shop.key, STREAM_STOCK, firsts, (page - 1) * size, size)
    return {
        "total": page_total(sliced.total, firsts),
        "data": [render.product(level.product_id, products[level.product_id]) for level in sliced.records],
    }


def sku_list(ctx: SimContext, shop: SimShop, args: dict) -> list:
    if args.get("product_id") is None:
        raise _param_error("product_id 不能为空")
    return [
        render.sku(level) for level in products_of(ctx.world.stock(shop.key)).get(str(args["product_id"]), [])
    ]


_APIS: dict[str, tuple[str, Callable[[SimContext, SimShop, dict], dict | list]]] = {
    "/order/searchList": ("order.searchList", search_list),
    "/order/orderDetail": ("order.orderDetail", order_detail),
    "/afterSale/List": ("afterSale.List", aftersale_list),
    "/product/listV2": ("product.listV2", product_list),
    "/sku/list": ("sku.list", sku_list),
}


def routes(ctx: SimContext) -> list[Route]:
    def endpoint(method: str, handler: Callable):
        async def call(request: Request):
            ctx.count_call(PLATFORM, method)
            log_id = ctx.request_id()
            query = dict(request.query_params)
            raw = (await request.body()).decode("utf-8", "replace").strip() or query.get("param_json") or "{}"
            try:
                try:
                    args = json.loads(raw)
                except ValueError:
                    args = None
                if not isinstance(args, dict):
                    raise _param_error("param_json 应为 JSON 对象")
                shop = _authenticate(ctx, query, method, canonical_param_json(args))
                envelope = {
                    "code": 10000,
                    "msg": "success",
                    "sub_code": "",
                    "sub_msg": "",
                    "log_id": log_id,
                    "data": handler(ctx, shop, args),
                }
            except DouyinError as error:
                envelope = {
                    "code": error.code,
                    "msg": error.msg,
                    "sub_code": error.sub_code,
                    "sub_msg": error.sub_msg,
                    "log_id": log_id,
                    "data": {},
                }
            return json_response(envelope)

        return call

    return [
        Route(path, endpoint(method, handler), methods=["POST"]) for path, (method, handler) in _APIS.items()
    ]
