"""The 2am run end to end on the simulator: the nightly job re-lists orders, backfills what the incremental
pulls missed, pulls stock from every platform shop, the WMS and the central pool, and reconciles them.

Expected values come from the simulator's ground truth (its own WMS, pool and platform rows and the drifts it
injected), never from the pipeline's tables: the reconciliation must find exactly the injected drift, no more,
no less, and flag exactly the SKUs above 5%.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from order_pipeline.clock import parse_instant
from order_pipeline.reconciliation.completeness import DEFAULT_DAYS, day_range
from order_pipeline.simulator.config import WorldConfig
from order_pipeline.simulator.inventory import active_drifts, pool_item_rows, wms_inventory_rows
from order_pipeline_tests.conftest import TEST_START
from order_pipeline_tests.warehouse.pipeline_run import pipeline_env

WORLD = WorldConfig(seed=41, start=TEST_START, history_days=2, horizon_days=1, orders_per_shop_per_day=30,
                    nasty_share=0.0, frozen=True, stock_drift_rate=0.08, missed_by_incremental_rate=0.03)
CN = ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    with pipeline_env(tmp_path_factory.mktemp("nightly"), WORLD) as pipeline:
        # one nightly run: its incremental pulls (which miss the hidden orders) come first, then the re-listing
        now = pipeline.simulator.world.now()
        day = now.astimezone(CN).date()
        if now.astimezone(CN).hour < 6:  # before the quiet morning ends, a night still belongs to the day before
            day -= timedelta(days=1)
        result = pipeline.run(job="nightly_reconciliation_job", partition_key=day.isoformat())
        assert result.success
        pipeline.day = day
        yield pipeline


def expected_deviations(world) -> dict[tuple, tuple[int, int]]:
    """(sku_code, system_a, system_b, scope) -> (quantity_a, quantity_b) for every pair the truth says differs."""
    wms, pool_total, pool_channel, platform = Counter(), Counter(), Counter(), Counter()
    for row in wms_inventory_rows(world):
        wms[row["sku_id"]] += row["qty"] - row["order_lock"] - row["pick_lock"]
    for row in pool_item_rows(world):
        pool_total[row["sku_code"]] += row["allocated"]
        pool_channel[(row["sku_code"], row["channel"])] += row["available"]
    for row in world.ground_truth("stock"):
        platform[(row["sku_code"], row["shop_key"])] += row["quantity"]
    out = {}
    for sku in wms.keys() | pool_total.keys():
        if wms.get(sku) != pool_total.get(sku):
            out[(sku, "wms", "pool", "*")] = (wms.get(sku), pool_total.get(sku))
    for key in pool_channel.keys() | platform.keys():
        if pool_channel.get(key) != platform.get(key):
            out[(key[0], "pool", "platform", key[1])] = (pool_channel.get(key), platform.get(key))
    return out


def test_the_reconciliation_finds_exactly_the_injected_drift(env):
    world = env.simulator.world
    drifts = [d for d in active_drifts(world) if d["delta"] != 0]
    assert drifts, "the world must inject drift"
    rows = env.query("select sku_code, system_a, system_b, scope, quantity_a, quantity_b, deviation_pct, "
                     "flagged_for_audit from rpt_inventory_reconciliation where business_date = ? and deviating",
                     [env.day])
    got = {r[:4]: r[4:6] for r in rows}
    assert got == expected_deviations(world)
    # every deviation is one the simulator injected: no SKU without a drift deviates, every drift shows
    drifted = {d["sku_code"] for d in drifts}
    assert {key[0] for key in got} == drifted
    by_sku = defaultdict(set)
    for key in got:
        by_sku[key[0]].add(key[1:3])
    for drift in drifts:
        assert ("wms", "pool") in by_sku[drift["sku_code"]], drift


def test_exactly_the_skus_above_five_percent_are_flagged(env):
    rows = env.query("select quantity_a, quantity_b, flagged_for_audit, deviation_pct from "
                     "rpt_inventory_reconciliation where business_date = ?", [env.day])
    assert rows
    for a, b, flagged, pct in rows:
        a, b = a or 0, b or 0
        expected = a != b and (a == 0 or abs(a - b) * 100 > 5 * abs(a))
        assert flagged == expected, (a, b, pct)
    flags = Counter(flagged for *_, flagged, _ in rows)
    assert flags[True] and flags[False], "the world must have deviations on both sides of 5%"


def test_orders_the_incremental_pulls_missed_are_backfilled(env):
    world = env.simulator.world
    start, _ = day_range(env.day, DEFAULT_DAYS)  # the nightly run re-lists the last DEFAULT_DAYS local days
    missed = {(r["shop_key"], r["order_id"]) for r in world.ground_truth("missed_orders")
              if parse_instant(r["created_at"]) >= start}
    assert missed, "the world must hide orders from the incremental listings"
    held = set(env.query("select shop_key, order_id from fct_orders"))
    assert missed <= held
    report = env.query("select shop_key, missing, backfilled from rpt_order_completeness where business_date = ?",
                       [env.day])
    by_shop = Counter(shop for shop, _ in missed)
    assert {shop: missing for shop, missing, _ in report if missing} == dict(by_shop)
    assert all(missing == backfilled for _, missing, backfilled in report)
