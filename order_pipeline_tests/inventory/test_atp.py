"""Available-to-promise over hand-made marts: the unpaid hold window and its boundary, which system's stock is
trusted, the latest snapshot per record at as_of, oversell risk and safety-stock breaches."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from order_pipeline.inventory.atp import build_available_to_promise
from order_pipeline.inventory.config import InventoryConfig
from order_pipeline_tests.inventory.marts import AS_OF, open_marts, order, rows, snapshot

MIN = timedelta(minutes=1)


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = open_marts(tmp_path / "warehouse.duckdb")
    yield connection
    connection.close()


def positions(con: duckdb.DuckDBPyConnection, config: InventoryConfig | None = None) -> dict[str, dict]:
    build_available_to_promise(con, AS_OF, config or InventoryConfig())
    return {row["sku_code"]: row for row in rows(con, "select * from main.rpt_available_to_promise")}


def test_unpaid_orders_hold_units_inside_the_window_and_release_them_after(con):
    snapshot(con, "wms", "WH1", "AP-1", on_hand=100, available=100)
    order(con, "tb:inside", "unpaid", created_at=AS_OF - 30 * MIN + timedelta(seconds=1), lines=[("AP-1", 3)])
    order(con, "tb:just_now", "unpaid", created_at=AS_OF, lines=[("AP-1", 1), ("AP-1", 2, "cancelled")])
    order(con, "tb:boundary", "unpaid", created_at=AS_OF - 30 * MIN, lines=[("AP-1", 10)])  # released at 30 min
    order(con, "tb:old", "unpaid", created_at=AS_OF - 2 * 60 * MIN, lines=[("AP-1", 20)])
    order(con, "tb:future", "unpaid", created_at=AS_OF + MIN, lines=[("AP-1", 40)])
    order(con, "tb:cancelled", "cancelled", created_at=AS_OF - 5 * MIN, lines=[("AP-1", 50)])
    order(con, "tb:paid", "paid", created_at=AS_OF - 5 * MIN, paid_at=AS_OF - 4 * MIN, lines=[("AP-1", 60)])

    position = positions(con)["AP-1"]

    assert (position["available"], position["unpaid_held_units"], position["atp"]) == (100, 4, 96)
    assert positions(con, InventoryConfig(unpaid_hold_minutes=15))["AP-1"]["unpaid_held_units"] == 1


def test_the_warehouse_system_is_preferred_and_the_platforms_stand_in_without_it(con):
    # AP-1: two warehouses, the pool and a shop report it: the WMS counts, summed over its warehouses
    snapshot(con, "wms", "WH1", "AP-1", on_hand=12, available=10, incoming=7)
    snapshot(con, "wms", "WH2", "AP-1", on_hand=6, available=5, at=AS_OF - timedelta(days=2))  # still its latest
    snapshot(con, "pool", "tb_flagship", "AP-1", on_hand=500, available=480, reserved=20)
    snapshot(con, "platform", "tb_flagship", "AP-1", available=999)
    # AP-2: only the platforms (two shops): their sellable counts are added up
    snapshot(con, "platform", "tb_flagship", "AP-2", available=8)
    snapshot(con, "platform", "jd_pop", "AP-2", available=4, source="jd")
    # AP-3: only the pool, whose own unpaid holds are added back before ours are taken off (never twice)
    snapshot(con, "pool", "tb_flagship", "AP-3", on_hand=30, available=25, reserved=5)
    snapshot(con, "pool", "jd_pop", "AP-3", on_hand=10, available=10, reserved=0)
    order(con, "tb:hold", "unpaid", created_at=AS_OF - 10 * MIN, lines=[("AP-3", 5), ("AP-2", 1)])

    result = positions(con)

    assert {sku: (r["source_system"], r["on_hand"], r["available"], r["atp"]) for sku, r in result.items()} == {
        "AP-1": ("wms", 18, 15, 15), "AP-2": ("platform", None, 12, 11), "AP-3": ("pool", 40, 35, 35)}
    assert result["AP-1"]["incoming"] == 7 and result["AP-3"]["source_unpaid_reserved"] == 5
    only_platforms = InventoryConfig(source_preference=("platform",))
    assert positions(con, only_platforms)["AP-1"]["source_system"] == "platform"


def test_the_latest_snapshot_at_or_before_as_of_counts(con):
    snapshot(con, "wms", "WH1", "AP-1", available=50, at=AS_OF - timedelta(hours=5))
    snapshot(con, "wms", "WH1", "AP-1", available=20, at=AS_OF - timedelta(hours=1))
    snapshot(con, "wms", "WH1", "AP-1", available=1, at=AS_OF + timedelta(hours=1))  # after as_of: unseen
    snapshot(con, "wms", "WH1", "AP-2", available=None, on_hand=None)  # reports nothing usable
    snapshot(con, "platform", "tb_flagship", "AP-2", available=3)

    result = positions(con)

    assert result["AP-1"]["available"] == 20 and result["AP-1"]["snapshot_at"] == AS_OF - timedelta(hours=1)
    assert result["AP-2"]["source_system"] == "platform"


def test_negative_warehouse_availability_is_an_oversell_risk(con):
    # the WMS locked more for paid orders than it holds: oversold already, before any unpaid hold
    snapshot(con, "wms", "WH1", "FF-1", on_hand=5, available=-3, reserved=8)
    snapshot(con, "wms", "WH1", "FF-2", on_hand=5, available=2, reserved=3)
    order(con, "tb:hold", "unpaid", created_at=AS_OF - MIN, lines=[("FF-2", 3)])
    snapshot(con, "wms", "WH1", "FF-3", on_hand=5, available=1, reserved=4)

    result = positions(con)

    assert [(sku, r["atp"], r["oversell_risk"]) for sku, r in sorted(result.items())] == [
        ("FF-1", -3, True), ("FF-2", -1, True), ("FF-3", 1, False)]


def test_safety_stock_comes_from_the_most_trusted_system_stating_one_else_the_fallback(con):
    snapshot(con, "wms", "WH1", "BE-1", available=8, safety_stock=5)
    snapshot(con, "wms", "WH2", "BE-1", available=4, safety_stock=5)   # 12 available, safety 10: fine
    snapshot(con, "wms", "WH1", "BE-2", available=9, safety_stock=None)
    snapshot(con, "pool", "tb_flagship", "BE-2", available=9, safety_stock=10)  # WMS states none: the pool's
    snapshot(con, "wms", "WH1", "BE-3", available=2)
    order(con, "tb:hold", "unpaid", created_at=AS_OF - MIN, lines=[("BE-1", 3)])  # 12 - 3 < 10: breach

    result = positions(con, InventoryConfig(safety_stock_fallback=3))

    assert {sku: (r["atp"], r["safety_stock"], r["safety_stock_source"], r["safety_stock_breach"],
                  r["oversell_risk"]) for sku, r in result.items()} == {
        "BE-1": (9, 10, "wms", True, False), "BE-2": (9, 10, "pool", True, False),
        "BE-3": (2, 3, "fallback", True, False)}


def test_a_rerun_replaces_the_table_with_the_latest_position(con):
    snapshot(con, "wms", "WH1", "AP-1", available=10)
    first = build_available_to_promise(con, AS_OF, InventoryConfig())
    again = build_available_to_promise(con, AS_OF, InventoryConfig())
    assert first == again and first.skus == 1
    assert con.execute("select count(*) from main.rpt_available_to_promise").fetchall() == [(1,)]
