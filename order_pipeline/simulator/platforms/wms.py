"""The warehouse system (WMS) of the simulator, in the shape of Jushuitan (聚水潭) open API v2.

`POST /open/inventory/query` and `POST /open/wms/batch/query`, form-encoded: `app_key, access_token, timestamp`
(epoch seconds), `charset=utf-8, version=2, biz` (the business parameters as one JSON string) and `sign`.
The signature is verified with code written from docs/platform-api.md ("Stock systems"), never the adapter's.
Every outcome is HTTP 200 with `{"code", "msg", "data"}`; the error codes are the simulator's own choice
(documented there). Numbers come from the world's inventory model (`simulator/inventory.py`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
from collections.abc import Callable

from starlette.requests import Request
from starlette.routing import Route

from order_pipeline.simulator.inventory import Snapshot, inventory_of
from order_pipeline.simulator.model import SimContext

from .common import as_int, json_response, parse_gmt8, request_params

PLATFORM = "wms"
MAX_CLOCK_SKEW = 600  # seconds between the request's timestamp and the server clock
MAX_WINDOW = 7 * 86400
CODE_BAD_PARAM, CODE_BAD_APP, CODE_BAD_SIGN, CODE_BAD_TIMESTAMP, CODE_BAD_TOKEN, CODE_THROTTLED = (
    100, 101, 102, 103, 104, 199)
REQUIRED = ("access_token", "timestamp", "charset", "version", "biz", "sign")


class WmsError(Exception):
    def __init__(self, code: int, msg: str):
        super().__init__(code, msg)
        self.code, self.msg = code, msg


def jst_sign(fields: dict[str, str], secret: str) -> str:
    """lower(hex(md5(secret + key1value1key2value2...))) over every field but `sign`, sorted by key; a field
    sent empty is left out, as the published SDK samples do."""
    joined = "".join(f"{key}{fields[key]}" for key in sorted(fields) if key != "sign" and fields[key] != "")
    return hashlib.md5(f"{secret}{joined}".encode()).hexdigest()


def _authenticate(ctx: SimContext, params: dict[str, str], now: int) -> None:
    system = inventory_of(ctx.world).system(PLATFORM, app_key=params.get("app_key", ""))
    if system is None:
        raise WmsError(CODE_BAD_APP, "app_key 无效")
    wait = ctx.throttle(PLATFORM, system.app_key)
    if wait is not None:
        raise WmsError(CODE_THROTTLED, f"接口调用频率超限，请{max(1, math.ceil(wait))}秒后重试")
    missing = [name for name in REQUIRED if not params.get(name)]
    if missing:
        raise WmsError(CODE_BAD_PARAM, f"缺少参数: {','.join(missing)}")
    if params["charset"].lower() != "utf-8" or params["version"] != "2":
        raise WmsError(CODE_BAD_PARAM, "charset 须为 utf-8，version 须为 2")
    if not hmac.compare_digest(jst_sign(params, system.app_secret), params["sign"]):
        raise WmsError(CODE_BAD_SIGN, "签名错误")
    timestamp = as_int(params["timestamp"])
    if timestamp is None or abs(timestamp - now) > MAX_CLOCK_SKEW:
        raise WmsError(CODE_BAD_TIMESTAMP, f"timestamp 与服务器时间相差超过{MAX_CLOCK_SKEW}秒")
    if params["access_token"] != system.access_token:
        raise WmsError(CODE_BAD_TOKEN, "access_token 无效或已过期")


def _int(biz: dict, name: str, default: int, low: int, high: int) -> int:
    value = as_int(biz.get(name, default))
    if value is None or not low <= value <= high:
        raise WmsError(CODE_BAD_PARAM, f"{name} 须为 {low}-{high} 的整数")
    return value


def _sku_ids(biz: dict, required: bool, limit: int) -> set[str] | None:
    raw = biz.get("sku_ids")
    if raw in (None, "") and not required:
        return None
    if not isinstance(raw, str) or not raw.strip():
        raise WmsError(CODE_BAD_PARAM, "sku_ids 须为逗号分隔的商品编码")
    codes = {code.strip() for code in raw.split(",") if code.strip()}
    if len(codes) > limit:
        raise WmsError(CODE_BAD_PARAM, f"sku_ids 最多 {limit} 个")
    return codes


def _modified_window(biz: dict) -> tuple[str, str] | None:
    begin, end = biz.get("modified_begin"), biz.get("modified_end")
    if not begin and not end:
        return None
    start, stop = parse_gmt8(str(begin or "")), parse_gmt8(str(end or ""))
    if start is None or stop is None:
        raise WmsError(CODE_BAD_PARAM, "modified_begin 与 modified_end 须同时传入，格式 yyyy-MM-dd HH:mm:ss")
    if stop < start or (stop - start).total_seconds() > MAX_WINDOW:
        raise WmsError(CODE_BAD_PARAM, "modified_begin 与 modified_end 相差不能超过7天")
    return str(begin), str(end)


def _page(rows: list[dict], biz: dict, list_name: str) -> dict:
    index, size = _int(biz, "page_index", 1, 1, 1_000_000), _int(biz, "page_size", 30, 1, 100)
    pages = math.ceil(len(rows) / size)
    return {"page_size": size, "page_index": index, "data_count": len(rows), "page_count": pages,
            "has_next": index < pages, list_name: rows[(index - 1) * size : index * size]}


def inventory_query(snapshot: Snapshot, biz: dict) -> dict:
    warehouse = _int(biz, "wms_co_id", 0, 0, 2**31 - 1)
    codes, window = _sku_ids(biz, required=False, limit=100), _modified_window(biz)
    rows = [row for row in snapshot.wms
            if (not warehouse or row["wms_co_id"] == warehouse) and (codes is None or row["sku_id"] in codes)
            and (window is None or window[0] <= row["modified"] <= window[1])]
    return _page(rows, biz, "inventorys")


def batch_query(snapshot: Snapshot, biz: dict) -> dict:
    warehouse = _int(biz, "wms_co_id", 0, 0, 2**31 - 1)
    codes = _sku_ids(biz, required=True, limit=50)
    rows = [row for row in snapshot.batches()
            if (not warehouse or row["wms_co_id"] == warehouse) and row["sku_id"] in codes]
    return _page(rows, biz, "datas")


_APIS: dict[str, tuple[str, Callable[[Snapshot, dict], dict]]] = {
    "/open/inventory/query": ("inventory.query", inventory_query),
    "/open/wms/batch/query": ("wms.batch.query", batch_query),
}


def routes(ctx: SimContext) -> list[Route]:
    def endpoint(api: str, answer: Callable[[Snapshot, dict], dict]):  # noqa: ANN202 - a Starlette endpoint
        async def serve(request: Request):
            ctx.count_call(PLATFORM, api)
            params = await request_params(request)
            now = ctx.world.now()
            try:
                _authenticate(ctx, params, int(now.timestamp()))
                try:
                    biz = json.loads(params["biz"])
                except ValueError:
                    biz = None
                if not isinstance(biz, dict):
                    raise WmsError(CODE_BAD_PARAM, "biz 须为 JSON 对象")
                data = answer(inventory_of(ctx.world).at(now), biz)
                return json_response({"code": 0, "msg": "执行成功", "data": data})
            except WmsError as error:
                return json_response({"code": error.code, "msg": error.msg, "data": None})

        return serve

    return [Route(path, endpoint(api, answer), methods=["POST"]) for path, (api, answer) in _APIS.items()]
