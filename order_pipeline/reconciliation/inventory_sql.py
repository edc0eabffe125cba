"""The nightly stock reconciliation as one DuckDB statement over `fct_inventory_snapshots` (F10).

What is compared, and why these pairs: the warehouse system (WMS) is the system of record for physical
goods, the central stock pool splits them into per-channel allocations, and each platform shop sells its
allocation. So:
- `wms` vs `pool`, per SKU: the WMS's available units (on hand minus the locks of paid orders awaiting
  shipment, summed over warehouses) against the pool's total allocation (summed over channels). Both count
  the goods not yet promised to a paid order; unpaid orders' holds sit inside the pool's allocation.
- `pool` vs `platform`, per SKU and shop: what the pool lets the channel sell (allocated minus unpaid holds)
  against the sellable count the platform shows. This is where a failed stock push turns into oversell.
Each system's position is its latest snapshot at or before the cutoff. A SKU one system of a pair reports and
the other does not is compared against 0 (`missing_in` says which). A pair whose systems have no snapshot
before the cutoff at all is not compared: a system that is not configured is not a deviation.

`deviation = quantity_a - quantity_b`, where system a is the system of record of the pair; `deviation_pct` is
its size relative to system a's quantity (100 when that is 0 and the other is not), and above the threshold
(5%) the row is flagged for audit. `consecutive_days_deviating` continues the previous day's count from the
report itself, so backfill old days in date order.
"""

from __future__ import annotations

# No primary key: one row per (business_date, sku_code, system_a, system_b, scope) holds by construction (a
# day is deleted before it is written, in one transaction), and an ART index would make replacing a day of
# half a million rows several times slower.
CREATE_REPORT = """
create table if not exists main.rpt_inventory_reconciliation (
    business_date date not null, sku_code varchar not null, system_a varchar not null,
    system_b varchar not null, scope varchar not null, quantity_a bigint, quantity_b bigint,
    missing_in varchar, deviation bigint not null, deviation_pct decimal(9, 2) not null,
    deviating boolean not null, flagged_for_audit boolean not null, consecutive_days_deviating integer not null,
    snapshot_at_a timestamptz, snapshot_at_b timestamptz, cutoff_at timestamptz not null,
    reconciled_at timestamptz not null)
"""

# Parameters: $day (DATE), $cutoff (TIMESTAMPTZ), $threshold (percent), $reconciled_at (TIMESTAMPTZ).
RECONCILE = """
with latest as (
    select system, shop_key, sku_code, on_hand, available, snapshot_at
    from main.fct_inventory_snapshots
    where snapshot_at <= $cutoff and sku_code is not null
    qualify row_number() over (partition by system_key, location, stock_ref order by snapshot_at desc) = 1
),
wms as (select sku_code, sum(available) as qty, max(snapshot_at) as at from latest
        where system = 'wms' group by sku_code),
pool_total as (select sku_code, sum(on_hand) as qty, max(snapshot_at) as at from latest
               where system = 'pool' group by sku_code),
pool_channel as (select sku_code, shop_key, sum(available) as qty, max(snapshot_at) as at from latest
                 where system = 'pool' group by sku_code, shop_key),
platform as (select sku_code, shop_key, sum(available) as qty, max(snapshot_at) as at from latest
             where system = 'platform' group by sku_code, shop_key),
pairs as (
    select 'wms' as system_a, 'pool' as system_b, '*' as scope, sku_code,
           w.qty as quantity_a, p.qty as quantity_b, w.at as snapshot_at_a, p.at as snapshot_at_b
    from wms as w full join pool_total as p using (sku_code)
    where exists (select 1 from wms) and exists (select 1 from pool_total)
    union all
    -- only the channels both systems know: a shop the pool does not allocate to is not pooled
    select 'pool', 'platform', shop_key, sku_code, c.qty, f.qty, c.at, f.at
    from pool_channel as c full join platform as f using (sku_code, shop_key)
    where shop_key in (select shop_key from pool_channel) and shop_key in (select shop_key from platform)
),
measured as (
    select *,
           case when quantity_a is null then system_a when quantity_b is null then system_b end as missing_in,
           coalesce(quantity_a, 0) - coalesce(quantity_b, 0) as deviation
    from pairs
)
select $day::date as business_date, m.sku_code, m.system_a, m.system_b, m.scope, m.quantity_a, m.quantity_b,
       m.missing_in, m.deviation,
       case when m.deviation = 0 then 0
            when coalesce(m.quantity_a, 0) = 0 then 100
            else round(100 * abs(m.deviation) / abs(m.quantity_a), 2) end::decimal(9, 2) as deviation_pct,
       m.deviation <> 0 as deviating,
       case when m.deviation = 0 then false
            when coalesce(m.quantity_a, 0) = 0 then true
            else 100 * abs(m.deviation) / abs(m.quantity_a) > $threshold end as flagged_for_audit,
       case when m.deviation <> 0 then coalesce(prev.consecutive_days_deviating, 0) + 1 else 0 end
           as consecutive_days_deviating,
       m.snapshot_at_a, m.snapshot_at_b, $cutoff::timestamptz as cutoff_at,
       $reconciled_at::timestamptz as reconciled_at
from measured as m
left join main.rpt_inventory_reconciliation as prev
    on prev.business_date = $day::date - 1 and prev.sku_code = m.sku_code and prev.system_a = m.system_a
   and prev.system_b = m.system_b and prev.scope = m.scope
"""
