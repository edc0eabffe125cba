"""Available-to-promise per SKU code at an instant (MISSION F9): what can still be sold without overselling.

Stock comes from the most trusted system that reports the SKU (`source_preference`, by default the warehouse
system summed over its warehouses, else the central pool summed over its channels, else the platforms summed
over their shops): each system's stock at `as_of` is, per record (system_key, location, stock_ref), its latest
snapshot at or before `as_of`, so a late or missing pull of one warehouse never drops that warehouse's stock.

From that, the units unpaid orders hold are taken off: an order still unpaid holds its lines' units for
`unpaid_hold_minutes` after it was created (created_at in (as_of - hold, as_of]); after that its hold is
released. Paid orders hold nothing here: the warehouse system's `available` already nets out their locks.
The pool's `available` nets out its own unpaid holds (`reserved`), which are the same unpaid orders, so for
the pool they are added back before this report takes off its own (`source_unpaid_reserved`): an unpaid order
is never counted twice there. The platforms' sellable counts are taken as they are, since what they hold back
differs per platform (Shopee mixes in promotions): an unpaid order may be counted twice on that stand-in,
which errs towards warning early.

Orders are judged by their current status in `fct_orders` (the marts keep each order's latest version).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb

from order_pipeline.clock import ensure_utc
from order_pipeline.inventory.config import InventoryConfig

ATP_TABLE = "rpt_available_to_promise"

_BUILD_ATP = """
create or replace table main.rpt_available_to_promise as
with latest as (
    select system, sku_code, on_hand, available, reserved, incoming, safety_stock, snapshot_at
    from main.fct_inventory_snapshots
    where snapshot_at <= $as_of and sku_code is not null
    qualify row_number() over (partition by system_key, location, stock_ref order by snapshot_at desc) = 1
),
per_system as (  -- one row per SKU and system that reports it, summed over its locations
    select sku_code, system, list_position($preference, system) as preference,
           sum(on_hand) as on_hand, sum(available) as available,
           case when system = 'pool' then coalesce(sum(reserved), 0) else 0 end as source_unpaid_reserved,
           sum(incoming) as incoming, sum(safety_stock) as safety_stock, max(snapshot_at) as snapshot_at
    from latest
    where available is not null and list_position($preference, system) is not null
    group by sku_code, system
),
chosen as (
    select * from per_system
    qualify row_number() over (partition by sku_code order by preference) = 1
),
safety as (  -- the most trusted system that states a safety stock for the SKU
    select sku_code, arg_min(safety_stock, preference) as safety_stock, arg_min(system, preference) as system
    from per_system where safety_stock is not null
    group by sku_code
),
holds as (
    select l.sku_code, sum(l.quantity) as held
    from main.fct_orders as o
    join main.fct_order_lines as l using (order_key)
    where o.status = 'unpaid'
      and o.created_at > $as_of - to_minutes($hold_minutes) and o.created_at <= $as_of
      and l.sku_code is not null and coalesce(l.status, '') not in ('cancelled', 'refunded')
    group by l.sku_code
),
positions as (
    select c.sku_code, c.system as source_system, cast(c.on_hand as bigint) as on_hand,
           cast(c.available as bigint) as available, cast(c.source_unpaid_reserved as bigint) as source_unpaid_reserved,
           cast(coalesce(h.held, 0) as bigint) as unpaid_held_units,
           cast(coalesce(s.safety_stock, $fallback) as bigint) as safety_stock,
           coalesce(s.system, 'fallback') as safety_stock_source,
           cast(c.incoming as bigint) as incoming, c.snapshot_at
    from chosen as c
    left join safety as s using (sku_code)
    left join holds as h using (sku_code)
)
select cast($as_of as timestamptz) as as_of, sku_code, source_system, on_hand, available, source_unpaid_reserved,
       unpaid_held_units,
       available + source_unpaid_reserved - unpaid_held_units as atp, safety_stock, safety_stock_source,
       available + source_unpaid_reserved - unpaid_held_units < safety_stock as safety_stock_breach,
       available + source_unpaid_reserved - unpaid_held_units < 0 as oversell_risk,
       incoming, snapshot_at
from positions
order by sku_code
"""

ATP_COLUMNS: dict[str, tuple[str, str]] = {
    "as_of": ("TIMESTAMPTZ", "The instant judged (UTC)."),
    "sku_code": ("VARCHAR", "Merchant SKU code."),
    "source_system": ("VARCHAR", "wms, pool or platform: the most trusted system reporting the SKU."),
    "on_hand": ("BIGINT", "Physical units (WMS) or allocated units (pool), summed over locations."),
    "available": ("BIGINT", "What the source says can be sold (WMS: on hand minus paid-order and pick locks)."),
    "source_unpaid_reserved": ("BIGINT", "Unpaid holds the source already took off (pool), added back."),
    "unpaid_held_units": ("BIGINT", "Units of unpaid orders created within the hold window."),
    "atp": ("BIGINT", "Available to promise: available + source_unpaid_reserved - unpaid_held_units."),
    "safety_stock": ("BIGINT", "Safety stock of the most trusted system stating one, else the fallback."),
    "safety_stock_source": ("VARCHAR", "The system the safety stock came from, or fallback."),
    "safety_stock_breach": ("BOOLEAN", "atp < safety_stock."),
    "oversell_risk": ("BOOLEAN", "atp < 0: open demand above what is available."),
    "incoming": ("BIGINT", "Units in transit from suppliers (WMS)."),
    "snapshot_at": ("TIMESTAMPTZ", "Latest snapshot of the source used (UTC)."),
}


@dataclass(frozen=True)
class AtpSummary:
    skus: int
    safety_stock_breaches: int
    oversell_risks: int


def build_available_to_promise(con: duckdb.DuckDBPyConnection, as_of: datetime,
                               config: InventoryConfig) -> AtpSummary:
    """Replace `main.rpt_available_to_promise` with every SKU's position at `as_of` (one statement)."""
    con.execute(_BUILD_ATP, {"as_of": ensure_utc(as_of), "preference": list(config.source_preference),
                             "hold_minutes": config.unpaid_hold_minutes, "fallback": config.safety_stock_fallback})
    skus, breaches, risks = con.execute(
        "select count(*), count(*) filter (where safety_stock_breach), count(*) filter (where oversell_risk) "
        "from main.rpt_available_to_promise").fetchall()[0]
    return AtpSummary(skus, breaches, risks)
