"""The warehouse's dbt resource skips dagster-dbt's version probe and adapter handle, and still drives dbt.

The overrides replace private methods of dagster-dbt: these tests fail when an upgrade renames them (the
savings would silently vanish) or when the skipped probe would have told something else.
"""

from __future__ import annotations

import re
import subprocess
from importlib import metadata

from dagster_dbt import DbtCliResource
from packaging import version

from order_pipeline.warehouse.dbt_project import warehouse_dbt_project
from order_pipeline.warehouse.dbt_resource import WarehouseDbtCliResource, environment_dbt


def test_the_overridden_hooks_still_exist_in_dagster_dbt():
    assert {"_cli_version", "_initialize_dbt_core_adapter"} <= set(vars(DbtCliResource))


def test_the_version_is_what_the_environment_dbt_reports():
    printed = subprocess.run([environment_dbt(), "--version"], capture_output=True, text=True, check=True).stdout
    core = re.search(r"installed:\s*(\d+\.\d+\.\d+)", printed) or re.search(r"(\d+\.\d+\.\d+)", printed)
    resource = WarehouseDbtCliResource(project_dir=warehouse_dbt_project, dbt_executable=environment_dbt())
    assert resource._cli_version == version.parse(core.group(1)) == version.parse(metadata.version("dbt-core"))


def test_a_dbt_command_runs_without_an_adapter_in_the_caller(tmp_path, monkeypatch):
    monkeypatch.setenv("ORDER_PIPELINE_WAREHOUSE_PATH", str(tmp_path / "warehouse.duckdb"))
    resource = WarehouseDbtCliResource(project_dir=warehouse_dbt_project, dbt_executable=environment_dbt())
    invocation = resource.cli(["ls", "--select", "fct_orders", "--resource-type", "model"],
                              target_path=tmp_path / "target")
    listed = [event.raw_event["info"]["msg"] for event in invocation.stream_raw_events()]
    assert invocation.is_successful() and invocation.adapter is None
    assert "order_pipeline.marts.fct_orders" in listed
