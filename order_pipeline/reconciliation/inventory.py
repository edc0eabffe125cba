"""Reconcile one business day's stock across the WMS, the central pool and the platforms (F10).

Why the cutoff is 06:00 the next morning (Asia/Shanghai): the nightly run starts at 02:00, when no orders
flow, and pulls fresh snapshots of every system first; comparing those quiet-hour snapshots is what makes
the systems comparable at all (during the day each one moves while the others are being read). The day's
report therefore uses each system's latest snapshot up to the morning after the day, and never one taken
after the run's own clock (`as_of`): re-running an old day from the UI reads the snapshots of that night.
A rerun of a day replaces that day's rows: the report is idempotent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import duckdb

from order_pipeline.reconciliation.inventory_sql import CREATE_REPORT, RECONCILE
from order_pipeline.reconciliation.partitions import day_bounds

AUDIT_THRESHOLD_PCT = 5.0
QUIET_HOURS_AFTER_DAY = timedelta(hours=6)


@dataclass(frozen=True)
class ReconciliationSummary:
    day: date
    cutoff: datetime
    compared: int  # (SKU, system pair, scope) rows
    deviating: int
    flagged: int
    by_pair: dict[str, dict[str, int]] = field(default_factory=dict)  # "wms/pool" -> {compared, deviating, ...}
    worst: list[tuple] = field(default_factory=list)  # (sku_code, pair, scope, a, b, deviation_pct, days)


def cutoff_for(day: date, as_of: datetime) -> datetime:
    """The instant whose snapshots the day's report compares: the quiet morning after it, or `as_of` if earlier."""
    _, end = day_bounds(day)
    return min(end + QUIET_HOURS_AFTER_DAY, as_of)


def reconcile_day(con: duckdb.DuckDBPyConnection, day: date, as_of: datetime,
                  threshold_pct: float = AUDIT_THRESHOLD_PCT) -> ReconciliationSummary:
    """Write `day`'s rows of main.rpt_inventory_reconciliation (replacing any earlier run's) and summarise."""
    cutoff = cutoff_for(day, as_of)
    con.execute(CREATE_REPORT)
    con.execute("begin transaction")
    try:
        con.execute("delete from main.rpt_inventory_reconciliation where business_date = ?", [day])
        con.execute("insert into main.rpt_inventory_reconciliation " + RECONCILE,
                    {"day": day, "cutoff": cutoff, "threshold": threshold_pct, "reconciled_at": as_of})
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return summarise(con, day, cutoff)


def summarise(con: duckdb.DuckDBPyConnection, day: date, cutoff: datetime) -> ReconciliationSummary:
    by_pair = {
        f"{a}/{b}": {"compared": n, "deviating": d, "flagged": f, "missing": m}
        for a, b, n, d, f, m in con.execute(
            "select system_a, system_b, count(*), count(*) filter (deviating), count(*) filter (flagged_for_audit),"
            " count(missing_in) from main.rpt_inventory_reconciliation where business_date = ? group by all"
            " order by all", [day]).fetchall()
    }
    worst = con.execute(
        "select sku_code, system_a || '/' || system_b, scope, quantity_a, quantity_b, deviation_pct,"
        " consecutive_days_deviating from main.rpt_inventory_reconciliation"
        " where business_date = ? and flagged_for_audit"
        " order by deviation_pct desc, abs(deviation) desc, sku_code, scope limit 10", [day]).fetchall()
    return ReconciliationSummary(
        day=day, cutoff=cutoff,
        compared=sum(p["compared"] for p in by_pair.values()),
        deviating=sum(p["deviating"] for p in by_pair.values()),
        flagged=sum(p["flagged"] for p in by_pair.values()),
        by_pair=by_pair, worst=worst,
    )
