"""Shared fixtures for the simulator core's tests: small worlds and a running server with a dummy platform.

The dummy platform stands in for the real handlers (written separately): it exercises exactly the SimContext
calls a handler makes (throttle, count_call, paginate, request_id) so the core is tested on its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from order_pipeline.clock import parse_instant
from order_pipeline.simulator.config import WorldConfig
from order_pipeline.simulator.context import ServerContext
from order_pipeline.simulator.server import RunningSimulator
from order_pipeline.simulator.world import SimWorld


def small_config(**overrides: object) -> WorldConfig:
    values: dict = {"seed": 11, "orders_per_shop_per_day": 60, "history_days": 6, "horizon_days": 3}
    values.update(overrides)
    return WorldConfig(**values)


def dummy_routes(ctx: ServerContext) -> list[Route]:
    async def ping(request: Request) -> JSONResponse:
        ctx.count_call("dummy", "ping")
        wait = ctx.throttle("dummy", request.query_params.get("app_key", "app-1"))
        if wait is not None:
            return JSONResponse({"error": "throttled", "retry_after": wait})
        return JSONResponse({"ok": True, "request_id": ctx.request_id(), "padding": "x" * 300})

    async def orders(request: Request) -> JSONResponse:
        """A Taobao-like listing: modified window, newest first, pages from 1."""
        q = request.query_params
        shop = q["shop"]
        start: datetime = parse_instant(q["start"])
        end: datetime = parse_instant(q["end"])
        page, size = int(q.get("page", 1)), int(q.get("size", 20))
        records = ctx.world.orders_modified_between(shop, start, end)
        records.sort(key=lambda o: (o.modified_at, o.order_id), reverse=True)
        served = ctx.paginate(shop, "orders", records, (page - 1) * size, size)
        return JSONResponse({"total": served.total, "ids": [o.order_id for o in served.records]})

    return [Route("/ping", ping, methods=["GET", "POST"]), Route("/orders", orders)]


@pytest.fixture(scope="session")
def world() -> SimWorld:
    """A read-only world: tests that move its clock or bump records make their own."""
    return SimWorld(small_config())


@pytest.fixture(scope="module")
def sim() -> Iterator[RunningSimulator]:
    with RunningSimulator(small_config(), extra_mounts={"dummy": dummy_routes}) as running:
        yield running
