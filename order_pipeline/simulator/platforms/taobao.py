"""Taobao / Tmall TOP gateway of the simulator: `POST /router/rest` (query parameters accepted too).

TOP multiplexes every API behind one path and a `method` parameter, and checks the common parameters (app
key, per-app limit, timestamp, signature, session) before an API sees its own; so one gateway endpoint does
those checks in that order and dispatches. Errors use TOP's `error_response` envelope inside HTTP 200 with the
codes of docs/platform-api.md, so the adapters' retry / back-off / re-authorise classification is exercised.
The signature is verified with an implementation written from the contract, never the adapters' code.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import Callable
from datetime import timedelta

from starlette.requests import Request
from starlette.routing import Route

from order_pipeline.simulator.model import SimContext, SimShop

from . import taobao_render as render
from .common import (
    STREAM_ORDERS,
    STREAM_REFUNDS,
    STREAM_STOCK,
    json_response,
    page_total,
    parse_gmt8,
    products_of,
    request_params,
)
from .taobao_params import TopError, created_window, integer, invalid, missing, modified_window, require

PLATFORM = "taobao"
MAX_CLOCK_SKEW = timedelta(minutes=10)
MAX_SKU_ITEMS = 40
_MESSAGES = {
    7: "App Call Limited",
    22: "Invalid method",
    25: "Invalid signature",
    27: "Invalid session",
    29: "Invalid app Key",
    31: "Invalid timestamp",
    40: "Missing required arguments",
    41: "Invalid arguments",
}
_REQUIRED_COMMON = ("timestamp", "v", "sign_method", "sign", "session")


def top_sign(params: dict[str, str], secret: str, sign_method: str) -> str | None:
    """TOP signature over every parameter but `sign`, sorted by key, `key+value` concatenated (UTF-8)."""
    joined = "".join(f"{key}{params[key]}" for key in sorted(params) if key != "sign").encode()
    key = secret.encode()
    if sign_method == "md5":
        return hashlib.md5(key + joined + key).hexdigest().upper()
    if sign_method == "hmac":
        return hmac.new(key, joined, hashlib.md5).hexdigest().upper()
    if sign_method == "hmac-sha256":
        return hmac.new(key, joined, hashlib.sha256).hexdigest().upper()
    return None


def _authenticate(ctx: SimContext, params: dict[str, str], method: str) -> SimShop:
    """Common-parameter checks in gateway order: app key, per-app limit, arguments, clock, signature, session."""
    if "app_key" not in params:
        raise missing("app_key")
    secret = ctx.app_secret(PLATFORM, params["app_key"])
    if secret is None:
        raise TopError(29, "isv.appkey-not-exists", f"app_key {params['app_key']} does not exist")
    wait = ctx.throttle(PLATFORM, params["app_key"])
    if wait is not None:
        seconds = max(1, math.ceil(wait))
        raise TopError(
            7, "accesscontrol.limited-by-app-access-count", f"This ban will last for {seconds} more seconds"
        )
    if method not in _HANDLERS:
        raise TopError(22, "isv.method-not-exists", f"method {method} does not exist")
    require(params, *_REQUIRED_COMMON)
    if params["v"] != "2.0":
        raise invalid("v", "v must be 2.0")
    if params.get("format", "json") != "json":
        raise invalid("format", "the simulator speaks format=json only")
    sent_at = parse_gmt8(params["timestamp"])
    if sent_at is None or abs(sent_at - ctx.world.now()) > MAX_CLOCK_SKEW:
        raise TopError(31, "isv.invalid-timestamp", "timestamp must be GMT+8 and within 10 minutes of now")
    expected = top_sign(params, secret, params["sign_method"])
    if expected is None or not hmac.compare_digest(expected, params["sign"]):
        raise TopError(25, "isv.invalid-signature", "Invalid signature")
    shop = ctx.shop_by_token(PLATFORM, params["session"])
    if shop is None or shop.app_key != params["app_key"]:
        raise TopError(27, "invalid-sessionkey", "Invalid session")
    return shop


def _paged(
    ctx: SimContext, shop: SimShop, stream: str, records: list, params: dict[str, str], max_size: int
) -> tuple[list, dict]:
    """Slice a newest-first listing by page_no (from 1) and say how much is left, TOP style."""
    page_no = integer(params, "page_no", 1, 1)
    page_size = integer(params, "page_size", 40, 1, max_size)
    page = ctx.paginate(shop.key, stream, records, (page_no - 1) * page_size, page_size)
    total = page_total(page.total, records)
    if params.get("use_has_next") == "true":
        return page.records, {"has_next": page_no * page_size < total}
    return page.records, {"total_results": total}


def trades_sold_increment(ctx: SimContext, shop: SimShop, params: dict[str, str]) -> dict:
    require(params, "fields")
    start, end = modified_window(ctx.world.now(), params)
    orders = ctx.world.orders_modified_between(shop.key, start, end)
    if "status" in params:
        orders = [order for order in orders if render.trade_status(order) == params["status"]]
    orders.sort(key=lambda order: (order.modified_at, order.order_id), reverse=True)
    page, counts = _paged(ctx, shop, STREAM_ORDERS, orders, params, 100)
    return {**counts, "trades": {"trade": [render.trade_header(order) for order in page]}}


def trades_sold(ctx: SimContext, shop: SimShop, params: dict[str, str]) -> dict:
    """`taobao.trades.sold.get`: trades by created time, newest created first (the same header as the
    increment list). A created time never changes, so a record cannot move between pages while a client pages."""
    require(params, "fields")
    start, end = created_window(ctx.world.now(), params)
    orders = ctx.world.orders_created_between(shop.key, start, end)
    if "status" in params:
        orders = [order for order in orders if render.trade_status(order) == params["status"]]
    orders.sort(key=lambda order: (order.created_at, order.order_id), reverse=True)
    page, counts = _paged(ctx, shop, STREAM_ORDERS, orders, params, 100)
    return {**counts, "trades": {"trade": [render.trade_header(order) for order in page]}}


def trade_fullinfo(ctx: SimContext, shop: SimShop, params: dict[str, str]) -> dict:
    require(params, "fields", "tid")
    order = ctx.world.order(shop.key, params["tid"])
    if order is None:
        raise TopError(41, "isv.trade-not-exist", f"trade {params['tid']} does not exist")
    fields = {name.strip() for name in params["fields"].split(",")}
    return {"trade": render.trade_full(order, with_lines="orders" in fields)}


def refunds_receive(ctx: SimContext, shop: SimShop, params: dict[str, str]) -> dict:
    require(params, "fields")
    start, end = modified_window(ctx.world.now(), params)
    refunds = ctx.world.refunds_modified_between(shop.key, start, end)
    if "status" in params:
        refunds = [refund for refund in refunds if render.REFUND_STATUS[refund.status] == params["status"]]
    refunds.sort(key=lambda refund: (refund.modified_at, refund.refund_id), reverse=True)
    page, counts = _paged(ctx, shop, STREAM_REFUNDS, refunds, params, 100)
    rows = [render.refund_record(refund, ctx.world.order(shop.key, refund.order_id)) for refund in page]
    return {**counts, "refunds": {"refund": rows}}


def items_onsale(ctx: SimContext, shop: SimShop, params: dict[str, str]) -> dict:
    require(params, "fields")
    products = products_of(ctx.world.stock(shop.key))
    firsts = [skus[0] for skus in products.values()]  # one representative record per item for paginate
    page, counts = _paged(ctx, shop, STREAM_STOCK, firsts, params, 200)
    items = [render.item_record(level.product_id, products[level.product_id]) for level in page]
    return {"total_results": counts.get("total_results", len(firsts)), "items": {"item": items}}


def item_skus(ctx: SimContext, shop: SimShop, params: dict[str, str]) -> dict:
    require(params, "fields", "num_iids")
    wanted = [value.strip() for value in params["num_iids"].split(",") if value.strip()]
    if not wanted or len(wanted) > MAX_SKU_ITEMS:
        raise invalid("num_iids", f"num_iids takes 1 to {MAX_SKU_ITEMS} ids")
    products = products_of(ctx.world.stock(shop.key))
    skus = [render.sku_record(level) for num_iid in wanted for level in products.get(num_iid, [])]
    return {"skus": {"sku": skus}}


_HANDLERS: dict[str, Callable[[SimContext, SimShop, dict[str, str]], dict]] = {
    "taobao.trades.sold.increment.get": trades_sold_increment,
    "taobao.trades.sold.get": trades_sold,
    "taobao.trade.fullinfo.get": trade_fullinfo,
    "taobao.refunds.receive.get": refunds_receive,
    "taobao.items.onsale.get": items_onsale,
    "taobao.item.skus.get": item_skus,
}


def _response_key(method: str) -> str:
    """`taobao.trades.sold.increment.get` answers in `trades_sold_increment_get_response`."""
    return method.removeprefix("taobao.").replace(".", "_") + "_response"


def routes(ctx: SimContext) -> list[Route]:
    async def gateway(request: Request):
        # The official SDKs skip empty-valued parameters; treat them as absent in the request and the signature.
        params = {key: value for key, value in (await request_params(request)).items() if value != ""}
        method = params.get("method", "")
        ctx.count_call(PLATFORM, method or "(none)")
        request_id = ctx.request_id()
        try:
            if not method:
                raise missing("method")
            shop = _authenticate(ctx, params, method)
            result = _HANDLERS[method](ctx, shop, params)
            return json_response({_response_key(method): {**result, "request_id": request_id}})
        except TopError as error:
            body = {"code": error.code, "msg": _MESSAGES.get(error.code, "Remote service error")}
            if error.sub_code:
                body.update(sub_code=error.sub_code, sub_msg=error.sub_msg)
            return json_response({"error_response": {**body, "request_id": request_id}})

    return [Route("/router/rest", gateway, methods=["GET", "POST"])]
