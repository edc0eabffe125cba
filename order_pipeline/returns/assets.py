"""The returns attribution asset: three warehouse tables from the refund and order-line marts (F11).

One step writes all three (`build_returns_attribution`, one transaction), in the writer pool like every other
writer of `warehouse.duckdb`. Open stages are measured up to the run's `as_of`: the run config's, else the
warehouse resource's (the instant the whole build pretends it is), else the clock's now. Publishing the tables
to serving.duckdb is the serving step's business, not this one's.
"""

# (no `from __future__ import annotations` here: Dagster reads the config class from the runtime annotation)
from datetime import datetime

import dagster as dg

from order_pipeline.clock import parse_instant
from order_pipeline.ingestion.resources import ClockResource
from order_pipeline.returns.attribution import build_returns_attribution
from order_pipeline.returns.columns import table_schema
from order_pipeline.returns.config import ReturnsConfigError, load_returns_settings
from order_pipeline.warehouse.resources import WRITER_POOL, WarehouseResource

OWNERS = ["team:data-platform"]
GROUP = "returns"
MART_DEPS = [dg.AssetKey("fct_refunds"), dg.AssetKey("fct_order_lines"), dg.AssetKey("currency_rates")]


class ReturnsRunConfig(dg.Config):
    as_of: str = ""  # ISO instant open stages count up to; empty = the warehouse's as_of, else now
    settings_file: str = ""  # empty = ORDER_PIPELINE_RETURNS_FILE or config/returns.yaml


def _spec(key: str, deps: list[dg.AssetKey], description: str) -> dg.AssetSpec:
    return dg.AssetSpec(key, group_name=GROUP, owners=OWNERS, kinds={"python", "duckdb"}, deps=deps,
                        description=description, metadata={"dagster/column_schema": table_schema(key)})


@dg.multi_asset(
    specs=[
        _spec("fct_refund_reasons", [dg.AssetKey("fct_refunds")],
              "Every refund's reason category (size/fit, quality, wrong item, not as described, damaged in "
              "transit, 7-day no reason, changed mind, missing part, late delivery, other) from the platform's "
              "code and the buyer's text, with what decided it; the original code and text kept."),
        _spec("fct_refund_attribution", [*MART_DEPS, dg.AssetKey("fct_refund_reasons")],
              "One row per refund: SKU, product, category, shop, platform, warehouse and batch (null until the "
              "order lines carry them), CNY amount, hours in each stage up to as_of, the bottleneck stage, and "
              "whether it could be approved without a person (and why not)."),
        _spec("rpt_returns_attribution", [dg.AssetKey("fct_refund_attribution"), dg.AssetKey("fct_order_lines")],
              "Returns and return rate (returned units / units sold) by reason and by platform, shop, category, "
              "product, SKU, warehouse and batch, each also per reason; CNY refunded, auto-approvable cases, "
              "median hours per stage and the bottleneck stage of each slice."),
    ],
    pool=WRITER_POOL,
)
def returns_attribution(context: dg.AssetExecutionContext, config: ReturnsRunConfig,
                        warehouse: WarehouseResource, clock: ClockResource):
    as_of = _as_of(config, warehouse, clock)
    try:
        settings = load_returns_settings(config.settings_file or None)
    except ReturnsConfigError as exc:
        raise dg.Failure(str(exc), allow_retries=False) from None
    with warehouse.connect() as con:
        summary = build_returns_attribution(con, as_of, settings)
    context.log.info("returns attribution as of %s: %d refunds, %.1f%% reason other, %d auto-approvable",
                     as_of.isoformat(), summary.refunds, 100 * summary.other_share, summary.auto_approval_eligible)
    common = {"as_of": as_of.isoformat()}
    yield dg.MaterializeResult(asset_key="fct_refund_reasons", metadata={
        **common, "dagster/row_count": summary.refunds, "by_reason_category": summary.by_reason_category,
        "other_share": summary.other_share, "distinct_reasons_classified": summary.distinct_reasons_classified})
    yield dg.MaterializeResult(asset_key="fct_refund_attribution", metadata={
        **common, "dagster/row_count": summary.refunds, "auto_approval_eligible": summary.auto_approval_eligible,
        "unknown_category": summary.unknown_category,
        "max_amount_cny": str(settings.auto_approval.max_amount_cny),
        "special_categories": list(settings.auto_approval.special_categories)})
    yield dg.MaterializeResult(asset_key="rpt_returns_attribution", metadata={
        **common, "dagster/row_count": summary.report_rows, "by_reason_category": summary.by_reason_category,
        "example_query": dg.MetadataValue.md(
            "```sql\nselect dimension_value as sku, returned_units, units_sold, return_rate, bottleneck_stage\n"
            "from rpt_returns_attribution where dimension = 'sku' and reason_category is null\n"
            "order by return_rate desc nulls last limit 20;\n```")})


def _as_of(config: ReturnsRunConfig, warehouse: WarehouseResource, clock: ClockResource) -> datetime:
    chosen = config.as_of or warehouse.as_of
    return parse_instant(chosen) if chosen else clock.get_clock().now()
