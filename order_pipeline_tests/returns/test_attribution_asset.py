"""The returns attribution asset in Dagster: materialised on a warehouse file holding the hand-made marts."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
import pytest

from order_pipeline import returns
from order_pipeline.ingestion.resources import ClockResource
from order_pipeline.returns.assets import returns_attribution
from order_pipeline.warehouse.resources import WRITER_POOL, WarehouseResource
from order_pipeline_tests.returns.attribution_fixtures import AS_OF, scenario


@pytest.fixture
def warehouse(tmp_path: Path) -> WarehouseResource:
    resource = WarehouseResource(data_dir=str(tmp_path / "data"), pii_key="not-used-by-this-asset")
    resource.root().mkdir(parents=True)
    con = duckdb.connect(str(resource.warehouse_path()))
    con.execute("set TimeZone = 'UTC'")
    scenario(con)
    con.close()
    return resource


def test_materialise_writes_the_three_tables_with_metadata(warehouse: WarehouseResource):
    result = dg.materialize([returns_attribution], resources={
        "warehouse": warehouse, "clock": ClockResource(fixed_now=AS_OF.isoformat())})
    assert result.success
    metadata = {event.asset_key.to_user_string(): event.step_materialization_data.materialization.metadata
                for event in result.get_asset_materialization_events()}
    assert set(metadata) == {"fct_refund_reasons", "fct_refund_attribution", "rpt_returns_attribution"}
    reasons = metadata["fct_refund_reasons"]
    assert reasons["dagster/row_count"].value == 9
    assert reasons["by_reason_category"].value["other"] == 2  # R2 unmappable, R6 says nothing
    assert reasons["other_share"].value == pytest.approx(2 / 9, abs=1e-4)
    assert reasons["as_of"].value == AS_OF.isoformat()  # the clock's now: no as_of configured
    assert metadata["fct_refund_attribution"]["auto_approval_eligible"].value == 2
    with warehouse.connect(read_only=True) as con:
        open_hours = con.execute("""select hours_to_return_goods from main.fct_refund_attribution
                                    where refund_key like '%:R2'""").fetchall()
        report_rows = con.execute("select count(*) from main.rpt_returns_attribution").fetchall()[0][0]
    assert open_hours == [(24.0,)]
    assert metadata["rpt_returns_attribution"]["dagster/row_count"].value == report_rows > 0


def test_run_config_as_of_wins_and_a_bad_settings_file_fails_the_step(warehouse: WarehouseResource,
                                                                      tmp_path: Path):
    resources = {"warehouse": warehouse, "clock": ClockResource(fixed_now=AS_OF.isoformat())}
    config = {"as_of": "2026-11-21T12:00:00+00:00"}
    result = dg.materialize([returns_attribution], resources=resources,
                            run_config={"ops": {"returns_attribution": {"config": config}}})
    assert result.success
    with warehouse.connect(read_only=True) as con:
        assert con.execute("""select hours_to_return_goods from main.fct_refund_attribution
                              where refund_key like '%:R2'""").fetchall() == [(48.0,)]
    bad = tmp_path / "returns.yaml"
    bad.write_text("category_by_sku_prefix: {FF: fresh_food}\nauto_approval: {special_categories: [toys]}\n")
    failed = dg.materialize([returns_attribution], resources=resources, raise_on_error=False,
                            run_config={"ops": {"returns_attribution": {"config": {"settings_file": str(bad)}}}})
    assert not failed.success
    failure = failed.get_step_failure_events()[0].step_failure_data.error
    assert "special_categories[0]: unknown category 'toys'" in failure.message


def test_asset_spec_and_definitions():
    specs = {spec.key.to_user_string(): spec for spec in returns_attribution.specs}
    assert set(specs) == {"fct_refund_reasons", "fct_refund_attribution", "rpt_returns_attribution"}
    attribution = specs["fct_refund_attribution"]
    assert {dep.asset_key.to_user_string() for dep in attribution.deps} == {
        "fct_refunds", "fct_order_lines", "currency_rates", "fct_refund_reasons"}
    assert attribution.group_name == "returns" and attribution.owners == ["team:data-platform"]
    assert attribution.kinds == {"python", "duckdb"}
    schema = attribution.metadata["dagster/column_schema"]
    assert "auto_approval_reason" in [column.name for column in schema.columns]
    assert returns_attribution.op.pool == WRITER_POOL
    defs = dg.Definitions.merge(returns.definitions(), dg.Definitions(resources={
        "warehouse": WarehouseResource(pii_key="x"), "clock": ClockResource()}))
    assert defs.resolve_job_def("returns_attribution_job").asset_layer.executable_asset_keys == {
        dg.AssetKey(key) for key in specs}
