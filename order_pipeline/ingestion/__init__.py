"""Ingestion: platform pulls into the immutable landing zone (MISSION F1, F3)."""

from __future__ import annotations

import dagster as dg

from order_pipeline.ingestion.assets import ingest_job, landing_orders, landing_refunds, landing_stock


def definitions() -> dg.Definitions:
    return dg.Definitions(assets=[landing_orders, landing_refunds, landing_stock], jobs=[ingest_job])
