"""A hand-made warehouse for the returns attribution tests: the three inputs with the marts' real column types.

The types are those of a built warehouse (`describe fct_refunds` etc. on `make demo`'s output); the currency
rates are the real dbt seed, so a foreign-currency conversion is checked against the file analysts maintain.
Every row states only what a test cares about; the rest takes the defaults below.
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import duckdb

from order_pipeline.shops import PROJECT_ROOT

AS_OF = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
SEED = PROJECT_ROOT / "dbt_models" / "seeds" / "currency_rates.csv"

DDL = (
    """create table main.fct_refunds (
        refund_key VARCHAR, order_key VARCHAR, platform VARCHAR, shop_key VARCHAR, refund_id VARCHAR,
        order_id VARCHAR, line_id VARCHAR, sku_id VARCHAR, sku_code VARCHAR, refund_type VARCHAR, status VARCHAR,
        status_raw VARCHAR, reason_code VARCHAR, reason_text VARCHAR, amount DECIMAL(18,2), currency VARCHAR,
        quantity INTEGER, created_at TIMESTAMPTZ, approved_at TIMESTAMPTZ, goods_returned_at TIMESTAMPTZ,
        refunded_at TIMESTAMPTZ, modified_at TIMESTAMPTZ, business_date DATE, version_count BIGINT,
        last_pull_id VARCHAR, landing_file VARCHAR, file_row INTEGER, last_load_id BIGINT)""",
    """create table main.fct_order_lines (
        order_line_key VARCHAR, order_key VARCHAR, platform VARCHAR, shop_key VARCHAR, order_id VARCHAR,
        line_id VARCHAR, sku_id VARCHAR, sku_code VARCHAR, product_id VARCHAR, title VARCHAR, quantity INTEGER,
        unit_price DECIMAL(18,2), line_amount DECIMAL(18,2), currency VARCHAR, status VARCHAR,
        status_raw VARCHAR, shipped_at TIMESTAMPTZ, business_date DATE, customer_id VARCHAR,
        last_load_id BIGINT)""",
    """create table main.currency_rates (
        currency VARCHAR, cny_per_unit DECIMAL(18,6), minor_unit DECIMAL(18,2), as_of DATE)""",
)
SHOPS = {"taobao": ("tmall_flagship", "CNY"), "jd": ("jd_pop", "CNY"), "douyin": ("douyin_main", "CNY"),
         "shopee": ("shopee_sg", "SGD")}


def t(day: int, hour: int = 0) -> datetime:
    """An instant in November 2026 (UTC)."""
    return datetime(2026, 11, day, hour, tzinfo=UTC)


def create_inputs(con: duckdb.DuckDBPyConnection) -> None:
    for statement in DDL:
        con.execute(statement)
    with SEED.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            con.execute("insert into main.currency_rates values (?, ?, ?, ?)",
                        [row["currency"], row["cny_per_unit"], row["minor_unit"], row["as_of"]])


def _insert(con: duckdb.DuckDBPyConnection, table: str, row: dict[str, Any]) -> None:
    names = list(row)
    con.execute(f"insert into main.{table} ({', '.join(names)}) values ({', '.join('?' * len(names))})",
                [row[name] for name in names])


def add_line(con: duckdb.DuckDBPyConnection, order: str, line_id: str, sku_code: str | None, quantity: int,
             status: str = "completed", platform: str = "taobao", **overrides: Any) -> None:
    shop_key, currency = SHOPS[platform]
    order_id = order
    row = {"order_line_key": f"{platform}:{shop_key}:{order_id}:{line_id}",
           "order_key": f"{platform}:{shop_key}:{order_id}", "platform": platform, "shop_key": shop_key,
           "order_id": order_id, "line_id": line_id, "sku_id": f"sku-{sku_code}", "sku_code": sku_code,
           "product_id": f"prod-{(sku_code or '').split('-')[0]}", "title": f"title of {sku_code}",
           "quantity": quantity, "unit_price": Decimal("10.00"), "line_amount": Decimal("10.00") * quantity,
           "currency": currency, "status": status, "status_raw": status, "business_date": t(1).date(),
           "last_load_id": 1}
    _insert(con, "fct_order_lines", {**row, **overrides})


def add_refund(con: duckdb.DuckDBPyConnection, refund_id: str, order: str, line_id: str | None,
               amount: str, *, platform: str = "taobao", refund_type: str = "return_and_refund",
               status: str = "refunded", reason_code: str | None = "其他", reason_text: str | None = "",
               **overrides: Any) -> str:
    """A refund row; returns its refund_key."""
    shop_key, currency = SHOPS[platform]
    row = {"refund_key": f"{platform}:{shop_key}:{refund_id}", "order_key": f"{platform}:{shop_key}:{order}",
           "platform": platform, "shop_key": shop_key, "refund_id": refund_id, "order_id": order,
           "line_id": line_id, "sku_id": None, "sku_code": None, "refund_type": refund_type, "status": status,
           "status_raw": status, "reason_code": reason_code, "reason_text": reason_text,
           "amount": Decimal(amount), "currency": currency, "quantity": 1, "created_at": t(10),
           "approved_at": None, "goods_returned_at": None, "refunded_at": None, "modified_at": t(10),
           "business_date": t(10).date(), "version_count": 1, "last_pull_id": "pull-1",
           "landing_file": "refunds.parquet", "file_row": 0, "last_load_id": 1}
    row.update(overrides)
    _insert(con, "fct_refunds", row)
    return str(row["refund_key"])


def scenario(con: duckdb.DuckDBPyConnection) -> None:
    """Sold: AP106-BLK-M 2 (O1) + 3 (O2); O3 cancelled and O4 unpaid sell nothing; FF111-5J 1; EL117-BLK on
    two Shopee lines of one order (1 + 1); BE120-30 2 on Douyin; ZZ999-X 1 (no category); MB130-1P 1 refunded
    line (still sold); HM200-STD 4 without any refund."""
    create_inputs(con)
    add_line(con, "O1", "L1", "AP106-BLK-M", 2)
    add_line(con, "O1", "L2", "FF111-5J", 1)
    add_line(con, "O2", "L1", "AP106-BLK-M", 3, status="shipped")
    add_line(con, "O3", "L1", "AP106-BLK-M", 5, status="cancelled")
    add_line(con, "O4", "L1", "AP106-BLK-M", 4, status="unpaid")
    add_line(con, "O5", "i1", "EL117-BLK", 1, platform="shopee", sku_id="S1")
    add_line(con, "O5", "i2", "EL117-BLK", 1, platform="shopee", sku_id="S1")
    add_line(con, "O6", "d1", "BE120-30", 2, platform="douyin")
    add_line(con, "O7", "L1", "ZZ999-X", 1)
    add_line(con, "O8", "L1", "MB130-1P", 1, status="refunded")
    add_line(con, "O9", "L1", "HM200-STD", 4)
    # R1: a return through all stages (2 h, 24 h, 48 h), exactly 50.00 CNY
    add_refund(con, "R1", "O1", "L1", "50.00", sku_code="AP106-BLK-M", reason_code="尺码拍错/不喜欢/效果不好",
               reason_text="尺码偏小，穿不上", created_at=t(10), approved_at=t(10, 2), goods_returned_at=t(11, 2),
               refunded_at=t(13, 2), modified_at=t(13, 2))
    # R2: 50.01 CNY, 2 units, approved a day before as_of and the buyer has not sent them back; unmappable reason
    add_refund(con, "R2", "O2", "L1", "50.01", status="waiting_buyer_return", quantity=2, reason_code="XYZ-42",
               reason_text="🙂🙂", created_at=t(19, 11), approved_at=t(19, 12), modified_at=t(19, 12))
    # R3: fresh food (special), refund without return: no goods-return stage
    add_refund(con, "R3", "O1", "L2", "10.00", refund_type="refund_after_shipping", reason_code="包装/商品破损/污渍",
               created_at=t(15), approved_at=t(15, 3), refunded_at=t(15, 3), modified_at=t(15, 3))
    # R4 / R9: Shopee, no line id, matched by SKU code to one of two identical lines; 9.17 SGD = 49.98 CNY,
    # 9.18 SGD = 50.03 CNY (seed rate 5.45)
    add_refund(con, "R4", "O5", None, "9.17", platform="shopee", status="requested", reason_code="WRONG_ITEM",
               sku_code="EL117-BLK", created_at=t(20, 2), modified_at=t(20, 2))
    add_refund(con, "R9", "O5", None, "9.18", platform="shopee", status="closed", reason_code="OTHER",
               reason_text="changed my mind", sku_code="EL117-BLK", created_at=t(18), modified_at=t(18, 5))
    # R5: Douyin sends no SKU code: the line gives it (beauty, special); rejected 6 h after the request
    add_refund(con, "R5", "O6", "d1", "60.00", platform="douyin", status="rejected", reason_code="七天无理由退货",
               created_at=t(18), modified_at=t(18, 6))
    # R6: price protection on a SKU no prefix knows
    add_refund(con, "R6", "O7", "L1", "5.00", refund_type="price_protection", reason_code="其他", reason_text="",
               created_at=t(12), approved_at=t(12, 1), refunded_at=t(12, 1), modified_at=t(12, 1))
    # R7: JD, order not in the lines, a currency without a rate
    add_refund(con, "R7", "O99", "x", "30.00", platform="jd", status="requested", reason_code="不想要了",
               currency="XXX", created_at=t(19, 12), modified_at=t(19, 12))
    # R8: an exchange approved, never sent back, closed a week later (mother & baby, special)
    add_refund(con, "R8", "O8", "L1", "12.00", refund_type="exchange", status="closed", reason_code="质量问题",
               created_at=t(1), approved_at=t(1, 4), modified_at=t(8, 4))
