"""GX gates as blocking asset checks: what each gate catches, masked samples, blocking in Dagster.

Frames come from DuckDB `.df()` as in the pipeline (pandas 3 str, tz-aware timestamps, DECIMAL as float64)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest

from order_pipeline.clock import FrozenClock
from order_pipeline.warehouse.quality.checks import (
    Batch,
    check_result,
    evaluate,
    gx_asset_check,
    outcome_metadata,
)
from order_pipeline.warehouse.quality.gates import Personal
from order_pipeline.warehouse.quality.runner import mask
from order_pipeline.warehouse.quality.suites import ALL_SUITES, MART_SUITES, STAGING_SUITES
from order_pipeline.warehouse.quality.suites import DIM_CUSTOMERS as CUSTOMERS
from order_pipeline.warehouse.quality.suites import FCT_ORDER_LINES as LINES
from order_pipeline.warehouse.quality.suites import FCT_ORDERS as ORDERS
from order_pipeline.warehouse.quality.suites import FCT_ORDERS_RECEIVER_SHARES as SHARES
from order_pipeline.warehouse.quality.suites import FCT_REFUNDS as REFUNDS

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
N = 100
_T0 = "timestamptz '2026-01-01 00:00:00+00' + to_seconds(i * 3600)"

SQL = {
    "fct_orders": f"""select 'taobao:s1:' || i as order_key,
        (['unpaid','paid','partly_shipped','shipped','completed','cancelled'])[1 + i % 6] as status,
        (['CNY','SGD','IDR','BRL'])[1 + i % 4] as currency, (100 + i)::decimal(18,2) as total_amount,
        (100 + i)::decimal(18,2) as paid_amount, 8.00::decimal(18,2) as shipping_fee,
        (i % 2 * 0.01)::decimal(18,2) as order_total_gap, 0.02::decimal(18,2) as order_total_tolerance,
        {_T0} as created_at, case when i % 6 = 0 then null else {_T0} + interval 1 minute end as paid_at,
        {_T0} + interval 2 hour as modified_at, true as phone_valid, true as address_valid,
        '138****' || lpad(i::varchar, 4, '0') as phone_masked, '张*' as receiver_name_masked,
        '浙江省' as province, '杭州市' as city, '西湖区' as district from range({N}) t(i)""",
    "fct_order_lines": f"""select 'taobao:s1:' || i || ':1' as order_line_key, 'taobao:s1:' || i as order_key,
        (1 + i % 3)::integer as quantity, 9.90::decimal(18,2) as unit_price,
        (9.90 * (1 + i % 3))::decimal(18,2) as line_amount, 'paid' as status, 'sku_' || i as sku_id,
        'item_' || i as product_id, '保温杯 500ml' as title from range({N}) t(i)""",
    "fct_refunds": f"""select 'r' || i as refund_key, 'refunded' as status, 'return_and_refund' as refund_type,
        5.00::decimal(18,2) as amount, 1::integer as quantity, {_T0} as created_at,
        {_T0} + interval 1 day as modified_at from range({N}) t(i)""",
    "dim_customers": f"""select 'cus_' || md5(i::varchar)[1:24] as customer_id, 1 + i % 4 as orders,
        '139****' || lpad(i::varchar, 4, '0') as phone_masked from range({N}) t(i)""",
    "fct_inventory_snapshots": f"""select (['platform','wms','pool'])[1 + i % 3] || ':k:' || i as snapshot_key,
        (['platform','wms','pool'])[1 + i % 3] as system, 'AP101-' || i as sku_code, 10 + i as on_hand,
        case when i % 3 = 1 then -2 else 5 + i end as available, 3 as reserved, 0 as incoming,
        2 as safety_stock, {_T0} as snapshot_at from range({N}) t(i)""",
    "stg_orders": f"""select 'jd' as platform, 'jd:s1' as shop_key, (5000 + i)::varchar as order_id,
        'paid' as status, 'WAIT_SELLER_STOCK_OUT' as status_raw, 10.00::decimal(18,2) as total_amount,
        10.00::decimal(18,2) as paid_amount, {_T0} as created_at, {_T0} as modified_at,
        null::varchar as quarantine_reason from range({N}) t(i)""",
}


def frame(name: str) -> pd.DataFrame:
    with duckdb.connect() as con:
        return con.sql(SQL[name]).df()


@pytest.mark.parametrize("suite", [*MART_SUITES, STAGING_SUITES[0]], ids=lambda s: s.name)
def test_clean_tables_pass_every_gate(suite):
    outcome = evaluate(suite, frame(suite.table if suite in MART_SUITES else "stg_orders"), NOW)
    assert outcome.passed and not outcome.warnings, [g for g in outcome.gates if not g.passed]
    assert outcome.rows_validated == N and all(g.element_count == N for g in outcome.gates)
    result = check_result(outcome)
    assert result.passed and result.metadata["suite_version"].value == suite.version


def test_suites_are_consistent():
    """Gate names unique per suite; every column a gate reads or samples is loaded or derived."""
    for suite in ALL_SUITES:
        assert len({g.name for g in suite.gates}) == len(suite.gates), suite.name
        available = set(suite.columns) | set(suite.derived)
        for gate in suite.gates:
            assert {gate.kwargs.get("column"), gate.sample_column} - {None} <= available, (suite.name, gate.name)


def test_duplicate_order_key_fails_as_error():
    orders = frame("fct_orders")
    orders.loc[7, "order_key"] = orders.loc[3, "order_key"]
    outcome = evaluate(ORDERS, orders, NOW)
    assert (outcome.errors, outcome.warnings) == (["order_key_unique"], [])
    gate = next(g for g in outcome.gates if g.gate == "order_key_unique")
    assert gate.unexpected_count == 2 and gate.samples == ("taobao:s1:3",)
    assert (check_result(outcome).passed, check_result(outcome).severity) == (False, dg.AssetCheckSeverity.ERROR)


@pytest.mark.parametrize(("column", "value", "gate"), [
    ("paid_amount", -1.0, "paid_amount_non_negative"),
    ("shipping_fee", -0.01, "shipping_fee_non_negative"),
    ("order_total_gap", 0.05, "order_total_within_tolerance"),
    ("created_at", pd.Timestamp("2014-12-31", tz="UTC"), "created_at_plausible"),
    ("created_at", pd.Timestamp("2026-11-22", tz="UTC"), "created_at_plausible"),  # beyond now + 1 day
    ("paid_at", pd.Timestamp("2025-12-31", tz="UTC"), "paid_not_before_created"),
    ("modified_at", pd.Timestamp("2025-12-31", tz="UTC"), "modified_not_before_created"),
    ("currency", "EUR", "currency_known"),
    ("status", "unknown", "status_known"),
    ("district", "西湖\u200b区", "district_no_invisible_chars"),
    ("city", "杭州市\ufeff", "city_no_invisible_chars"),
])
def test_each_mart_gate_catches_its_fault_as_error(column, value, gate):
    orders = frame("fct_orders")
    orders.loc[1, column] = value
    outcome = evaluate(ORDERS, orders, NOW)
    assert gate in outcome.errors and not outcome.passed
    # The tolerance gate is fine at exactly 0.01 per line (row 1 has gap 0.01 <= 0.02): only the fault fails.
    assert {*outcome.errors, *outcome.warnings} == {gate} or column == "created_at"
    if column == "district":  # samples show where the invisible character is
        assert next(g for g in outcome.gates if g.gate == gate).samples == ("西湖\\u200b区",)


@pytest.mark.parametrize("flag", ["phone", "address"])
@pytest.mark.parametrize(("invalid", "errors", "warnings"), [
    (3, [], []),  # 97% valid: within the 95% warn threshold
    (10, [], ["warn"]),  # degraded: shown, not blocking
    (25, ["error"], ["warn"]),  # broken parser: blocks
])
def test_validity_flags_warn_then_block(flag, invalid, errors, warnings):
    orders = frame("fct_orders")
    orders.loc[: invalid - 1, f"{flag}_valid"] = False
    outcome = evaluate(SHARES, orders, NOW)
    assert outcome.errors == [f"{flag}_valid_{e}" for e in errors]
    assert outcome.warnings == [f"{flag}_valid_{w}" for w in warnings]
    result = check_result(outcome)
    assert result.passed == (not warnings)
    if warnings:
        assert result.severity == (dg.AssetCheckSeverity.ERROR if errors else dg.AssetCheckSeverity.WARN)


def test_unmapped_status_blocks_the_mart_but_only_warns_in_staging():
    staging = frame("stg_orders")
    staging.loc[4, ["status", "status_raw"]] = ["unknown", "WAIT_GOODS_RECEIVE_CONFIRM_NEW"]
    outcome = evaluate(STAGING_SUITES[1], staging, NOW)
    assert outcome.passed and outcome.warnings == ["status_mapped"]
    assert next(g for g in outcome.gates if g.gate == "status_mapped").samples == ("WAIT_GOODS_RECEIVE_CONFIRM_NEW",)
    orders = frame("fct_orders")
    orders.loc[4, "status"] = "unknown"
    assert evaluate(ORDERS, orders, NOW).errors == ["status_known"]


def test_staging_skips_quarantined_rows():
    staging = frame("stg_orders")
    staging.loc[2, ["paid_amount", "quarantine_reason"]] = [-5.0, "unparseable_amount"]
    staging.loc[3, ["order_id", "quarantine_reason"]] = [None, "missing_key"]
    outcome = evaluate(STAGING_SUITES[0], staging, NOW)
    assert outcome.passed and not outcome.warnings and outcome.rows_validated == N - 2
    staging.loc[2, "quarantine_reason"] = None
    assert evaluate(STAGING_SUITES[0], staging, NOW).errors == ["paid_amount_non_negative"]


@pytest.mark.parametrize(("suite", "column", "value", "gate"), [
    (LINES, "quantity", 0, "quantity_positive"),
    (LINES, "title", "保温杯\u00ad500ml", "title_no_invisible_chars"),
    (LINES, "status", "unknown", "status_known"),
    (REFUNDS, "refund_type", "unknown", "refund_type_known"),
    (REFUNDS, "amount", -3.0, "amount_non_negative"),
    (CUSTOMERS, "customer_id", "cus_XYZ", "customer_id_format"),
    (CUSTOMERS, "orders", 0, "orders_at_least_one"),
])
def test_other_marts_gates(suite, column, value, gate):
    data = frame(suite.name)
    data.loc[5, column] = value
    assert evaluate(suite, data, NOW).errors == [gate]


def test_a_line_without_sku_passes_and_one_without_product_only_warns():
    """A Taobao item without SKUs sends no sku_id (its num_iid is the product): a real sale, never blocked."""
    lines = frame("fct_order_lines")
    lines.loc[5, "sku_id"] = None
    outcome = evaluate(LINES, lines, NOW)
    assert outcome.passed and not outcome.warnings
    lines.loc[5, "product_id"] = None
    outcome = evaluate(LINES, lines, NOW)
    assert outcome.passed and outcome.warnings == ["product_identified"]


def test_a_gate_gx_cannot_evaluate_fails_closed():
    outcome = evaluate(CUSTOMERS, frame("dim_customers").drop(columns=["phone_masked"]), NOW)
    assert outcome.errors == ["phone_masked_not_raw"] and "does not exist" in outcome.gates[-1].error


def test_samples_never_carry_raw_personal_data():
    """Attack case: the raw phone and name land in the *masked* columns and are the failing values."""
    orders = frame("fct_orders")
    orders.loc[:29, "phone_valid"] = False
    orders.loc[:29, "phone_masked"] = "13812345678"
    orders.loc[:4, "receiver_name_masked"] = "张三丰\u200b"
    customers = frame("dim_customers")
    customers.loc[:2, "phone_masked"] = ["13812345678", "+86 138 1234 5678", "138-1234-5678"]
    texts = []
    for suite, data, gates in ((SHARES, orders, {"phone_valid_error"}),
                               (ORDERS, orders, {"receiver_name_masked_no_invisible_chars"}),
                               (CUSTOMERS, customers, {"phone_masked_not_raw"})):
        outcome = evaluate(suite, data, NOW)
        assert gates <= set(outcome.errors)
        texts.append(json.dumps({k: str(v.value) for k, v in outcome_metadata(outcome).items()}, ensure_ascii=False))
    everything = "\n".join(texts)
    assert "13812345678" not in everything and "1234 5678" not in everything and "张三丰" not in everything
    assert "138****5678" in everything and "张*" in everything


def test_mask():
    assert mask("13812345678", Personal.PHONE) == "138****5678"
    assert mask("+65 9123 4567", Personal.PHONE) == "659****4567"
    assert mask("12", Personal.PHONE) == "***"
    assert mask("张三丰", Personal.NAME) == "张*"
    assert mask("Jl. Sudirman 1", Personal.OTHER) == "***"
    assert mask(None, Personal.PHONE) is None
    assert mask("a\x00b", None) == "a\\x00b"


def test_arrow_backed_frames_are_normalised():
    with duckdb.connect() as con:
        data = con.sql(SQL["fct_order_lines"]).to_arrow_table().to_pandas(types_mapper=pd.ArrowDtype)
    data.loc[5, "quantity"] = 0
    assert evaluate(LINES, data, NOW).errors == ["quantity_positive"]


def _materialize(tmp_path: Path, orders: pd.DataFrame, suite=ORDERS) -> dg.ExecuteInProcessResult:
    """fct_orders (writes a DuckDB table) -> gx check (blocking) -> serving (downstream)."""
    database = str(tmp_path / "warehouse.duckdb")

    @dg.asset
    def fct_orders() -> None:
        with duckdb.connect(database) as con:
            con.register("orders_frame", orders)
            con.execute("create or replace table fct_orders as select * from orders_frame")

    @dg.asset(deps=[fct_orders])
    def serving() -> None:
        (tmp_path / "published").write_text("ok")

    def load_frame(context, columns: list[str]) -> pd.DataFrame:
        with duckdb.connect(database, read_only=True) as con:
            return con.sql(f"select {', '.join(columns)} from fct_orders").df()

    check = gx_asset_check(fct_orders.key, suite, load_frame, clock=FrozenClock(NOW))
    return dg.materialize([fct_orders, serving, check], raise_on_error=False)


def test_error_gate_blocks_downstream_in_dagster(tmp_path):
    orders = frame("fct_orders")
    orders.loc[2, "total_amount"] = -10.0
    result = _materialize(tmp_path, orders)
    [evaluation] = result.get_asset_check_evaluations()
    assert evaluation.check_name == "gx_fct_orders" and not evaluation.passed
    assert evaluation.severity == dg.AssetCheckSeverity.ERROR
    assert evaluation.metadata["failed_error_gates"].value == "total_amount_non_negative"
    materialized = {e.asset_key for e in result.get_asset_materialization_events()}
    assert dg.AssetKey("fct_orders") in materialized and dg.AssetKey("serving") not in materialized
    assert not (tmp_path / "published").exists() and not result.success


def test_warn_only_failure_does_not_block(tmp_path):
    orders = frame("fct_orders")
    orders.loc[:9, "phone_valid"] = False
    result = _materialize(tmp_path, orders, SHARES)
    [evaluation] = result.get_asset_check_evaluations()
    assert not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.WARN
    assert evaluation.metadata["rows_validated"].value == N
    assert (tmp_path / "published").read_text() == "ok" and result.success


def test_no_suite_validated_by_batch_blocks_on_a_share():
    """A blocking share (phones valid above 80%) judged on a batch of 20 new orders would block on noise."""
    from order_pipeline.warehouse.quality.gates import Severity
    from order_pipeline.warehouse.quality.suites import ALL_SUITES

    batched = [s for s in ALL_SUITES if s.load_column]
    assert {s.table for s in batched} >= {"fct_orders", "fct_order_lines", "fct_refunds", "stg_shopee__orders"}
    assert len({s.table for s in batched}) == len(batched), "one batched suite per table: one record per table"
    for suite in batched:
        assert not [g.name for g in suite.gates if g.severity is Severity.ERROR and g.kwargs.get("mostly", 1) < 1]


def test_a_batch_is_recorded_as_validated_only_when_no_error_gate_failed(tmp_path):
    recorded: list[int] = []

    def run(suite, rows: pd.DataFrame) -> dg.AssetCheckEvaluation:
        @dg.asset(name=suite.table)
        def asset() -> None:
            pass

        def load_frame(context, columns: list[str]) -> Batch:
            return Batch(rows[columns], scope="last_load_id > 6", newest_load=7)

        check = gx_asset_check(asset.key, suite, load_frame, clock=FrozenClock(NOW),
                               record_validated=lambda context, load: recorded.append(load))
        [evaluation] = dg.materialize([asset, check], raise_on_error=False).get_asset_check_evaluations()
        return evaluation

    bad = frame("fct_orders")
    bad.loc[2, "paid_amount"] = -1.0
    evaluation = run(ORDERS, bad)
    assert not evaluation.passed and recorded == [], "a failed ERROR gate validates the same rows next run"
    assert evaluation.metadata["rows_scope"].value == "last_load_id > 6"
    warned = frame("stg_orders")
    warned.loc[:9, "status"] = "unknown"  # status_mapped: WARN in staging
    evaluation = run(STAGING_SUITES[0], warned)
    assert evaluation.metadata["failed_warn_gates"].value == "status_mapped"
    assert not evaluation.passed and recorded == [7], "a WARN failure does not hold the rows back"


def test_a_negative_available_blocks_except_in_the_warehouse_system():
    """The WMS may be oversold (negative available, kept: the oversell checks read it); a platform may not."""
    from order_pipeline.warehouse.quality.suites import FCT_INVENTORY_SNAPSHOTS as SNAPSHOTS

    data = frame("fct_inventory_snapshots")
    assert (data.loc[data["system"] == "wms", "available"] < 0).all()
    assert evaluate(SNAPSHOTS, data, NOW).passed
    data.loc[data["system"] == "platform", "available"] = -1
    failed = {g.gate for g in evaluate(SNAPSHOTS, data, NOW).gates if not g.passed}
    assert failed == {"available_non_negative_off_wms"}


def test_gx_holds_no_frame_after_a_suite():
    """GX caches each asset's last batch data: without clearing it, a run worker kept every suite's frame
    (~700 MB of staging rows on a full build) through the dbt steps that follow."""
    import gc

    rows = 4321  # a length no other frame in this process has
    orders = pd.concat([frame("fct_orders")] * (rows // N + 1)).head(rows)
    orders["order_key"] = [f"taobao:s1:{i}" for i in range(rows)]
    assert evaluate(ORDERS, orders, NOW).passed
    del orders
    gc.collect()
    assert not [o for o in gc.get_objects() if isinstance(o, pd.DataFrame) and len(o) == rows]
