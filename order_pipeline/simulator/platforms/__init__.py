"""The platform side of the simulator: one module per marketplace, each speaking that platform's contract.

Each module exposes `routes(ctx) -> list[starlette.routing.Route]` with paths relative to the platform's
prefix; the server core mounts them under `/taobao`, `/jd`, `/douyin` and `/shopee`, and the merchant's own
stock systems under `/wms` (the warehouse system) and `/pool` (the central stock pool). The handlers render the
neutral world (`simulator/model.py`) through `SimContext` only, and never import the adapters
(`order_pipeline.platforms`): two independent readings of docs/platform-api.md must meet on the wire.
"""

from . import douyin, jd, pool, shopee, taobao, wms

PLATFORM_ROUTES = {"taobao": taobao.routes, "jd": jd.routes, "douyin": douyin.routes, "shopee": shopee.routes,
                   "wms": wms.routes, "pool": pool.routes}

__all__ = ["PLATFORM_ROUTES"]
