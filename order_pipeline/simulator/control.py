"""The simulator's own control API under `/_sim/` (docs/platform-api.md, last section).

Tests, the demo and the benchmark drive the world through it: move the clock, switch fault profiles and rate
limits, read request counters and export the ground truth to compare the warehouse with. It is unsigned, so it
answers loopback clients only unless the server was started with remote control allowed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from order_pipeline.clock import parse_instant
from order_pipeline.simulator.context import ServerContext
from order_pipeline.simulator.inventory import INVENTORY_TRUTH
from order_pipeline.simulator.truth import ROW_MAKERS, iso

LOOPBACK = {"127.0.0.1", "::1", "localhost", "testclient"}


class BadRequest(ValueError):
    pass


def control_routes(ctx: ServerContext, allow_remote: bool = False) -> list[Route]:
    world = ctx.world

    def guarded(handler):  # noqa: ANN001, ANN202 - decorator over Starlette endpoints
        async def endpoint(request: Request) -> Response:
            client = request.client.host if request.client else ""
            if not allow_remote and client not in LOOPBACK:
                return JSONResponse(
                    {"error": "the control API answers loopback clients only"}, status_code=403
                )
            try:
                return await handler(request)
            except (BadRequest, ValueError, TypeError, KeyError) as exc:
                return JSONResponse({"error": str(exc)}, status_code=400)

        return endpoint

    async def body(request: Request) -> object:
        raw = await request.body()
        if not raw.strip():
            return None
        try:
            return json.loads(raw)
        except json.JSONDecodeError as exc:
            raise BadRequest(f"request body is not JSON: {exc}") from exc

    def clock_answer() -> JSONResponse:
        return JSONResponse({"now": iso(world.now()), "frozen": world.config.frozen})

    async def clock(request: Request) -> Response:
        return clock_answer()

    async def advance(request: Request) -> Response:
        data = await body(request)
        seconds = data.get("seconds") if isinstance(data, dict) else None
        if not isinstance(seconds, int | float) or isinstance(seconds, bool) or seconds < 0:
            raise BadRequest('expected {"seconds": n} with n >= 0 (use /_sim/clock/set to go back)')
        world.advance(seconds)
        return clock_answer()

    async def set_clock(request: Request) -> Response:
        data = await body(request)
        if not isinstance(data, dict) or not isinstance(data.get("now"), str):
            raise BadRequest('expected {"now": "<ISO-8601 instant with offset>"}')
        world.set_now(parse_instant(data["now"]))
        return clock_answer()

    async def faults(request: Request) -> Response:
        if request.method == "POST":
            data = await body(request)
            profile = data.get("profile") if isinstance(data, dict) else None
            if profile is None:
                raise BadRequest('expected {"profile": "none" | "chaos" | {...rates...}}')
            ctx.faults.set(profile)
        return JSONResponse(ctx.faults.describe())

    async def rate_limit(request: Request) -> Response:
        if request.method == "POST":
            data = await body(request)
            if data is None:
                ctx.limiter.configure(None)
            elif isinstance(data, dict):
                ctx.limiter.configure(
                    data.get("requests_per_second"), data.get("burst"), data.get("platform")
                )
            else:
                raise BadRequest('expected {"requests_per_second": r, "burst": b} or null')
        return JSONResponse(ctx.limiter.describe())

    async def ground_truth(request: Request) -> Response:
        kind = request.query_params.get("kind", "")
        if kind not in ROW_MAKERS and kind not in INVENTORY_TRUTH:
            raise BadRequest(f"kind must be one of {sorted([*ROW_MAKERS, *INVENTORY_TRUTH])}")

        at = world.now()
        # the stock systems (WMS, stock pool, their drifts) come from the inventory model, the rest from the world
        rows = INVENTORY_TRUTH[kind](world, at) if kind in INVENTORY_TRUTH else world.ground_truth(kind, at)

        def lines() -> Iterator[bytes]:
            batch = []
            for row in rows:
                batch.append(json.dumps(row, ensure_ascii=False, separators=(",", ":")))
                if len(batch) >= 500:
                    yield ("\n".join(batch) + "\n").encode()
                    batch = []
            if batch:
                yield ("\n".join(batch) + "\n").encode()

        return StreamingResponse(lines(), media_type="application/x-ndjson", headers={"x-sim-now": iso(at)})

    async def stats(request: Request) -> Response:
        if request.method == "POST":  # POST /_sim/stats resets the counters
            ctx.reset_stats()
        return JSONResponse({**ctx.stats(), "now": iso(world.now()), "records": world.counts()})

    async def shops(request: Request) -> Response:
        return JSONResponse(
            [
                {
                    "key": s.key,
                    "platform": s.platform,
                    "shop_id": s.platform_shop_id,
                    "region": s.region,
                    "timezone": s.timezone,
                    "currency": s.currency,
                }
                for s in world.shops()
            ]
        )

    async def health(request: Request) -> Response:
        return JSONResponse({"ok": True, "now": iso(world.now())})

    return [
        Route("/_sim/clock", guarded(clock), methods=["GET"]),
        Route("/_sim/clock/advance", guarded(advance), methods=["POST"]),
        Route("/_sim/clock/set", guarded(set_clock), methods=["POST"]),
        Route("/_sim/faults", guarded(faults), methods=["GET", "POST"]),
        Route("/_sim/rate_limit", guarded(rate_limit), methods=["GET", "POST"]),
        Route("/_sim/ground_truth", guarded(ground_truth), methods=["GET"]),
        Route("/_sim/stats", guarded(stats), methods=["GET", "POST"]),
        Route("/_sim/shops", guarded(shops), methods=["GET"]),
        Route("/_sim/health", guarded(health), methods=["GET"]),
    ]
