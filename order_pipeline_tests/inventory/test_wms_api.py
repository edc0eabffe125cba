"""The simulated WMS over real HTTP, driven by requests built from docs/platform-api.md: signing, errors,
paging, filters and batches, compared with the simulator's ground truth at the same frozen instant."""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from datetime import date, timedelta

import pytest

from order_pipeline.platforms.wms import sign_fields
from order_pipeline.simulator.inventory import (
    active_drifts,
    pool_item_rows,
    wms_batch_rows,
    wms_inventory_rows,
)
from order_pipeline.simulator.platforms.wms import jst_sign
from order_pipeline_tests.inventory.helpers import HTTP, wms_call, wms_form, wms_pages

INVENTORY, BATCHES = "/open/inventory/query", "/open/wms/batch/query"


def test_signature_is_pinned_to_a_hand_concatenated_string():
    fields = {"app_key": "b8c1a7e2", "access_token": "tok-9f3", "timestamp": "1764000000", "charset": "utf-8",
              "version": "2", "biz": '{"page_index":1,"page_size":50,"wms_co_id":0}'}
    by_hand = ("shh-secret" + "access_tokentok-9f3" + "app_keyb8c1a7e2"
               + 'biz{"page_index":1,"page_size":50,"wms_co_id":0}' + "charsetutf-8" + "timestamp1764000000"
               + "version2")
    expected = "4b6353d5efcde294cb80255210355500"
    assert hashlib.md5(by_hand.encode()).hexdigest() == expected
    assert sign_fields(fields, "shh-secret") == expected, "the adapter signs as documented"
    assert jst_sign({**fields, "sign": "ignored"}, "shh-secret") == expected, "the simulator verifies the same"


def test_signed_request_is_accepted_and_every_tampering_refused(sim):
    now, biz = sim.world.now(), {"page_index": 1, "page_size": 5}
    accepted = wms_call(sim.url, INVENTORY, biz, now)
    assert accepted["code"] == 0 and accepted["msg"] == "执行成功" and len(accepted["data"]["inventorys"]) == 5

    form = wms_form(biz, now)
    form["biz"] = form["biz"].replace('"page_size":5', '"page_size":6')  # changed after signing
    tampered = HTTP.post(f"{sim.url}/wms{INVENTORY}", data=form).json()
    assert (tampered["code"], tampered["data"]) == (102, None) and tampered["msg"]
    assert wms_call(sim.url, INVENTORY, biz, now, secret="not-the-secret")["code"] == 102
    assert wms_call(sim.url, INVENTORY, biz, now, app_key="unknown-app")["code"] == 101
    assert wms_call(sim.url, INVENTORY, biz, now, access_token="stale-token")["code"] == 104
    assert wms_call(sim.url, INVENTORY, biz, now - timedelta(seconds=601))["code"] == 103
    assert wms_call(sim.url, INVENTORY, biz, now + timedelta(seconds=599))["code"] == 0, "600 s of skew is fine"
    assert wms_call(sim.url, INVENTORY, biz, now, version="1")["code"] == 100


@pytest.mark.parametrize("page_size", [7, 30, 100])
def test_paging_serves_every_row_once_in_order(sim, page_size):
    rows = wms_pages(sim.url, INVENTORY, {"page_size": page_size}, sim.world.now(), "inventorys")
    truth = wms_inventory_rows(sim.world)
    assert rows == truth and len(truth) > 200
    keys = [(row["wms_co_id"], row["sku_id"]) for row in rows]
    assert len(set(keys)) == len(keys)
    assert {row["wms_co_id"] for row in rows} == {10001, 10002, 10003}
    assert all(1 <= n <= 3 for n in Counter(row["sku_id"] for row in rows).values())


def test_filters_and_their_limits(sim):
    now, truth = sim.world.now(), wms_inventory_rows(sim.world)
    overseas = wms_pages(sim.url, INVENTORY, {"wms_co_id": 10003, "page_size": 100}, now, "inventorys")
    assert overseas == [row for row in truth if row["wms_co_id"] == 10003] and overseas
    codes = sorted({row["sku_id"] for row in truth})[:12]
    chosen = wms_pages(sim.url, INVENTORY, {"sku_ids": ",".join(codes), "page_size": 100}, now, "inventorys")
    assert chosen == [row for row in truth if row["sku_id"] in codes]
    begin, end = "2026-11-20 12:00:00", "2026-11-20 15:59:59"  # the last four hours, Beijing time
    recent = wms_pages(sim.url, INVENTORY, {"modified_begin": begin, "modified_end": end, "page_size": 100}, now,
                       "inventorys")
    assert recent == [row for row in truth if begin <= row["modified"] <= end] and 0 < len(recent) < len(truth)
    assert max(row["modified"] for row in truth) <= "2026-11-20 16:00:00", "nothing modified after now"
    for bad in ({"page_size": 101}, {"page_index": 0}, {"modified_begin": begin},
                {"modified_begin": "2026-11-10 00:00:00", "modified_end": "2026-11-17 00:00:01"},
                {"sku_ids": ["AP101-BLK-L"]}):
        assert wms_call(sim.url, INVENTORY, bad, now)["code"] == 100, bad


def test_batches_add_up_to_qty_and_follow_shelf_life(sim):
    now, rows = sim.world.now(), wms_inventory_rows(sim.world)
    lots = wms_batch_rows(sim.world)
    by_row = defaultdict(list)
    for lot in lots:
        by_row[(lot["wms_co_id"], lot["sku_id"])].append(lot)
    for row in rows:
        assert sum(lot["qty"] for lot in by_row[(row["wms_co_id"], row["sku_id"])]) == row["qty"], row
    today = now.date()
    categories = {row["sku_id"]: row["sku_id"][:2] for row in rows}
    for lot in lots:
        produced = lot["produced_date"]
        assert produced <= today.isoformat()
        expiry, prefix = lot["expiration_date"], categories[lot["sku_id"]]
        if prefix == "FF":  # fresh food: days to weeks
            assert expiry is not None and 0 <= (date.fromisoformat(expiry) - today).days <= 30, lot
        elif prefix in ("BE", "MB"):  # beauty, mother & baby: months
            assert expiry is not None and (date.fromisoformat(expiry) - today).days >= 90, lot
        else:
            assert expiry is None, lot

    codes = sorted({row["sku_id"] for row in rows})[:50]
    served = wms_pages(sim.url, BATCHES, {"sku_ids": ",".join(codes), "page_size": 40}, now, "datas")
    assert served == [lot for lot in lots if lot["sku_id"] in codes] and len(served) > 50
    one = wms_pages(sim.url, BATCHES, {"sku_ids": codes[0], "wms_co_id": 10002, "page_size": 100}, now, "datas")
    assert one == [lot for lot in lots if lot["sku_id"] == codes[0] and lot["wms_co_id"] == 10002]
    assert wms_call(sim.url, BATCHES, {"sku_ids": ",".join(sorted({r["sku_id"] for r in rows})[:51])},
                    now)["code"] == 100, "at most 50 sku_ids"
    assert wms_call(sim.url, BATCHES, {"page_index": 1}, now)["code"] == 100, "sku_ids is required"


def test_control_api_exports_the_stock_systems_truth(sim):
    def export(kind: str) -> list[dict]:
        response = HTTP.get(f"{sim.url}/_sim/ground_truth", params={"kind": kind})
        assert response.status_code == 200
        return [json.loads(line) for line in response.text.splitlines() if line]

    assert export("wms_inventory") == wms_inventory_rows(sim.world)
    assert export("wms_batches") == wms_batch_rows(sim.world)
    assert export("pool_items") == pool_item_rows(sim.world)
    drifts = export("stock_drifts")
    assert drifts == active_drifts(sim.world) and {d["system"] for d in drifts} == {"wms", "pool"}
