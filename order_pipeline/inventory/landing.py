"""Landing asset for the stock systems: one stock snapshot of the WMS and of the central stock pool per run.

It is `landing_stock`'s twin for the merchant's own systems: the same `pull_stream` machinery (landing files
per snapshot, pull log, PII cipher, the project clock) and the same IngestionResource, with the systems read
from `config/stock_systems.yaml` instead of the shops file. Files land under `landing/stock/platform=wms|pool/`,
so the warehouse loader puts them into `landing.stock` next to the platforms' stock. (No `from __future__ import
annotations`: Dagster reads the config and resource annotations at definition time.)
"""

from pathlib import Path

import dagster as dg

from order_pipeline.clock import Clock
from order_pipeline.ingestion.pull import StreamPullResult, pull_stream
from order_pipeline.ingestion.resources import ClockResource, IngestionResource
from order_pipeline.ingestion.runner import for_each_shop
from order_pipeline.ingestion.state import IngestionState
from order_pipeline.inventory.systems import load_stock_systems, system_adapter_class
from order_pipeline.platforms import PlatformError
from order_pipeline.settings import landing_dir, state_dir
from order_pipeline.shops import Shop

OWNERS = ["team:data-platform"]


class SystemStockConfig(dg.Config):
    systems: list[str] = []  # stock system keys from the stock systems file; empty = every system
    systems_file: str = ""  # empty = ORDER_PIPELINE_STOCK_SYSTEMS_FILE or config/stock_systems.yaml


def selected_systems(config: SystemStockConfig) -> list[Shop]:
    systems = load_stock_systems(Path(config.systems_file) if config.systems_file else None)
    if not config.systems:
        return systems
    unknown = sorted(set(config.systems) - {system.key for system in systems})
    if unknown:
        raise dg.Failure(f"unknown stock systems {unknown}; configured: {[s.key for s in systems]}",
                         allow_retries=False)
    return [system for system in systems if system.key in config.systems]


def pull_system(system: Shop, ingestion: IngestionResource, clock: Clock, pull_id: str) -> StreamPullResult:
    """One stock snapshot of one system into the landing zone (committed to the pull log like a shop's)."""
    root = ingestion.root()
    state = IngestionState(state_dir(root) / "ingestion.sqlite")
    with system_adapter_class(system.platform)(system, ingestion.transport(), clock=clock) as adapter:
        return pull_stream(adapter, "stock", landing_root=landing_dir(root), state=state, cipher=ingestion.cipher(),
                           clock=clock, pull_id=pull_id, policy=ingestion.policy())


@dg.asset(
    group_name="ingestion", owners=OWNERS, kinds={"python"},
    description="Stock of the merchant's own systems, one snapshot per run: the warehouse system (WMS: on hand, "
                "order and pick locks, incoming, safety stock per warehouse, with batches and expiry dates) and "
                "the central stock pool (allocated / reserved / available per sales channel). The platforms "
                "only show what each shop may sell; the nightly reconciliation compares these with them per SKU "
                "to find deviations before they become oversells.",
    retry_policy=dg.RetryPolicy(max_retries=2, delay=30, backoff=dg.Backoff.EXPONENTIAL),
)
def landing_system_stock(context: dg.AssetExecutionContext, config: SystemStockConfig,
                         ingestion: IngestionResource, clock: ClockResource) -> dg.MaterializeResult:
    systems, now = selected_systems(config), clock.get_clock()
    results, failures = for_each_shop(systems, lambda system: pull_system(system, ingestion, now, context.run_id),
                                      len(systems), "stock-system")
    if failures:
        for key, error in failures.items():
            context.log.error(f"stock pull of system {key} failed: {error}")
        # A refused token or a rejected request fails the same way on every retry.
        hopeless = any(isinstance(e, PlatformError) and not e.retryable for e in failures.values())
        raise dg.Failure(f"{len(failures)} stock system(s) failed: {sorted(failures)}",
                         metadata={"failed_systems": sorted(failures)}, allow_retries=not hopeless)
    per_system = {key: {"platform": r.platform, "records": r.records, "new_files": r.files_created,
                        "requests": r.requests} for key, r in results.items()}
    return dg.MaterializeResult(metadata={
        "records": sum(r.records for r in results.values()),
        "requests": sum(r.requests for r in results.values()),
        "systems": dg.MetadataValue.json(per_system),
        **{f"records_{key}": r.records for key, r in results.items()},
    })
