"""What the stock-system tests share: the world they run against, hand-built requests to the WMS and the pool
(written from docs/platform-api.md, not taken from the adapters), and the invariants as a checker."""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter, defaultdict
from datetime import datetime

import httpx

from order_pipeline.simulator.config import WorldConfig
from order_pipeline.simulator.inventory import active_drifts, pool_item_rows, wms_inventory_rows
from order_pipeline_tests.conftest import TEST_START

# One client for every hand-built request: httpx's module functions build a new client (and TLS context) per call.
HTTP = httpx.Client(timeout=10)


def world_config(**overrides: object) -> WorldConfig:
    """A small world; a quarter of the SKU codes drift, so every kind of drift shows up."""
    values: dict = {"seed": 41, "start": TEST_START, "history_days": 4, "horizon_days": 2,
                    "orders_per_shop_per_day": 40, "stock_drift_rate": 0.25}
    values.update(overrides)
    return WorldConfig(**values)


def wms_form(biz: dict, now: datetime, **replace: str) -> dict[str, str]:
    """A WMS request signed as documented: md5(secret + key1value1...) over every field but sign, sorted."""
    fields = {"app_key": os.environ["WMS_APP_KEY"], "access_token": os.environ["WMS_ACCESS_TOKEN"],
              "timestamp": str(int(now.timestamp())), "charset": "utf-8", "version": "2",
              "biz": json.dumps(biz, separators=(",", ":"))}
    secret = replace.pop("secret", os.environ["WMS_APP_SECRET"])
    fields.update(replace)
    text = secret + "".join(key + fields[key] for key in sorted(fields))
    return {**fields, "sign": hashlib.md5(text.encode()).hexdigest()}


def wms_call(url: str, path: str, biz: dict, now: datetime, **replace: str) -> dict:
    response = HTTP.post(f"{url}/wms{path}", data=wms_form(biz, now, **replace))
    assert response.status_code == 200, "the WMS answers every business outcome with HTTP 200"
    return response.json()


def wms_pages(url: str, path: str, biz: dict, now: datetime, list_name: str) -> list[dict]:
    rows, page = [], 1
    while True:
        reply = wms_call(url, path, {**biz, "page_index": page}, now)
        assert reply["code"] == 0, reply
        rows += reply["data"][list_name]
        if not reply["data"]["has_next"]:
            assert page == reply["data"]["page_count"] or reply["data"]["data_count"] == 0
            return rows
        page += 1


def pool_get(url: str, token: str | None = None, **params: object) -> httpx.Response:
    token = os.environ["POOL_ACCESS_TOKEN"] if token is None else token
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return HTTP.get(f"{url}/pool/api/v1/stock-pool/items", params=params, headers=headers)


def deviations(world, at: datetime | None = None) -> dict[tuple, int]:  # noqa: ANN001 - SimWorld
    """Where the no-drift invariants fail at one instant, and by how much: `(sku_code, "pool", channel)` for
    a pool channel off its platform's quantity, `(sku_code, "wms")` for a WMS available total off the sum of
    the shops' stock series. Asserts on the way what must hold even under drift."""
    platform = {(row["shop_key"], row["sku_code"]): row for row in world.ground_truth("stock", at)}
    out: dict[tuple, int] = {}
    series = Counter()  # sku_code -> sum over channels of the stock series (allocated without drift)
    for item in pool_item_rows(world, at):
        shown = platform.pop((item["channel"], item["sku_code"]))
        assert item["reserved"] == shown["reserved"], item
        off = item["available"] - shown["quantity"]
        assert item["available"] - off == max(0, item["allocated"] - off - item["reserved"]), item
        assert min(item["allocated"], item["available"], item["reserved"]) >= 0, item
        series[item["sku_code"]] += item["allocated"] - off
        if off:
            out[(item["sku_code"], "pool", item["channel"])] = off
    assert not platform, f"platform SKUs the pool does not know: {sorted(platform)[:3]}"
    available, locked = Counter(), Counter()
    for row in wms_inventory_rows(world, at):
        assert min(row["qty"], row["order_lock"], row["pick_lock"]) >= 0, row
        assert row["qty"] - row["order_lock"] - row["pick_lock"] >= 0, row
        available[row["sku_id"]] += row["qty"] - row["order_lock"] - row["pick_lock"]
        locked[row["sku_id"]] += row["order_lock"] + row["pick_lock"]
    assert set(available) == set(series)
    for code, total in available.items():
        if total != series[code]:
            out[(code, "wms")] = total - series[code]
    paid_unshipped = Counter()
    for line in world.ground_truth("order_lines", at):
        if line["status"] == "paid":
            paid_unshipped[line["sku_code"]] += line["quantity"]
    assert +locked == +paid_unshipped, "order_lock + pick_lock = units of paid orders not yet shipped"
    return out


def drift_deviations(world, at: datetime | None = None) -> dict[tuple, int]:  # noqa: ANN001 - SimWorld
    """The same keys, from the simulator's list of active drifts."""
    out: dict[tuple, int] = defaultdict(int)
    for drift in active_drifts(world, at):
        key = (drift["sku_code"], "wms") if drift["system"] == "wms" else (
            drift["sku_code"], "pool", drift["location"])
        out[key] += drift["delta"]
    return dict(out)
