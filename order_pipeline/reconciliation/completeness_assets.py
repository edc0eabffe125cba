"""The nightly order completeness asset (F10): per business day, what the incremental pulls missed, backfilled.

One partition per Asia/Shanghai business day (`nightly_partitions`). A run re-lists the last `days` local
days by created time for every shop, lands the missing orders as ordinary landing files (the warehouse
loader picks them up on its next run) and writes the day's report file; the counts per shop are in the
materialization's metadata. Re-running a partition is safe: what it landed the first time is held now.
"""

# No `from __future__ import annotations` here: Dagster reads the config parameter's annotation at runtime.
import dagster as dg

from order_pipeline.ingestion.resources import ClockResource, IngestionResource
from order_pipeline.platforms import PlatformError
from order_pipeline.reconciliation.completeness import DEFAULT_DAYS, CompletenessFailed, check_shops
from order_pipeline.reconciliation.completeness_report import markdown_table, row_to_json, write_report
from order_pipeline.reconciliation.partitions import day_of, nightly_partitions

OWNERS = ["team:data-platform"]


class CompletenessConfig(dg.Config):
    days: int = DEFAULT_DAYS  # local days re-listed by created time, ending with the partition day
    shops: list[str] = []  # shop keys from the shops file; empty = every shop


@dg.asset(
    name="order_completeness", partitions_def=nightly_partitions, group_name="reconciliation", owners=OWNERS,
    kinds={"python", "parquet"}, deps=[dg.AssetKey("landing_orders")],
    retry_policy=dg.RetryPolicy(max_retries=2, delay=60, backoff=dg.Backoff.EXPONENTIAL),
    description="Order completeness per shop and business day: the last N local days re-listed by created "
                "time, compared with the orders landed; missing orders (which the platforms' modified-time "
                "indexes never returned) are backfilled as landing files. Reports listed, held, missing and "
                "backfilled per shop, and the missing order ids, in a JSON file per day.",
)
def order_completeness(context: dg.AssetExecutionContext, config: CompletenessConfig,
                       ingestion: IngestionResource, clock: ClockResource) -> dg.MaterializeResult:
    if config.days < 1:
        raise dg.Failure(f"days must be >= 1, got {config.days}", allow_retries=False)
    business_date = day_of(context.partition_key)
    try:
        rows = check_shops(ingestion.shops(config.shops), business_date, config.days, data_dir=ingestion.root(),
                           clock=clock.get_clock(), cipher=ingestion.cipher(), pull_id=context.run_id,
                           transport=ingestion.transport(), detail_concurrency=ingestion.detail_concurrency,
                           shop_concurrency=ingestion.shop_concurrency)
    except CompletenessFailed as exc:
        for shop, error in exc.failures.items():
            context.log.error(f"completeness check of shop {shop} failed: {error}")
        hopeless = any(isinstance(e, PlatformError) and not e.retryable for e in exc.failures.values())
        raise dg.Failure(str(exc), metadata={"failed_shops": sorted(exc.failures)},
                         allow_retries=not hopeless) from exc
    path = write_report(ingestion.root(), business_date, rows)
    for row in rows:
        if row.missing:
            context.log.warning(f"{row.platform} {row.shop_key}: {row.missing} order(s) created in "
                                f"{row.window_start:%Y-%m-%d}..{row.window_end:%Y-%m-%d} were missed by the "
                                f"incremental pulls; {row.backfilled} backfilled")
    return dg.MaterializeResult(metadata={
        "listed": sum(row.listed for row in rows),
        "missing": sum(row.missing for row in rows),
        "backfilled": sum(row.backfilled for row in rows),
        "shops": dg.MetadataValue.md(markdown_table(rows)),
        "rows": dg.MetadataValue.json([{k: v for k, v in row_to_json(row).items() if k != "missing_ids"}
                                       for row in rows]),
        "report": dg.MetadataValue.path(str(path)),
    })
