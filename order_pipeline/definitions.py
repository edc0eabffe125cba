"""The Dagster code location: assembles the domain folders, nothing else."""

from __future__ import annotations

import dagster as dg

from order_pipeline import ingestion
from order_pipeline.ingestion.resources import ClockResource, IngestionResource

defs = dg.Definitions.merge(
    ingestion.definitions(),
    dg.Definitions(resources={"ingestion": IngestionResource(), "clock": ClockResource()}),
)
