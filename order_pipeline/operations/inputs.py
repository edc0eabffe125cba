"""The evaluation's inputs (`open_orders`, `open_order_lines`, `available_stock`) as views over the marts.

The sensor reads the published `serving.duckdb` (read-only, never the file a run writes), and the alert job
reads the same file attached to its warehouse connection, so both judge the same orders. `marts` names the
catalog holding the marts: "serving" either way (DuckDB names an opened file's catalog after its stem).
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import pyarrow as pa

from order_pipeline.shops import Shop
from order_pipeline.warehouse.schema import has_table


def create_inputs(con: duckdb.DuckDBPyConnection, marts: str, shops: Sequence[Shop]) -> None:
    """Temp views `open_orders`, `open_order_lines`, `available_stock` over the marts in catalog `marts`.

    `marts` is a catalog name chosen by the caller, never user input; values are bound.
    """
    if not marts.isidentifier():
        raise ValueError(f"unexpected marts catalog {marts!r}")
    con.register("operations_shops", pa.table({"shop_key": [s.key for s in shops],
                                               "timezone": [s.timezone for s in shops]}))
    # Open = still to be shipped: filtered here, so the evaluation never scans the millions of finished orders
    # (spelled out: a view cannot take bound parameters)
    con.execute(f"""
        create or replace temp view open_orders as
        select o.order_key, o.platform, o.shop_key, s.timezone as shop_timezone, o.status, o.created_at,
               o.paid_at, o.shipped_at, o.ship_by, o.paid_amount, o.currency, o.units, o.address_valid,
               o.risk_flag,
               -- a payment the platform is still confirming (Taobao PAY_PENDING, a 0-yuan pre-authorisation)
               -- is abnormal; an order merely waiting for the buyer to pay is not
               case when o.status_raw in ('PAY_PENDING', 'WAIT_PRE_AUTH_CONFIRM') then 'pending'
                    when o.paid_at is not null then 'paid' end as payment_state
        from {marts}.fct_orders as o left join operations_shops as s using (shop_key)
        where o.status in ('unpaid', 'paid', 'partly_shipped')""")
    con.execute(f"""
        create or replace temp view open_order_lines as
        select l.order_key, l.sku_code, l.quantity, l.status as line_status
        from {marts}.fct_order_lines as l semi join open_orders as o using (order_key)""")
    if has_table(con, "fct_inventory_snapshots", marts):
        # What stock can still cover open orders, per SKU code: the latest snapshot of each system's record,
        # added up per system. The warehouse system (and then the central pool) count physical goods and are
        # preferred where they report the SKU; until they do, the platforms' sellable counts stand in, added up
        # over the shops (each shop sells its own allocation of the merchant's goods).
        con.execute(f"""
            create or replace temp view available_stock as
            select sku_code, arg_min(available, preference) as available
            from (select sku_code, case system when 'wms' then 1 when 'pool' then 2 else 3 end as preference,
                         sum(available) as available
                  from (select system, sku_code, available from {marts}.fct_inventory_snapshots
                        where sku_code is not null and available is not null
                        qualify row_number() over (partition by system_key, location, stock_ref
                                                   order by snapshot_at desc) = 1)
                  group by all)
            group by sku_code""")
    else:  # no stock pulled yet: every SKU's stock is unknown, and unknown stock never puts an order on hold
        con.execute("create or replace temp view available_stock as "
                    "select null::varchar as sku_code, null::bigint as available where false")
