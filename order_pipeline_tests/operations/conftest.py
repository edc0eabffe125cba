"""Plain-SQL fixtures for the evaluation engine: the three input tables, filled order by order.

The engine's contract is three tables (open_orders, open_order_lines, available_stock), so the tests build
exactly those with SQL on an in-memory DuckDB, with defaults that make each test state only what it is about.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import duckdb
import pytest

from order_pipeline.operations import SlaPolicies, evaluate, stuck_orders

# 23:55 on 11 Nov in Shanghai: five minutes before the local midnight of the seed's incident.
T0 = datetime(2026, 11, 11, 15, 55, tzinfo=UTC)

SCHEMA = """
create table open_orders (
    order_key varchar, platform varchar, shop_key varchar, shop_timezone varchar, status varchar,
    created_at timestamptz, paid_at timestamptz, shipped_at timestamptz, ship_by timestamptz,
    paid_amount decimal(18, 2), currency varchar, units integer, address_valid boolean, risk_flag boolean,
    payment_state varchar);
create table open_order_lines (order_key varchar, sku_code varchar, quantity integer, line_status varchar);
create table available_stock (sku_code varchar, available integer);
"""

Line = tuple[str, int] | tuple[str, int, str | None]


class Inputs:
    """The engine's input tables on one connection, with helpers to add rows and run the engine."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con
        con.execute(SCHEMA)

    def order(self, key: str, *, platform: str = "taobao", shop_key: str = "tmall_flagship",
              tz: str | None = "Asia/Shanghai", status: str = "paid", paid_at: datetime | None = T0,
              created_at: datetime | None = None, shipped_at: datetime | None = None,
              ship_by: datetime | None = None, amount: str = "100.00", currency: str = "CNY",
              units: int | None = None, address_valid: bool | None = True, risk_flag: bool = False,
              payment_state: str | None = "paid", lines: Iterable[Line] = (("AP101-BLK-M", 1),)) -> None:
        lines = [(*line, "unpaid" if status == "unpaid" else "paid")[:3] for line in lines]
        created = created_at or (paid_at - timedelta(minutes=1) if paid_at else T0)
        self.con.execute(
            "insert into open_orders values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [key, platform, shop_key, tz, status, created, paid_at, shipped_at, ship_by, Decimal(amount),
             currency, units if units is not None else sum(line[1] for line in lines), address_valid,
             risk_flag, payment_state])
        for sku, quantity, line_status in lines:
            self.con.execute("insert into open_order_lines values (?, ?, ?, ?)", [key, sku, quantity, line_status])

    def stock(self, sku: str, available: int) -> None:
        self.con.execute("insert into available_stock values (?, ?)", [sku, available])

    def evaluate(self, now: datetime, policies: SlaPolicies | None = None) -> dict[str, dict[str, Any]]:
        table = evaluate(self.con, now, policies or SlaPolicies())
        return {row["order_key"]: row for row in table.to_pylist()}

    def stuck(self, now: datetime, policies: SlaPolicies | None = None) -> dict[str, dict[str, Any]]:
        table = stuck_orders(self.con, now, policies or SlaPolicies())
        return {row["order_key"]: row for row in table.to_pylist()}


@pytest.fixture
def inputs() -> Iterator[Inputs]:
    con = duckdb.connect(config={"threads": 2})
    yield Inputs(con)
    con.close()


def policies(**overrides: Any) -> SlaPolicies:
    """Default policies with some sections replaced (validated like the file, without the shops check)."""
    return SlaPolicies.model_validate(overrides)
