"""First-expired-first-out pick suggestions for open paid order lines, and the expired batches (MISSION F9).

Fresh food and cosmetics lose value by the day: the warehouse should ship the batch that expires first, and
never ship one already expired. The batches of a (warehouse, SKU) at `as_of` are those of its latest WMS
snapshot at or before `as_of`; a newer stock snapshot that lists no batch means the batches are gone, so the
stock snapshots take part in finding "latest". A batch whose expiration date lies before the `as_of` day in
Asia/Shanghai (the warehouse's calendar) is expired: never suggested, listed in `rpt_expired_batches`.

Allocation is one set-based statement, no loop over lines: per SKU, the open paid lines are laid end to end
in payment order (first paid, first served) and the usable batches in FEFO order (earliest expiry, goods that
do not expire last, then oldest produced, then batch number); each is an interval of units, and a line takes
from every batch whose interval overlaps its own, as many units as the overlap. What lies beyond all batches
is one row with batch_no null: the units no batch covers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import duckdb

from order_pipeline.clock import ensure_utc

FEFO_TABLE = "rpt_fefo_pick_suggestions"
EXPIRED_TABLE = "rpt_expired_batches"
BATCHES_AT_AS_OF = "inventory_batches_at_as_of"  # temp table: every batch with units at as_of, for the alerts

_BATCHES_AT_AS_OF = """
create or replace temp table inventory_batches_at_as_of as
with snapshot_of as (
    select system_key, location, sku_code, max(snapshot_at) as snapshot_at
    from (select system_key, location, sku_code, snapshot_at from main.fct_inventory_batches
          where snapshot_at <= $as_of
          union all
          select system_key, location, sku_code, snapshot_at from main.fct_inventory_snapshots
          where system = 'wms' and sku_code is not null and snapshot_at <= $as_of)
    group by all
)
select b.system_key, b.location as warehouse, b.sku_code, b.batch_no, b.quantity, b.produced_date,
       b.expiration_date, b.snapshot_at
from main.fct_inventory_batches as b
join snapshot_of using (system_key, location, sku_code, snapshot_at)
where b.quantity > 0
"""

_EXPIRED = """
create or replace table main.rpt_expired_batches as
select cast($as_of as timestamptz) as as_of, cast($today as date) as business_date_cn, system_key, warehouse,
       sku_code, batch_no, quantity, produced_date, expiration_date,
       date_diff('day', expiration_date, cast($today as date)) as days_expired, snapshot_at
from inventory_batches_at_as_of
where expiration_date < $today
order by sku_code, warehouse, batch_no
"""

_FEFO = """
create or replace table main.rpt_fefo_pick_suggestions as
with demand as (
    select l.order_line_key, l.order_key, o.platform, o.shop_key, o.paid_at, l.sku_code, l.quantity,
           sum(l.quantity) over (partition by l.sku_code order by o.paid_at nulls last, l.order_key, l.order_line_key
                                 rows between unbounded preceding and current row) as demand_end
    from main.fct_orders as o
    join main.fct_order_lines as l using (order_key)
    where o.status in ('paid', 'partly_shipped') and l.quantity > 0
      and coalesce(l.status, '') not in ('shipped', 'completed', 'cancelled', 'refunded')
),
supply as (
    select *, sum(quantity) over fefo as supply_end, row_number() over fefo as fefo_rank
    from inventory_batches_at_as_of
    where expiration_date is null or expiration_date >= $today
    window fefo as (partition by sku_code
                    order by expiration_date nulls last, produced_date nulls last, batch_no, warehouse, system_key
                    rows between unbounded preceding and current row)
),
supply_total as (select sku_code, sum(quantity) as units from supply group by sku_code),
picks as (
    select d.*, s.system_key, s.warehouse, s.batch_no, s.produced_date, s.expiration_date, s.fefo_rank,
           least(d.demand_end, s.supply_end) - greatest(d.demand_end - d.quantity, s.supply_end - s.quantity)
               as units
    from demand as d
    join supply as s
      on s.sku_code = d.sku_code
     and s.supply_end - s.quantity < d.demand_end and d.demand_end - d.quantity < s.supply_end
    union all
    select d.*, null, null, null, null, null, null,
           d.demand_end - greatest(d.demand_end - d.quantity, coalesce(t.units, 0))
    from demand as d
    left join supply_total as t using (sku_code)
    where d.demand_end > coalesce(t.units, 0)
)
select cast($as_of as timestamptz) as as_of, order_line_key, order_key, platform, shop_key, sku_code, paid_at,
       quantity as line_quantity, system_key, warehouse, batch_no, produced_date, expiration_date, fefo_rank,
       cast(units as bigint) as units
from picks
order by sku_code, paid_at nulls last, order_key, order_line_key, fefo_rank nulls last
"""

FEFO_COLUMNS: dict[str, tuple[str, str]] = {
    "as_of": ("TIMESTAMPTZ", "The instant judged (UTC)."),
    "order_line_key": ("VARCHAR", "The open paid order line to pick for."),
    "order_key": ("VARCHAR", "Its order."),
    "platform": ("VARCHAR", "Platform of the order."),
    "shop_key": ("VARCHAR", "Shop of the order."),
    "sku_code": ("VARCHAR", "Merchant SKU code."),
    "paid_at": ("TIMESTAMPTZ", "Payment time: first paid, first served (UTC)."),
    "line_quantity": ("INTEGER", "Units the line ordered."),
    "system_key": ("VARCHAR", "The WMS the batch is in; null for uncovered units."),
    "warehouse": ("VARCHAR", "Warehouse to pick from; null for uncovered units."),
    "batch_no": ("VARCHAR", "Batch to pick; null: these units no usable batch covers."),
    "produced_date": ("DATE", "Production date of the batch."),
    "expiration_date": ("DATE", "Expiry of the batch; null: does not expire."),
    "fefo_rank": ("BIGINT", "Position of the batch in the SKU's FEFO order."),
    "units": ("BIGINT", "Units to pick from the batch (or uncovered)."),
}
EXPIRED_COLUMNS: dict[str, tuple[str, str]] = {
    "as_of": ("TIMESTAMPTZ", "The instant judged (UTC)."),
    "business_date_cn": ("DATE", "The as_of day in Asia/Shanghai."),
    "system_key": ("VARCHAR", "The WMS."),
    "warehouse": ("VARCHAR", "Warehouse holding the batch."),
    "sku_code": ("VARCHAR", "Merchant SKU code."),
    "batch_no": ("VARCHAR", "Batch number."),
    "quantity": ("BIGINT", "Units of the batch still on hand."),
    "produced_date": ("DATE", "Production date."),
    "expiration_date": ("DATE", "Expiry date, before business_date_cn."),
    "days_expired": ("BIGINT", "Days since it expired."),
    "snapshot_at": ("TIMESTAMPTZ", "The WMS snapshot the batch is from (UTC)."),
}


@dataclass(frozen=True)
class FefoSummary:
    pick_rows: int
    open_lines: int
    uncovered_lines: int
    uncovered_units: int
    expired_batches: int


def build_fefo(con: duckdb.DuckDBPyConnection, as_of: datetime, today: date) -> FefoSummary:
    """Replace `main.rpt_fefo_pick_suggestions` and `main.rpt_expired_batches` for `as_of`, whose day in
    Asia/Shanghai is `today`; leaves the temp table `inventory_batches_at_as_of` for the expiry alerts."""
    params = {"as_of": ensure_utc(as_of)}
    con.execute(_BATCHES_AT_AS_OF, params)
    con.execute(_EXPIRED, {**params, "today": today})
    con.execute(_FEFO, {**params, "today": today})
    rows, lines, uncovered, units = con.execute(
        """select count(*), count(distinct order_line_key),
                  count(distinct order_line_key) filter (where batch_no is null),
                  coalesce(sum(units) filter (where batch_no is null), 0)
           from main.rpt_fefo_pick_suggestions""").fetchall()[0]
    expired = con.execute("select count(*) from main.rpt_expired_batches").fetchall()[0][0]
    return FefoSummary(rows, lines, uncovered, int(units), expired)
