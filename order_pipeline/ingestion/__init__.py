"""Ingestion: platform pulls into the immutable landing zone (MISSION F1, F3).

Dagster is imported only when the code location asks for the definitions, so `order-pipeline pull` (and a
pull worker) does not pay for it in start-up time and memory.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import dagster as dg


def definitions() -> dg.Definitions:
    import dagster as dg

    from order_pipeline.ingestion.assets import ingest_job, landing_orders, landing_refunds, landing_stock

    return dg.Definitions(assets=[landing_orders, landing_refunds, landing_stock], jobs=[ingest_job])
