"""The merchant's central stock pool in the simulator: an internal REST service, JSON over HTTP.

`GET /api/v1/stock-pool/items?page_size=<=500&page_token=<opaque>` with `Authorization: Bearer <token>` lists
every (SKU, sales channel) allocation, ordered by (sku_code, channel). Unlike the marketplaces it uses HTTP
status codes: 401 for a missing or unknown token, 400 for a bad parameter, 429 with `Retry-After` when the
caller is throttled, each with `{"error": {"code", "message"}}`. The page token is the last key served, so a
page never repeats or skips an item whatever changes between calls. Numbers come from `simulator/inventory.py`.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from bisect import bisect_right

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from order_pipeline.simulator.inventory import inventory_of
from order_pipeline.simulator.model import SimContext

from .common import as_int, json_response

PLATFORM = "pool"
MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE = 500, 100


class PoolError(Exception):
    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None):
        super().__init__(status, code, message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}


def encode_token(key: tuple[str, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode().rstrip("=")


def decode_token(token: str) -> tuple[str, str]:
    try:
        key = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (binascii.Error, ValueError) as exc:
        raise PoolError(400, "invalid_argument", "page_token is not a token this service issued") from exc
    if not (isinstance(key, list) and len(key) == 2 and all(isinstance(part, str) for part in key)):
        raise PoolError(400, "invalid_argument", "page_token is not a token this service issued")
    return key[0], key[1]


def _error(error: PoolError) -> Response:
    body = json.dumps({"error": {"code": error.code, "message": error.message}}, ensure_ascii=False)
    return Response(body, status_code=error.status, media_type="application/json", headers=error.headers)


def routes(ctx: SimContext) -> list[Route]:
    async def items(request: Request) -> Response:
        ctx.count_call(PLATFORM, "stock-pool.items")
        inventory = inventory_of(ctx.world)
        try:
            scheme, _, token = request.headers.get("authorization", "").partition(" ")
            system = inventory.system(PLATFORM, token=token.strip()) if scheme.lower() == "bearer" else None
            if system is None or not token.strip():
                raise PoolError(401, "unauthenticated", "missing or invalid bearer token",
                                {"WWW-Authenticate": 'Bearer error="invalid_token"'})
            wait = ctx.throttle(PLATFORM, system.app_key)
            if wait is not None:
                seconds = str(max(1, math.ceil(wait)))
                raise PoolError(429, "rate_limited", f"too many requests, retry after {seconds} s",
                                {"Retry-After": seconds})
            size = as_int(request.query_params.get("page_size", DEFAULT_PAGE_SIZE))
            if size is None or not 1 <= size <= MAX_PAGE_SIZE:
                raise PoolError(400, "invalid_argument", f"page_size must be an integer in [1, {MAX_PAGE_SIZE}]")
            token_text = request.query_params.get("page_token", "")
            rows = inventory.at(ctx.world.now()).pool
            start = 0
            if token_text:
                keys = [(row["sku_code"], row["channel"]) for row in rows]
                start = bisect_right(keys, decode_token(token_text))
            page = rows[start : start + size]
            more = start + size < len(rows)
            next_token = encode_token((page[-1]["sku_code"], page[-1]["channel"])) if more and page else None
            return json_response({"items": page, "next_page_token": next_token})
        except PoolError as error:
            return _error(error)

    return [Route("/api/v1/stock-pool/items", items, methods=["GET"])]
