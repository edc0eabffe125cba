"""The Dagster code location: assembles the domain folders, nothing else."""

from __future__ import annotations

import dagster as dg

from order_pipeline import ingestion, inventory, operations, reconciliation, returns, warehouse
from order_pipeline.ingestion.resources import ClockResource, IngestionResource
from order_pipeline.main_job import order_pipeline_job

defs = dg.Definitions.merge(
    ingestion.definitions(),
    warehouse.definitions(),
    inventory.definitions(),
    operations.definitions(),
    reconciliation.definitions(),
    returns.definitions(),
    dg.Definitions(jobs=[order_pipeline_job],
                   resources={"ingestion": IngestionResource(), "clock": ClockResource()}),
)
