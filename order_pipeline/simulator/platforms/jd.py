"""JD JOS gateway of the simulator: `POST /routerjson` (form body or query), business parameters as one JSON
object in `360buy_param_json`.

Like TOP, JOS puts every API behind one path and a `method`, and checks app key, per-app limit, signature and
token before the API runs; errors are `error_response {code, zh_desc, en_desc}` inside HTTP 200, with the
codes of docs/platform-api.md (several are marked unverified there, so they are named constants here).
The signature covers only the six documented parameters and is verified with code written from the contract.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
from collections.abc import Callable
from datetime import datetime

from starlette.requests import Request
from starlette.routing import Route

from order_pipeline.simulator.model import SimContext, SimShop

from . import jd_render as render
from .common import (
    CN_TZ,
    STREAM_ORDERS,
    STREAM_REFUNDS,
    STREAM_STOCK,
    add_months,
    as_int,
    json_response,
    page_total,
    parse_gmt8,
    request_params,
    window_end,
)

PLATFORM = "jd"
SIGNED_PARAMS = ("360buy_param_json", "access_token", "app_key", "method", "timestamp", "v")
CODE_BAD_APP_KEY, CODE_BAD_SIGN, CODE_BAD_TOKEN, CODE_BAD_PARAM, CODE_THROTTLED = (
    "12",
    "14",
    "19",
    "66",
    "11000",
)
_ZH = {
    "12": "无效的app_key",
    "14": "签名无效",
    "19": "无效的access_token",
    "66": "参数错误",
    "11000": "调用过于频繁",
}


class JosError(Exception):
    def __init__(self, code: str, en_desc: str, zh_desc: str | None = None):
        super().__init__(code, en_desc)
        self.code, self.en_desc, self.zh_desc = code, en_desc, zh_desc or _ZH.get(code, en_desc)


def jos_sign(params: dict[str, str], secret: str) -> str:
    """upper(md5(secret + concat(sorted key+value of the six signed parameters) + secret))."""
    joined = "".join(f"{key}{params[key]}" for key in sorted(SIGNED_PARAMS) if key in params)
    return hashlib.md5(f"{secret}{joined}{secret}".encode()).hexdigest().upper()


def parse_timestamp(text: str) -> datetime | None:
    """`yyyy-MM-dd HH:mm:ss` GMT+8; the official SDK's `yyyy-MM-dd HH:mm:ss.SSS+0800` is accepted too."""
    parsed = parse_gmt8(text)
    if parsed is None and len(text) > 19:
        try:
            parsed = datetime.strptime(text, "%Y-%m-%d %H:%M:%S.%f%z")
        except ValueError:
            return None
    return parsed


def _param_error(why: str) -> JosError:
    return JosError(CODE_BAD_PARAM, why)


def _authenticate(ctx: SimContext, params: dict[str, str]) -> SimShop:
    secret = ctx.app_secret(PLATFORM, params.get("app_key", ""))
    if secret is None:
        raise JosError(CODE_BAD_APP_KEY, "Invalid app_key")
    wait = ctx.throttle(PLATFORM, params["app_key"])
    if wait is not None:
        seconds = max(1, math.ceil(wait))
        raise JosError(
            CODE_THROTTLED,
            f"Too many requests, retry after {seconds} seconds",
            f"调用过于频繁，请{seconds}秒后重试",
        )
    for name in ("method", "timestamp", "v", "360buy_param_json"):
        if not params.get(name):
            raise _param_error(f"missing parameter {name}")
    if params["method"] not in _HANDLERS:
        raise _param_error(f"method {params['method']} not found")
    if params["v"] != "2.0" or params.get("sign_method", "md5") != "md5":
        raise _param_error("v must be 2.0 and sign_method md5")
    if parse_timestamp(params["timestamp"]) is None:
        raise _param_error("timestamp must be yyyy-MM-dd HH:mm:ss (GMT+8)")
    if not hmac.compare_digest(jos_sign(params, secret), params.get("sign", "")):
        raise JosError(CODE_BAD_SIGN, "Invalid signature")
    shop = ctx.shop_by_token(PLATFORM, params.get("access_token", ""))
    if shop is None or shop.app_key != params["app_key"]:
        raise JosError(CODE_BAD_TOKEN, "Invalid access_token")
    return shop


def _int(args: dict, name: str, default: int | None, low: int, high: int) -> int:
    value = as_int(args.get(name, default))
    if value is None or not low <= value <= high:
        raise _param_error(f"{name} must be an integer in [{low}, {high}]")
    return value


def _window(args: dict, start_name: str, end_name: str) -> tuple[datetime, datetime]:
    """A GMT+8 window of at most one calendar month, inclusive of both ends."""
    start, end = parse_gmt8(str(args.get(start_name) or "")), parse_gmt8(str(args.get(end_name) or ""))
    if start is None or end is None:
        raise _param_error(f"{start_name} and {end_name} are required as yyyy-MM-dd HH:mm:ss")
    if end < start or end > add_months(start.astimezone(CN_TZ), 1):
        raise _param_error(f"{start_name} and {end_name} must be at most one month apart")
    return start, window_end(end)


def order_search(ctx: SimContext, shop: SimShop, args: dict) -> dict:
    start, end = _window(args, "start_date", "end_date")
    states = [state.strip() for state in str(args.get("order_state") or "").split(",") if state.strip()]
    if not states or any(state not in render.ORDER_STATES for state in states):
        raise _param_error("order_state must be a comma list of order states")
    if not args.get("optional_fields"):
        raise _param_error("optional_fields is required")
    page_no, page_size = _int(args, "page", 1, 1, 1_000_000), _int(args, "page_size", None, 1, 100)
    by_created = _int(args, "dateType", 0, 0, 1) == 1
    descending = _int(args, "sortType", 1, 0, 1) == 1
    found = (ctx.world.orders_created_between if by_created else ctx.world.orders_modified_between)(
        shop.key, start, end
    )
    wanted = set(states)
    orders = [order for order in found if render.visible(order) and render.order_state(order) in wanted]
    orders.sort(key=lambda o: (o.created_at if by_created else o.modified_at, o.order_id), reverse=descending)
    page = ctx.paginate(shop.key, STREAM_ORDERS, orders, (page_no - 1) * page_size, page_size)
    return {
        "searchorderinfo_result": {
            "orderTotal": page_total(page.total, orders),
            "orderInfoList": [render.order_header(order) for order in page.records],
        }
    }


def order_get(ctx: SimContext, shop: SimShop, args: dict) -> dict:
    if not args.get("order_id"):
        raise _param_error("order_id is required")
    order = ctx.world.order(shop.key, str(args["order_id"]))
    states = {state.strip() for state in str(args.get("order_state") or "").split(",") if state.strip()}
    if order is not None and (
        not render.visible(order) or (states and render.order_state(order) not in states)
    ):
        order = None
    info = render.order_detail(order, shop) if order else None
    return {"orderDetailInfo": {"orderTotal": 1 if info else 0, "orderInfo": info}}


def refund_query(ctx: SimContext, shop: SimShop, args: dict) -> dict:
    start, end = _window(args, "modifiedStart", "modifiedEnd")
    page_no, page_size = _int(args, "pageIndex", 1, 1, 1_000_000), _int(args, "pageSize", None, 1, 50)
    refunds = ctx.world.refunds_modified_between(shop.key, start, end)
    refunds.sort(key=lambda refund: (refund.modified_at, refund.refund_id), reverse=True)
    page = ctx.paginate(shop.key, STREAM_REFUNDS, refunds, (page_no - 1) * page_size, page_size)
    rows = [
        render.refund_record(refund, ctx.world.order(shop.key, refund.order_id)) for refund in page.records
    ]
    return {"queryResult": {"success": True, "totalCount": page_total(page.total, refunds), "result": rows}}


def sku_search(ctx: SimContext, shop: SimShop, args: dict) -> dict:
    page_no, page_size = _int(args, "page", 1, 1, 1_000_000), _int(args, "pageSize", None, 1, 100)
    levels = ctx.world.stock(shop.key)
    page = ctx.paginate(shop.key, STREAM_STOCK, levels, (page_no - 1) * page_size, page_size)
    return {
        "page": {
            "totalItem": page_total(page.total, levels),
            "pageNo": page_no,
            "pageSize": page_size,
            "data": [render.sku_record(level) for level in page.records],
        }
    }


_HANDLERS: dict[str, Callable[[SimContext, SimShop, dict], dict]] = {
    "jingdong.pop.order.enSearch": order_search,
    "jingdong.pop.order.enGet": order_get,
    "jingdong.pop.afs.soa.refundapply.queryPageList": refund_query,
    "jingdong.sku.read.searchSkuList": sku_search,
}


def routes(ctx: SimContext) -> list[Route]:
    async def gateway(request: Request):
        params = await request_params(request)
        method = params.get("method", "")
        ctx.count_call(PLATFORM, method or "(none)")
        try:
            shop = _authenticate(ctx, params)
            try:
                args = json.loads(params["360buy_param_json"])
            except ValueError:
                args = None
            if not isinstance(args, dict):
                raise _param_error("360buy_param_json must be a JSON object")
            result = _HANDLERS[method](ctx, shop, args)
            return json_response({method.replace(".", "_") + "_responce": {"code": "0", **result}})
        except JosError as error:
            return json_response(
                {"error_response": {"code": error.code, "zh_desc": error.zh_desc, "en_desc": error.en_desc}}
            )

    return [Route("/routerjson", gateway, methods=["GET", "POST"])]
