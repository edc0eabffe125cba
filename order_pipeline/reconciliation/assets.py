"""The nightly reconciliation's report assets: stock across systems per business day (F10).

The report is partitioned by the Asia/Shanghai business day (`partitions.py`), so any past day can be re-run
or backfilled from the UI; a rerun replaces that day's rows. It reads the warehouse marts in the writer pool
and republishes only its own table into serving.duckdb, like the alert job does.
"""

import dagster as dg

from order_pipeline.alerts import DeliverySettings, load_alert_config
from order_pipeline.ingestion.resources import ClockResource
from order_pipeline.reconciliation.completeness_report import read_report, report_path, store_completeness
from order_pipeline.reconciliation.inventory import AUDIT_THRESHOLD_PCT, reconcile_day
from order_pipeline.reconciliation.partitions import day_of, nightly_partitions
from order_pipeline.reconciliation.summary import TOPIC, send_summary
from order_pipeline.warehouse.publish import republish_tables
from order_pipeline.warehouse.resources import WRITER_POOL, WarehouseResource

OWNERS = ["team:data-platform"]
REPORT_SCHEMA = dg.TableSchema(columns=[
    dg.TableColumn("business_date", "DATE", description="the reconciled day (Asia/Shanghai): the partition"),
    dg.TableColumn("sku_code", "VARCHAR", description="merchant SKU code"),
    dg.TableColumn("system_a", "VARCHAR", description="the pair's system of record: wms or pool"),
    dg.TableColumn("system_b", "VARCHAR", description="the system compared with it: pool or platform"),
    dg.TableColumn("scope", "VARCHAR", description="'*' (all channels) or the shop of a pool/platform pair"),
    dg.TableColumn("quantity_a", "BIGINT", description="system a's units (null: it does not report the SKU)"),
    dg.TableColumn("quantity_b", "BIGINT", description="system b's units (null: it does not report the SKU)"),
    dg.TableColumn("missing_in", "VARCHAR", description="the system of the pair that lacks the SKU"),
    dg.TableColumn("deviation", "BIGINT", description="quantity_a - quantity_b (missing = 0)"),
    dg.TableColumn("deviation_pct", "DECIMAL(9,2)", description="|deviation| / quantity_a x 100"),
    dg.TableColumn("flagged_for_audit", "BOOLEAN", description="deviation_pct above 5%"),
    dg.TableColumn("consecutive_days_deviating", "INTEGER", description="days in a row the pair has deviated"),
    dg.TableColumn("cutoff_at", "TIMESTAMPTZ", description="snapshots at or before this instant were compared"),
])


class ReconciliationConfig(dg.Config):
    audit_threshold_pct: float = AUDIT_THRESHOLD_PCT


class SummaryConfig(dg.Config):
    delivery_attempts: int = 5  # per channel and run; a delivery still failing stays pending for the next run
    backoff_initial_seconds: float = 1.0
    backoff_max_seconds: float = 30.0


@dg.asset(
    partitions_def=nightly_partitions, group_name="reconciliation", pool=WRITER_POOL, owners=OWNERS,
    kinds={"python", "duckdb"}, deps=["fct_inventory_snapshots"],
    metadata={"dagster/column_schema": REPORT_SCHEMA},
    description="Stock per SKU compared across the warehouse system, the central pool and every platform shop "
                "for one business day (Asia/Shanghai): quantities, deviation and deviation_pct per system "
                "pair; above 5% flagged for audit; how many consecutive days a SKU has deviated. Uses each "
                "system's latest snapshot up to the quiet morning after the day (the 02:00 run's own pull).",
)
def rpt_inventory_reconciliation(context: dg.AssetExecutionContext, config: ReconciliationConfig,
                                 warehouse: WarehouseResource, clock: ClockResource) -> dg.MaterializeResult:
    day = day_of(context.partition_key)
    as_of = clock.get_clock().now()
    with warehouse.connect() as con:
        summary = reconcile_day(con, day, as_of, config.audit_threshold_pct)
    if warehouse.serving_path().exists():
        republish_tables(warehouse.warehouse_path(), warehouse.serving_path(), ("rpt_inventory_reconciliation",))
    worst = "\n".join(f"| {sku} | {pair} | {scope} | {a} | {b} | {pct}% | {days} |"
                      for sku, pair, scope, a, b, pct, days in summary.worst)
    return dg.MaterializeResult(metadata={
        "business_date": str(day),
        "cutoff_at": summary.cutoff.isoformat(),
        "compared": summary.compared,
        "deviating": summary.deviating,
        "flagged_for_audit": summary.flagged,
        "by_pair": summary.by_pair,
        "worst_flagged": dg.MetadataValue.md(
            "| sku | pair | scope | a | b | deviation | days |\n|---|---|---|---|---|---|---|\n" + worst
            if worst else "nothing flagged"),
    })


@dg.asset(
    partitions_def=nightly_partitions, group_name="reconciliation", pool=WRITER_POOL, owners=OWNERS,
    kinds={"duckdb"}, deps=["order_completeness"],
    description="The night's order completeness per platform and shop (listed by created time, already held, "
                "missing from the incremental pulls, backfilled) as a warehouse table, published to serving.",
)
def rpt_order_completeness(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    day = day_of(context.partition_key)
    path = report_path(warehouse.root(), day)
    if not path.exists():
        raise dg.Failure(f"no completeness report for {day} at {path}: materialize order_completeness first",
                         allow_retries=False)
    rows = read_report(path)
    with warehouse.connect() as con:
        store_completeness(con, rows)
    if warehouse.serving_path().exists():
        republish_tables(warehouse.warehouse_path(), warehouse.serving_path(), ("rpt_order_completeness",))
    return dg.MaterializeResult(metadata={
        "business_date": str(day), "shops": len(rows), "missing": sum(r.missing for r in rows),
        "backfilled": sum(r.backfilled for r in rows)})


@dg.asset(
    partitions_def=nightly_partitions, group_name="reconciliation", pool=WRITER_POOL, owners=OWNERS,
    kinds={"python", "duckdb"}, deps=["rpt_inventory_reconciliation", "rpt_order_completeness"],
    description="The night's findings in one alert to the `reconciliation` topic's channels (config/alerts.yaml): "
                "deviations per system pair, the SKUs flagged for audit (longest-deviating first) and the orders "
                "the pulls missed per shop. Once per day and channel; a failed delivery is retried by the next "
                "run of the day. Recorded in fct_reconciliation_summaries.",
)
def nightly_reconciliation_summary(context: dg.AssetExecutionContext, config: SummaryConfig,
                                   warehouse: WarehouseResource, clock: ClockResource) -> dg.MaterializeResult:
    day = day_of(context.partition_key)
    settings = DeliverySettings(max_attempts=config.delivery_attempts,
                                backoff_initial=config.backoff_initial_seconds, backoff_max=config.backoff_max_seconds)
    with warehouse.connect() as con:
        outcomes = send_summary(con, day, load_alert_config(), clock.get_clock().now(), settings=settings)
    if warehouse.serving_path().exists():
        republish_tables(warehouse.warehouse_path(), warehouse.serving_path(), ("fct_reconciliation_summaries",))
    for channel, status in outcomes.items():
        if status not in ("delivered", "already_delivered"):
            context.log.warning(f"reconciliation summary for {day} to {channel}: {status}")
    return dg.MaterializeResult(metadata={"business_date": str(day), "topic": TOPIC, "deliveries": outcomes})
