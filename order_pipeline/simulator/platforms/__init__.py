"""The platform side of the simulator: one module per marketplace, each speaking that platform's contract.

Each module exposes `routes(ctx) -> list[starlette.routing.Route]` with paths relative to the platform's
prefix; the server core mounts them under `/taobao`, `/jd`, `/douyin` and `/shopee`. The handlers render the
neutral world (`simulator/model.py`) through `SimContext` only, and never import the adapters
(`order_pipeline.platforms`): two independent readings of docs/platform-api.md must meet on the wire.
"""

from . import douyin, jd, shopee, taobao

PLATFORM_ROUTES = {"taobao": taobao.routes, "jd": jd.routes, "douyin": douyin.routes, "shopee": shopee.routes}

__all__ = ["PLATFORM_ROUTES"]
