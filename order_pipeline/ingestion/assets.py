"""Landing assets: orders, refunds and stock of every configured shop, pulled into the landing zone.

Each asset pulls all shops in parallel (one thread per shop). By default a run is incremental from each
(platform, shop, stream) watermark; give `window_start`/`window_end` in the launchpad to backfill any window
(the watermark is left alone), and `shops` to pull only some shops.
"""


import dagster as dg

from order_pipeline.clock import parse_instant
from order_pipeline.ingestion.resources import ClockResource, IngestionResource
from order_pipeline.ingestion.runner import PullFailed, PullJob, pull_shops
from order_pipeline.platforms import PlatformError, Window

OWNERS = ["team:data-platform"]


class PullConfig(dg.Config):
    shops: list[str] = []  # shop keys from the shops file; empty = every shop
    window_start: str = ""  # ISO-8601 with offset, e.g. 2026-11-01T00:00:00+08:00; empty = incremental
    window_end: str = ""


def _window(config: PullConfig) -> Window | None:
    if bool(config.window_start) != bool(config.window_end):
        raise dg.Failure("give both window_start and window_end, or neither", allow_retries=False)
    if not config.window_start:
        return None
    try:
        return Window(parse_instant(config.window_start), parse_instant(config.window_end))
    except ValueError as exc:
        raise dg.Failure(f"bad backfill window: {exc}", allow_retries=False) from exc


def _pull(context: dg.AssetExecutionContext, stream: str, config: PullConfig, ingestion: IngestionResource,
          clock: ClockResource) -> dg.MaterializeResult:
    job = PullJob(streams=(stream,), window=None if stream == "stock" else _window(config),
                  policy=ingestion.policy(), transport=ingestion.transport(),
                  detail_concurrency=ingestion.detail_concurrency, shop_concurrency=ingestion.shop_concurrency,
                  processes=ingestion.processes)
    try:
        results = pull_shops(ingestion.shops(config.shops), job, data_dir=ingestion.root(),
                             clock=clock.get_clock(), cipher=ingestion.cipher(), pull_id=context.run_id)
    except PullFailed as exc:
        for shop, error in exc.failures.items():
            context.log.error(f"{stream} pull of shop {shop} failed: {error}")
        # A refused token or a rejected request fails the same way on every retry: only retry the rest.
        hopeless = any(isinstance(e, PlatformError) and not e.retryable for e in exc.failures.values())
        raise dg.Failure(str(exc), metadata={"failed_shops": sorted(exc.failures)},
                         allow_retries=not hopeless) from exc
    per_shop = {
        r.shop_key: {"records": r.records, "windows": r.windows, "new_files": r.files_created,
                     "requests": r.requests, "watermark": r.watermark.isoformat() if r.watermark else None}
        for r in results
    }
    return dg.MaterializeResult(metadata={
        "records": sum(r.records for r in results),
        "new_files": sum(r.files_created for r in results),
        "requests": sum(r.requests for r in results),
        "shops": dg.MetadataValue.json(per_shop),
    })


def _landing_asset(stream: str, description: str) -> dg.AssetsDefinition:
    @dg.asset(name=f"landing_{stream}", group_name="ingestion", owners=OWNERS, kinds={"python", "parquet"},
              description=description, retry_policy=dg.RetryPolicy(max_retries=2, delay=30,
                                                                    backoff=dg.Backoff.EXPONENTIAL))
    def landing(context: dg.AssetExecutionContext, config: PullConfig, ingestion: IngestionResource,
                clock: ClockResource) -> dg.MaterializeResult:
        return _pull(context, stream, config, ingestion, clock)

    return landing


landing_orders = _landing_asset(
    "orders", "Orders (list then detail) of every shop, landed per pull window with request ids; personal "
              "fields encrypted before the first write. Incremental from the watermark with an overlap.")
landing_refunds = _landing_asset(
    "refunds", "Refunds, returns and after-sale cases of every shop, landed per pull window.")
landing_stock = _landing_asset(
    "stock", "Sellable stock per SKU as each platform reports it, one snapshot per pull.")

ingest_job = dg.define_asset_job(
    "ingest_job", selection=dg.AssetSelection.groups("ingestion"),
    description="Pull orders, refunds and stock of every configured shop into the landing zone.",
)
