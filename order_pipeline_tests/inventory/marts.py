"""Hand-made stock and order marts in a DuckDB file, with the column types dbt gives them
(dbt_models/models/marts/fct_inventory_*.sql, fct_orders.sql, fct_order_lines.sql), for the inventory
positions tests: each test states exactly the stock, batches and orders it judges."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb

# 16:00 in Shanghai on 2026-11-20
AS_OF = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
TODAY_CN = date(2026, 11, 20)

DDL = (
    """create table if not exists main.fct_inventory_snapshots (
        snapshot_key VARCHAR, system VARCHAR, source VARCHAR, system_key VARCHAR, shop_key VARCHAR,
        location VARCHAR, stock_ref VARCHAR, sku_id VARCHAR, sku_code VARCHAR, product_id VARCHAR, title VARCHAR,
        on_hand BIGINT, available BIGINT, reserved BIGINT, incoming BIGINT, safety_stock BIGINT,
        snapshot_at TIMESTAMPTZ, modified_at TIMESTAMPTZ, snapshot_date_cn DATE, pull_id VARCHAR,
        landing_file VARCHAR, file_row INTEGER, load_id BIGINT)""",
    """create table if not exists main.fct_inventory_batches (
        system VARCHAR, system_key VARCHAR, location VARCHAR, sku_code VARCHAR, batch_no VARCHAR, quantity BIGINT,
        produced_date DATE, expiration_date DATE, snapshot_at TIMESTAMPTZ, pull_id VARCHAR, landing_file VARCHAR,
        file_row INTEGER, load_id BIGINT)""",
    """create table if not exists main.fct_orders (
        order_key VARCHAR, platform VARCHAR, shop_key VARCHAR, order_id VARCHAR, status VARCHAR,
        status_raw VARCHAR, currency VARCHAR, paid_amount DECIMAL(18,2), line_count BIGINT, units HUGEINT,
        created_at TIMESTAMPTZ, paid_at TIMESTAMPTZ, shipped_at TIMESTAMPTZ, completed_at TIMESTAMPTZ,
        cancelled_at TIMESTAMPTZ, ship_by TIMESTAMPTZ, modified_at TIMESTAMPTZ, business_date DATE)""",
    """create table if not exists main.fct_order_lines (
        order_line_key VARCHAR, order_key VARCHAR, platform VARCHAR, shop_key VARCHAR, order_id VARCHAR,
        line_id VARCHAR, sku_id VARCHAR, sku_code VARCHAR, product_id VARCHAR, title VARCHAR, quantity INTEGER,
        unit_price DECIMAL(18,2), line_amount DECIMAL(18,2), currency VARCHAR, status VARCHAR, status_raw VARCHAR,
        shipped_at TIMESTAMPTZ, business_date DATE, customer_id VARCHAR)""",
)


def open_marts(path: Path) -> duckdb.DuckDBPyConnection:
    """The warehouse file with empty marts; UTC session like WarehouseResource.connect."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    con.execute("set TimeZone = 'UTC'")
    for statement in DDL:
        con.execute(statement)
    return con


def snapshot(con: duckdb.DuckDBPyConnection, system: str, location: str, sku_code: str, *, available: int | None,
             at: datetime = AS_OF - timedelta(hours=1), on_hand: int | None = None, reserved: int | None = None,
             incoming: int | None = None, safety_stock: int | None = None, system_key: str | None = None,
             source: str | None = None) -> None:
    """One stock record of `system` at `location` (warehouse, pool channel or shop) seen at `at`."""
    system_key = system_key or {"wms": "wms_main", "pool": "pool_main"}.get(system, location)
    source = source or {"wms": "wms", "pool": "pool"}.get(system, "taobao")
    stock_ref = f"{location}:{sku_code}"
    con.execute(
        """insert into main.fct_inventory_snapshots values (
               ? || ':' || ? || ':' || ? || ':' || ? || ':' || cast(? as varchar), ?, ?, ?, ?, ?, ?, ?, ?, null,
               null, ?, ?, ?, ?, ?, ?, ?, cast(timezone('Asia/Shanghai', ?::timestamptz) as date), 'pull-1',
               'stock/file.jsonl', 1, 1)""",
        [system, system_key, location, stock_ref, at, system, source, system_key,
         location if system != "wms" else None, location, stock_ref, sku_code, sku_code, on_hand, available,
         reserved, incoming, safety_stock, at, at, at])


def batch(con: duckdb.DuckDBPyConnection, location: str, sku_code: str, batch_no: str, quantity: int, *,
          expires: date | None, produced: date | None = date(2026, 10, 1), at: datetime = AS_OF - timedelta(hours=1),
          system_key: str = "wms_main") -> None:
    con.execute("insert into main.fct_inventory_batches values ('wms', ?, ?, ?, ?, ?, ?, ?, ?, 'pull-1', "
                "'stock/file.jsonl', 1, 1)",
                [system_key, location, sku_code, batch_no, quantity, produced, expires, at])


def order(con: duckdb.DuckDBPyConnection, order_key: str, status: str, *, created_at: datetime,
          paid_at: datetime | None = None, lines: list[tuple[str, int] | tuple[str, int, str]],
          platform: str = "taobao", shop_key: str = "tb_flagship") -> None:
    """An order and its lines: (sku_code, quantity) or (sku_code, quantity, line status)."""
    con.execute("insert into main.fct_orders (order_key, platform, shop_key, order_id, status, created_at, "
                "paid_at) values (?, ?, ?, ?, ?, ?, ?)",
                [order_key, platform, shop_key, order_key.split(":")[-1], status, created_at, paid_at])
    for number, line in enumerate(lines, start=1):
        sku_code, quantity = line[0], line[1]
        line_status = line[2] if len(line) == 3 else status
        con.execute("insert into main.fct_order_lines (order_line_key, order_key, platform, shop_key, line_id, "
                    "sku_code, quantity, status) values (?, ?, ?, ?, ?, ?, ?, ?)",
                    [f"{order_key}:{number}", order_key, platform, shop_key, str(number), sku_code, quantity,
                     line_status])


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    """Query results as dicts (column name -> value)."""
    result = con.execute(sql, params or [])
    names = [column[0] for column in result.description]
    return [dict(zip(names, row, strict=True)) for row in result.fetchall()]
