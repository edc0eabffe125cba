"""Shopee Open API v2 endpoints of the simulator: `GET /api/v2/<module>/<api>`, common parameters and the API's
own in the query, `{error, message, request_id, warning, response}` inside HTTP 200.

The order list pages with an opaque cursor that is a *position*, not an offset: it encodes the sort key
(time, order_sn) of the last order served, and the next page starts after that key in the current listing.
So when an order on a later page is bumped out of the window while a client pages, no other order shifts
into the gap and none is skipped, which is what the contract promises ("survives records leaving the window").
The signature base string uses the path without the simulator's `/shopee` prefix, as the real platform sees it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
from bisect import bisect_left
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from operator import attrgetter

from starlette.requests import Request
from starlette.routing import Route

from order_pipeline.simulator.model import SimContext, SimShop

from . import shopee_render as render
from .common import (
    STREAM_ORDERS,
    STREAM_REFUNDS,
    STREAM_STOCK,
    as_int,
    from_epoch,
    json_response,
    products_of,
    window_end,
)

PLATFORM = "shopee"
MAX_CLOCK_SKEW = timedelta(minutes=5)
MAX_WINDOW = timedelta(days=15)
MAX_DETAIL_ORDERS = 50
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class ShopeeError(Exception):
    def __init__(self, error: str, message: str):
        super().__init__(error, message)
        self.error, self.message = error, message


def base_string(partner_id: str, path: str, timestamp: str, access_token: str, shop_id: str) -> str:
    """Shop API base string: partner_id + api path + timestamp + access_token + shop_id, nothing between."""
    return f"{partner_id}{path}{timestamp}{access_token}{shop_id}"


def shopee_sign(partner_key: str, base: str) -> str:
    return hmac.new(partner_key.encode(), base.encode(), hashlib.sha256).hexdigest()


def _param(message: str) -> ShopeeError:
    return ShopeeError("error_param", message)


def _authenticate(ctx: SimContext, query: dict[str, str], path: str) -> SimShop:
    partner_id = query.get("partner_id", "")
    partner_key = ctx.app_secret(PLATFORM, partner_id) if partner_id else None
    if partner_key is None:
        raise _param("no partner_id" if not partner_id else "Invalid partner_id.")
    wait = ctx.throttle(PLATFORM, partner_id)
    if wait is not None:
        raise ShopeeError(
            "error_rate_limit", f"Too many requests, retry after {max(1, math.ceil(wait))} seconds."
        )
    sent_at = from_epoch(query.get("timestamp"))
    if sent_at is None or abs(sent_at - ctx.world.now()) > MAX_CLOCK_SKEW:
        raise _param("Invalid timestamp: it must be epoch seconds within 5 minutes of now.")
    token, shop_id = query.get("access_token", ""), query.get("shop_id", "")
    expected = shopee_sign(partner_key, base_string(partner_id, path, query["timestamp"], token, shop_id))
    if not hmac.compare_digest(expected, query.get("sign", "")):
        raise ShopeeError("error_sign", "Wrong sign.")
    shop = ctx.shop_by_token(PLATFORM, token)
    if shop is None or shop.platform_shop_id != shop_id or shop.app_key != partner_id:
        raise ShopeeError("error_auth", "Invalid access_token.")
    return shop


def _int(
    query: dict[str, str], name: str, low: int, high: int | None = None, default: int | None = None
) -> int:
    value = as_int(query.get(name, default))
    if value is None or value < low or (high is not None and value > high):
        raise _param(f"{name} should be an integer in [{low}, {high or 'inf'}].")
    return value


def _window(query: dict[str, str], start: str, end: str, message: str) -> tuple[datetime, datetime] | None:
    if start not in query and end not in query:
        return None
    since, until = from_epoch(query.get(start)), from_epoch(query.get(end))
    if since is None or until is None:
        raise _param(f"{start} and {end} are required epoch seconds.")
    if until < since or until - since > MAX_WINDOW:
        raise _param(message)
    return since, window_end(until)


def encode_cursor(instant: datetime, order_sn: str) -> str:
    micros = (instant - _EPOCH) // timedelta(microseconds=1)
    return base64.urlsafe_b64encode(f"{micros}|{order_sn}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        micros, order_sn = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode().split("|", 1)
        return _EPOCH + timedelta(microseconds=int(micros)), order_sn
    except (ValueError, OverflowError) as error:  # binascii.Error and UnicodeDecodeError are ValueErrors
        raise _param("Invalid cursor.") from error


def get_order_list(ctx: SimContext, shop: SimShop, query: dict[str, str]) -> dict:
    field = query.get("time_range_field")
    if field not in ("create_time", "update_time"):
        raise _param("time_range_field should be create_time or update_time.")
    since, until = _window(query, "time_from", "time_to", "order.order_list_invalid_time") or (None, None)
    if since is None:
        raise _param("time_from and time_to are required.")
    size = _int(query, "page_size", 1, 100)
    status = query.get("order_status")
    if status is not None and status not in render.ORDER_STATUSES:
        raise _param("order_status is invalid.")
    found = (
        ctx.world.orders_created_between if field == "create_time" else ctx.world.orders_modified_between
    )(shop.key, since, until)

    key = attrgetter("created_at" if field == "create_time" else "modified_at", "order_id")
    orders = sorted(
        (o for o in found if status is None or render.order_status(o) == status), key=key, reverse=True
    )
    start = 0
    if query.get("cursor"):
        after = decode_cursor(query["cursor"])
        # newest first, so "key < after" is False then True along the list: bisect for the first True
        start = bisect_left(range(len(orders)), True, key=lambda index: key(orders[index]) < after)
    page = ctx.paginate(shop.key, STREAM_ORDERS, orders, start, size)
    last = min(start + size, len(orders)) - 1
    with_status = "order_status" in query.get("response_optional_fields", "").split(",")
    rows = [
        {"order_sn": o.order_id, **({"order_status": render.order_status(o)} if with_status else {})}
        for o in page.records
    ]
    more = start + size < len(orders)
    next_cursor = encode_cursor(*key(orders[last])) if more else ""
    return {"more": more, "next_cursor": next_cursor, "order_list": rows}


def get_order_detail(ctx: SimContext, shop: SimShop, query: dict[str, str]) -> dict:
    wanted = [sn.strip() for sn in query.get("order_sn_list", "").split(",") if sn.strip()]
    if not wanted or len(wanted) > MAX_DETAIL_ORDERS:
        raise _param(f"order_sn_list should hold 1 to {MAX_DETAIL_ORDERS} order_sn.")
    optional = {name.strip() for name in query.get("response_optional_fields", "").split(",") if name.strip()}
    orders = [ctx.world.order(shop.key, sn) for sn in wanted]
    return {
        "order_list": [render.order_detail(order, shop, optional) for order in orders if order is not None]
    }


def get_return_list(ctx: SimContext, shop: SimShop, query: dict[str, str]) -> dict:
    page_no, size = _int(query, "page_no", 0), _int(query, "page_size", 1, 100)
    message = "the time range should be at most 15 days."
    updated = _window(query, "update_time_from", "update_time_to", message)
    created = _window(query, "create_time_from", "create_time_to", message)
    if created is not None and updated is None:
        refunds = ctx.world.refunds_created_between(shop.key, *created)
    else:
        now = ctx.world.now()
        refunds = ctx.world.refunds_modified_between(shop.key, *(updated or (now - MAX_WINDOW, now)))
        if created is not None:
            refunds = [refund for refund in refunds if created[0] <= refund.created_at <= created[1]]
    refunds.sort(key=lambda refund: (refund.modified_at, refund.refund_id), reverse=True)
    page = ctx.paginate(shop.key, STREAM_REFUNDS, refunds, page_no * size, size)
    rows = [render.return_record(r, ctx.world.order(shop.key, r.order_id), shop) for r in page.records]
    return {"more": (page_no + 1) * size < len(refunds), "return": rows}


def get_item_list(ctx: SimContext, shop: SimShop, query: dict[str, str]) -> dict:
    offset, size = _int(query, "offset", 0, default=0), _int(query, "page_size", 1, 100)
    if not query.get("item_status"):
        raise _param("item_status is required.")
    products = products_of(ctx.world.stock(shop.key)) if "NORMAL" in query["item_status"].split(",") else {}
    firsts = [skus[0] for skus in products.values()]
    page = ctx.paginate(shop.key, STREAM_STOCK, firsts, offset, size)
    has_next = offset + size < len(firsts)
    return {
        "item": [render.item_record(level.product_id, products[level.product_id]) for level in page.records],
        "total_count": len(firsts),
        "has_next_page": has_next,
        "next_offset": offset + size if has_next else 0,
    }


def get_model_list(ctx: SimContext, shop: SimShop, query: dict[str, str]) -> dict:
    item_id = _int(query, "item_id", 0)
    skus = next(
        (
            levels
            for pid, levels in products_of(ctx.world.stock(shop.key)).items()
            if render.numeric_id(pid) == item_id
        ),
        [],
    )
    return render.model_list(skus, shop)


_APIS: dict[str, tuple[str, Callable[[SimContext, SimShop, dict[str, str]], dict]]] = {
    "/api/v2/order/get_order_list": ("order.get_order_list", get_order_list),
    "/api/v2/order/get_order_detail": ("order.get_order_detail", get_order_detail),
    "/api/v2/returns/get_return_list": ("returns.get_return_list", get_return_list),
    "/api/v2/product/get_item_list": ("product.get_item_list", get_item_list),
    "/api/v2/product/get_model_list": ("product.get_model_list", get_model_list),
}


def routes(ctx: SimContext) -> list[Route]:
    def endpoint(path: str, api: str, handler: Callable):
        async def call(request: Request):
            ctx.count_call(PLATFORM, api)
            envelope = {"error": "", "message": "", "request_id": ctx.request_id(), "warning": ""}
            query = dict(request.query_params)
            try:
                shop = _authenticate(ctx, query, path)
                envelope["response"] = handler(ctx, shop, query)
            except ShopeeError as error:
                envelope.update(error=error.error, message=error.message)
            return json_response(envelope)

        return call

    return [
        Route(path, endpoint(path, api, handler), methods=["GET"]) for path, (api, handler) in _APIS.items()
    ]
