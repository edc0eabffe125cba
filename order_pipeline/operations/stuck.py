"""The hourly stuck scan (MISSION F7): open orders whose current stage has lasted too long.

The SLA levels only watch paid orders against a shipping promise; an order can also stall where no promise
applies (an unpaid order the platform never closed, a partly shipped order whose rest never leaves the
warehouse). This scan catches those by the age of the stage alone, with one threshold from the policies.

Stages and when they began (from open_orders, see evaluate.py for the contract):
- unpaid: since created_at;
- paid_not_shipped (status paid): since paid_at (created_at when the platform sent no payment time);
- partly_shipped: since shipped_at (the last shipped line, as fct_orders defines it), else paid_at.
A stage is stuck when it has lasted strictly longer than `stuck_stage_after`.
"""

from __future__ import annotations

from datetime import datetime

import duckdb
import pyarrow as pa

from order_pipeline.operations.evaluate import as_utc, utc_timestamps
from order_pipeline.operations.policies import SlaPolicies

STUCK_COLUMNS = ("order_key", "platform", "shop_key", "status", "stage", "since", "stuck_minutes",
                 "evaluated_at")

STUCK_SQL = """
with staged as (
    select order_key, platform, shop_key, status,
           case status when 'unpaid' then 'unpaid' when 'paid' then 'paid_not_shipped'
                else 'partly_shipped' end as stage,
           case status when 'unpaid' then created_at
                       when 'paid' then coalesce(paid_at, created_at)
                       else coalesce(shipped_at, paid_at, created_at) end as since
    from open_orders where status in ('unpaid', 'paid', 'partly_shipped'))
select order_key, platform, shop_key, status, stage, since,
       round((epoch($now::timestamptz) - epoch(since)) / 60.0, 2) as stuck_minutes,
       $now::timestamptz as evaluated_at
from staged
where since + to_minutes($stuck_minutes::bigint) < $now::timestamptz
order by order_key
"""


def stuck_relation(con: duckdb.DuckDBPyConnection, now_utc: datetime, policies: SlaPolicies) -> duckdb.DuckDBPyRelation:
    """The stuck scan as a lazy relation, for a caller that inserts it into a table."""
    params = {"now": as_utc(now_utc),
              "stuck_minutes": int(policies.stuck_stage_after.total_seconds() // 60)}
    return con.sql(STUCK_SQL, params=params)


def stuck_orders(con: duckdb.DuckDBPyConnection, now_utc: datetime, policies: SlaPolicies) -> pa.Table:
    """Open orders stuck in their stage at `now_utc` (STUCK_COLUMNS), ordered by order_key."""
    return utc_timestamps(stuck_relation(con, now_utc, policies).to_arrow_table())
