"""The main job: pull every shop, load, clean, build, gate and publish, in one run (what `make demo` runs)."""

import dagster as dg

order_pipeline_job = dg.define_asset_job(
    "order_pipeline_job",
    selection=dg.AssetSelection.groups("ingestion", "warehouse", "inventory", "returns", "serving"),
    description="Landing pulls of every shop and stock system, then the warehouse (loader, dbt staging and marts, "
                "quality gates), stock positions, returns attribution, and the published serving.duckdb. Blocking gates stop "
                "publication when data is wrong.",
)
