"""The stock reconciliation over hand-made snapshots: pairs, deviation %, the 5% flag, missing SKUs,
consecutive days, the cutoff, and the 02:00 Asia/Shanghai schedule (the end-to-end run against the
simulator's injected drift is in test_reconciliation_end_to_end.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import dagster as dg
import duckdb
import pytest

from order_pipeline.reconciliation.inventory import cutoff_for, reconcile_day
from order_pipeline.reconciliation.schedules import (
    nightly_reconciliation_job,
    nightly_reconciliation_schedule,
)

CN = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 12, 6)
NIGHT = datetime(2026, 12, 7, 2, 5, tzinfo=CN)  # the 02:00 run's pull


@pytest.fixture
def con():
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    con.execute("create table fct_inventory_snapshots (system varchar, system_key varchar, shop_key varchar, "
                "location varchar, stock_ref varchar, sku_code varchar, on_hand bigint, available bigint, "
                "snapshot_at timestamptz)")
    yield con
    con.close()


def add(con, at: datetime, rows: list[tuple]) -> None:
    """rows: (system, shop_key or None, location, sku_code, on_hand, available)"""
    for system, shop, location, sku, on_hand, available in rows:
        key = {"wms": "main_wms", "pool": "central_pool"}.get(system, shop)
        con.execute("insert into fct_inventory_snapshots values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [system, key, shop, location, f"{location}:{sku}", sku, on_hand, available, at])


def report(con, day=DAY) -> dict[tuple, tuple]:
    rows = con.execute("select sku_code, system_a, system_b, scope, quantity_a, quantity_b, missing_in, deviation,"
                       " deviation_pct, flagged_for_audit, consecutive_days_deviating"
                       " from main.rpt_inventory_reconciliation where business_date = ?", [day]).fetchall()
    return {r[:4]: r[4:] for r in rows}


def balanced(sku: str, wms: list[int], channels: dict[str, tuple[int, int]]) -> list[tuple]:
    """WMS available per warehouse; per channel (allocated, held): pool and platform that agree with it."""
    rows = [("wms", None, f"1000{i + 1}", sku, units + 2, units) for i, units in enumerate(wms)]
    for shop, (allocated, held) in channels.items():
        rows += [("pool", shop, shop, sku, allocated, allocated - held),
                 ("platform", shop, shop, sku, None, allocated - held)]
    return rows


def test_agreeing_systems_show_no_deviation_and_each_drift_exactly_where_it_is(con):
    add(con, NIGHT, balanced("AP101-S", [60, 40], {"tmall": (70, 3), "jd": (30, 0)}))
    add(con, NIGHT, balanced("FF111-2J", [10], {"tmall": (10, 1)}))
    # drift: the WMS counts 4 more of EL101 than the pool allocates (4/104 = 3.8%: deviating, not flagged),
    # and the pool lets JD sell 10 of BE101 that the JD shop shows as 0 (a failed stock push)
    add(con, NIGHT, [("wms", None, "10001", "EL101-B", 110, 104)] + balanced("EL101-B", [], {"tmall": (100, 0)}))
    add(con, NIGHT, balanced("BE101-50", [10], {"jd": (10, 0)})[:-1] + [("platform", "jd", "jd", "BE101-50", None, 0)])
    reconcile_day(con, DAY, NIGHT + timedelta(minutes=30))
    got = report(con)
    assert {k for k, v in got.items() if v[3] != 0} == {("EL101-B", "wms", "pool", "*"),
                                                        ("BE101-50", "pool", "platform", "jd")}
    assert got[("EL101-B", "wms", "pool", "*")] == (104, 100, None, 4, Decimal("3.85"), False, 1)
    assert got[("BE101-50", "pool", "platform", "jd")] == (10, 0, None, 10, 100, True, 1)
    assert got[("AP101-S", "pool", "platform", "tmall")][:4] == (67, 67, None, 0)
    assert len(got) == 4 + 2 + 1 + 1 + 1  # every SKU once for wms/pool and once per pool/platform channel


def test_a_sku_missing_from_one_system_counts_as_zero_there(con):
    add(con, NIGHT, balanced("AP101-S", [5], {"tmall": (5, 0)}) + [("wms", None, "10001", "AP102-M", 8, 8)])
    reconcile_day(con, DAY, NIGHT)
    assert report(con)[("AP102-M", "wms", "pool", "*")] == (8, None, "pool", 8, 100, True, 1)


def test_threshold_is_strictly_above_five_percent(con):
    add(con, NIGHT, [("wms", None, "10001", "A", 100, 100), ("pool", "s", "s", "A", 95, 95),
                     ("wms", None, "10001", "B", 100, 100), ("pool", "s", "s", "B", 94, 94)])
    reconcile_day(con, DAY, NIGHT)
    got = report(con)
    assert got[("A", "wms", "pool", "*")][4:6] == (5, False)
    assert got[("B", "wms", "pool", "*")][4:6] == (6, True)


def test_the_latest_snapshot_up_to_the_cutoff_counts_and_later_ones_do_not(con):
    add(con, datetime(2026, 12, 6, 15, tzinfo=CN), [("wms", None, "10001", "A", 50, 50), ("pool", "s", "s", "A", 40, 40)])
    add(con, NIGHT, [("pool", "s", "s", "A", 50, 50)])  # the pool fixed overnight, before the cutoff
    add(con, datetime(2026, 12, 7, 9, tzinfo=CN), [("pool", "s", "s", "A", 1, 1)])  # next morning: day 7's business
    reconcile_day(con, DAY, datetime(2026, 12, 7, 12, tzinfo=CN))
    assert report(con)[("A", "wms", "pool", "*")][:4] == (50, 50, None, 0)
    assert cutoff_for(DAY, datetime(2026, 12, 8, tzinfo=UTC)) == datetime(2026, 12, 7, 6, tzinfo=CN)
    assert cutoff_for(DAY, NIGHT) == NIGHT  # a run never reads past its own clock


def test_consecutive_days_and_an_idempotent_rerun(con):
    for offset, pool in enumerate([90, 90, 100, 80]):  # deviates, deviates, agrees, deviates
        night = NIGHT + timedelta(days=offset)
        add(con, night, [("wms", None, "10001", "A", 100, 100), ("pool", "s", "s", "A", pool, pool)])
        reconcile_day(con, DAY + timedelta(days=offset), night)
    days = [report(con, DAY + timedelta(days=i))[("A", "wms", "pool", "*")][-1] for i in range(4)]
    assert days == [1, 2, 0, 1]
    before = con.execute("select * exclude (reconciled_at) from main.rpt_inventory_reconciliation order by all").fetchall()
    reconcile_day(con, DAY + timedelta(days=1), NIGHT + timedelta(days=1))
    after = con.execute("select * exclude (reconciled_at) from main.rpt_inventory_reconciliation order by all").fetchall()
    assert after == before


def test_a_system_with_no_snapshot_is_not_a_deviation(con):
    add(con, NIGHT, [("pool", "s", "s", "A", 5, 5), ("platform", "s", "s", "A", None, 5)])  # no WMS configured
    reconcile_day(con, DAY, NIGHT)
    assert set(report(con)) == {("A", "pool", "platform", "s")}


def test_the_schedule_runs_at_two_in_shanghai_and_picks_the_local_day():
    assert nightly_reconciliation_schedule.cron_schedule == "0 2 * * *"
    assert nightly_reconciliation_schedule.execution_timezone == "Asia/Shanghai"
    assert nightly_reconciliation_schedule.job_name == nightly_reconciliation_job.name
    for tick, expected in [(datetime(2026, 12, 7, 2, 0, tzinfo=CN), "2026-12-06"),
                           # 00:03 local is 16:03 UTC on the 6th: a UTC reading would say the 5th
                           (datetime(2026, 12, 7, 0, 3, tzinfo=CN), "2026-12-06"),
                           (datetime(2026, 12, 6, 16, 3, tzinfo=UTC), "2026-12-06")]:
        with dg.build_schedule_context(scheduled_execution_time=tick) as context:
            request = nightly_reconciliation_schedule(context)
        assert request.partition_key == expected, tick
