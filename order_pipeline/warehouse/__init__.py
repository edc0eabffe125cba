"""The warehouse domain: landing files -> DuckDB (dbt) -> quality gates -> the published serving database.

Dagster and dbt are imported only when the code location asks for the definitions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import dagster as dg


def definitions() -> dg.Definitions:
    import sys
    from pathlib import Path

    import dagster as dg
    from dagster_dbt import DbtCliResource

    from order_pipeline.warehouse.assets import (
        serving_database,
        warehouse_mart_models,
        warehouse_raw,
        warehouse_staging_models,
    )
    from order_pipeline.warehouse.checks import quality_checks
    from order_pipeline.warehouse.dbt_project import warehouse_dbt_project
    from order_pipeline.warehouse.resources import WarehouseResource

    warehouse_job = dg.define_asset_job(
        "warehouse_job", selection=dg.AssetSelection.groups("warehouse", "serving"),
        description="Load new landing files, build staging and marts, run the gates, publish serving.duckdb.",
    )
    return dg.Definitions(
        assets=[warehouse_raw, warehouse_staging_models, warehouse_mart_models, serving_database],
        asset_checks=quality_checks(),
        jobs=[warehouse_job],
        resources={"warehouse": WarehouseResource(),
                   # the dbt of this environment, not whatever `dbt` is first on PATH
                   "dbt": DbtCliResource(project_dir=warehouse_dbt_project,
                                         dbt_executable=str(Path(sys.executable).with_name("dbt")))},
    )
