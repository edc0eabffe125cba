"""The warehouse domain: landing files -> DuckDB (dbt) -> quality gates -> the published serving database.

Dagster and dbt are imported only when the code location asks for the definitions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import dagster as dg


def definitions() -> dg.Definitions:
    import dagster as dg

    from order_pipeline.warehouse.assets import (
        serving_database,
        warehouse_mart_models,
        warehouse_raw,
        warehouse_staging_models,
    )
    from order_pipeline.warehouse.checks import quality_checks
    from order_pipeline.warehouse.dbt_project import warehouse_dbt_project
    from order_pipeline.warehouse.dbt_resource import WarehouseDbtCliResource, environment_dbt
    from order_pipeline.warehouse.resources import WarehouseResource

    # In one process: every step of this job holds the writers' pool (limit 1), so steps run one at a time
    # anyway, and a process per step (the default executor) would reload the code location and re-import
    # dbt's and GX's libraries for each of the ~15 steps. In-process, GX is imported once, while dbt runs.
    warehouse_job = dg.define_asset_job(
        "warehouse_job", selection=dg.AssetSelection.groups("warehouse", "serving"),
        description="Load new landing files, build staging and marts, run the gates, publish serving.duckdb.",
        executor_def=dg.in_process_executor,
    )
    return dg.Definitions(
        assets=[warehouse_raw, warehouse_staging_models, warehouse_mart_models, serving_database],
        asset_checks=quality_checks(),
        jobs=[warehouse_job],
        resources={"warehouse": WarehouseResource(),
                   "dbt": WarehouseDbtCliResource(project_dir=warehouse_dbt_project,
                                                  dbt_executable=environment_dbt())},
    )
