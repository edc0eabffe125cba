"""Returns attribution on a hand-made warehouse: one row per refund, rates against units sold, auto-approval at
its boundary, stage hours and bottlenecks, report totals that add up, and reruns that change nothing.

The scenario (as_of 2026-11-20 12:00 UTC) is small enough that every expected number below is worked out by
hand from the rows of `attribution_fixtures.scenario`, not by re-running the SQL's logic in Python.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from order_pipeline.returns.attribution import RETURNS_TABLES, build_returns_attribution
from order_pipeline.returns.columns import COLUMNS
from order_pipeline.returns.config import load_returns_settings
from order_pipeline_tests.returns.attribution_fixtures import AS_OF, scenario, t


@pytest.fixture
def con(tmp_path: Path):
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    connection.execute("set TimeZone = 'UTC'")
    scenario(connection)
    build_returns_attribution(connection, AS_OF, load_returns_settings())
    yield connection
    connection.close()


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[tuple]:
    return con.execute(sql, params or []).fetchall()


def attribution(con: duckdb.DuckDBPyConnection, refund_id: str, columns: str) -> tuple:
    found = rows(con, f"select {columns} from main.fct_refund_attribution where refund_key like ?",
                 [f"%:{refund_id}"])
    assert len(found) == 1, found
    return found[0]


def report(con: duckdb.DuckDBPyConnection, dimension: str, value: str | None, reason: str | None = None) -> dict:
    found = con.execute("""select * from main.rpt_returns_attribution where dimension = ?
                           and dimension_value is not distinct from ? and reason_category is not distinct from ?""",
                        [dimension, value, reason])
    names = [d[0] for d in found.description]
    result = found.fetchall()
    assert len(result) == 1, (dimension, value, reason, result)
    return dict(zip(names, result[0], strict=True))


def test_every_refund_once_whatever_its_reason(con):
    keys = rows(con, "select refund_key from main.fct_refunds order by 1")
    assert rows(con, "select refund_key from main.fct_refund_attribution order by 1") == keys
    assert rows(con, "select refund_key from main.fct_refund_reasons order by 1") == keys
    assert attribution(con, "R2", "reason_category, reason_matched_by, reason_code, reason_text") == \
        ("other", "fallback", "XYZ-42", "🙂🙂")
    assert attribution(con, "R1", "reason_category") == ("size_fit",)
    assert attribution(con, "R4", "reason_category, reason_matched_by") == ("wrong_item", "code")


def test_attributes_from_the_refund_or_its_line(con):
    # Douyin sends no SKU code: the line's; Shopee has no line id: the SKU code, one of two matching lines
    assert attribution(con, "R5", "sku_code, product_code, product_id, category") == \
        ("BE120-30", "BE120", "prod-BE120", "beauty")
    assert attribution(con, "R4", "sku_code, product_title, category") == \
        ("EL117-BLK", "title of EL117-BLK", "electronics")
    assert attribution(con, "R6", "category") == ("unknown",)
    assert attribution(con, "R7", "sku_code, product_id, category") == (None, None, "unknown")
    assert attribution(con, "R1", "warehouse_code, batch_no") == (None, None)


def test_auto_approval_at_the_boundary(con):
    assert attribution(con, "R1", "amount_cny, auto_approval_eligible, auto_approval_reason") == \
        (Decimal("50.00"), True, None)
    amount, eligible, why = attribution(con, "R2", "amount_cny, auto_approval_eligible, auto_approval_reason")
    assert (amount, eligible, why) == (Decimal("50.01"), False, "amount over the 50.00 CNY limit")
    assert attribution(con, "R4", "currency, amount_cny, auto_approval_eligible") == ("SGD", Decimal("49.98"), True)
    assert attribution(con, "R9", "amount_cny, auto_approval_eligible") == (Decimal("50.03"), False)
    assert attribution(con, "R3", "auto_approval_eligible, auto_approval_reason") == \
        (False, "special category fresh_food")
    assert attribution(con, "R5", "auto_approval_reason") == \
        ("amount over the 50.00 CNY limit; special category beauty",)
    assert attribution(con, "R6", "auto_approval_reason") == \
        ("category unknown (SKU not in category_by_sku_prefix)",)
    eligible, why = attribution(con, "R7", "auto_approval_eligible, auto_approval_reason")
    assert not eligible and why.startswith("no CNY rate for currency XXX")


def test_stage_hours_and_bottleneck(con):
    stages = "hours_to_approve, hours_to_return_goods, hours_to_refund, open_stage, bottleneck_stage"
    assert attribution(con, "R1", stages) == (2.0, 24.0, 48.0, None, "refund")
    # open in goods return: counts up to as_of (approved 11-19 12:00, as_of 11-20 12:00)
    assert attribution(con, "R2", stages) == (1.0, 24.0, None, "goods_return", "goods_return")
    # refund without return: the goods-return stage is skipped, the refund counts from approval
    assert attribution(con, "R3", stages) == (3.0, None, 0.0, None, "approval")
    assert attribution(con, "R4", stages) == (10.0, None, None, "approval", "approval")
    # ended cases stop the clock when they ended
    assert attribution(con, "R5", stages + ", closed_at") == (6.0, None, None, None, "approval", t(18, 6))
    assert attribution(con, "R8", stages) == (4.0, 168.0, None, None, "goods_return")


def test_return_rate_against_units_sold(con):
    # AP106-BLK-M: 5 units sold (cancelled and unpaid lines do not count); R1 1 unit + R2 2 units returned
    sku = report(con, "sku", "AP106-BLK-M")
    assert (sku["refunds"], sku["returns"], sku["returned_units"], sku["units_sold"]) == (2, 2, 3, 5)
    assert sku["return_rate"] == pytest.approx(0.6)
    assert report(con, "sku", "AP106-BLK-M", "size_fit")["return_rate"] == pytest.approx(0.2)
    # taobao sold 2+1+3+1+1+4 = 12; returns R1 (1), R2 (2), R3 (1); R6 price protection, R8 closed are not
    taobao = report(con, "platform", "taobao")
    assert (taobao["refunds"], taobao["returned_units"], taobao["units_sold"]) == (5, 4, 12)
    # a slice with refunds and no units sold: rate null, not an error
    jd = report(con, "platform", "jd")
    assert (jd["refunds"], jd["units_sold"], jd["return_rate"]) == (1, 0, None)
    # a slice with units sold and no refunds is there too, at rate 0
    home = report(con, "category", "home")
    assert (home["refunds"], home["units_sold"], home["return_rate"]) == (0, 4, 0.0)
    # rejected (R5) is a refund but not a return; rate by reason is against all units sold (16)
    assert report(con, "category", "beauty")["returns"] == 0
    everything = report(con, "all", "all")
    assert (everything["refunds"], everything["units_sold"]) == (9, 16)
    assert report(con, "reason", "size_fit", "size_fit")["return_rate"] == pytest.approx(1 / 16)
    assert report(con, "warehouse", None)["refunds"] == 9


def test_report_amounts_approvals_and_stages(con):
    everything = report(con, "all", "all")
    # not rejected or closed: R1 50.00 + R2 50.01 + R3 10.00 + R4 49.98 + R6 5.00 (+ R7 without a rate)
    assert everything["refund_amount_cny"] == Decimal("164.99")
    assert everything["refunds_without_cny_amount"] == 1
    assert everything["auto_approval_eligible"] == 2  # R1, R4
    sku = report(con, "sku", "AP106-BLK-M")  # approve: R1 2, R2 1; goods: 24, 24; refund: R1 48
    assert (sku["median_hours_to_approve"], sku["median_hours_to_return_goods"], sku["median_hours_to_refund"],
            sku["bottleneck_stage"]) == (1.5, 24.0, 48.0, "refund")


def test_grouping_totals_add_up(con):
    measures = "refunds, returns, returned_units, refund_amount_cny, refunds_without_cny_amount, auto_approval_eligible"
    sums = ", ".join(f"sum({m})" for m in measures.split(", "))
    by_reason = rows(con, f"""select dimension, dimension_value, {sums} from main.rpt_returns_attribution
                             where reason_category is not null and dimension <> 'reason' group by all order by all""")
    totals = rows(con, f"""select dimension, dimension_value, {measures} from main.rpt_returns_attribution
                          where reason_category is null and refunds > 0 order by all""")
    assert [r for r in totals if r[0] != "all"] == by_reason
    overall = rows(con, f"select {measures} from main.rpt_returns_attribution where dimension = 'all'")
    assert len(overall) == 1
    for dimension in ("reason", "platform", "shop", "category", "product", "sku", "warehouse", "batch"):
        summed = rows(con, f"""select {sums} from main.rpt_returns_attribution
                               where dimension = ? and (reason_category is null or dimension = 'reason')""",
                      [dimension])
        assert summed == overall, dimension


def test_rerun_gives_the_same_tables(con):
    before = {table: rows(con, f"select * from main.{table} order by all") for table in RETURNS_TABLES}
    build_returns_attribution(con, AS_OF, load_returns_settings())
    after = {table: rows(con, f"select * from main.{table} order by all") for table in RETURNS_TABLES}
    assert after == before
    assert len(before["fct_refund_attribution"]) == 9


def test_tables_have_the_documented_columns(con):
    for table, columns in COLUMNS.items():
        described = [(name, kind) for name, kind, *_ in rows(con, f"describe main.{table}")]
        assert described == [(name, kind) for name, kind, _ in columns], table
