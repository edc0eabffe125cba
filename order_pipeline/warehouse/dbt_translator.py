"""How dbt nodes appear in Dagster: the landing sources are the `warehouse_raw` asset, every model is in the
`warehouse` group with its owners from dbt_project.yml and its documented columns as the column schema."""

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings

RAW_ASSET = dg.AssetKey("warehouse_raw")


class WarehouseTranslator(DagsterDbtTranslator):
    def __init__(self) -> None:
        super().__init__(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True,
                                                               enable_duplicate_source_asset_keys=True))

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props.get("resource_type") == "source" and dbt_resource_props.get("source_name") == "landing":
            return RAW_ASSET
        return dg.AssetKey(dbt_resource_props["name"])  # analysts know the bare names: fct_orders, ...

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return "warehouse"
