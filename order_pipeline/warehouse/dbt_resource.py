"""The dbt CLI resource of the warehouse: dagster-dbt's `DbtCliResource` without two start-up costs it pays on
every invocation for features this project does not use.

Before it starts `dbt build`, `DbtCliResource.cli` (dagster-dbt 0.29):
- runs `dbt --version` in a subprocess to learn which dbt it drives (about 1.6 s: a Python start and dbt's
  imports), although the executable is this environment's own dbt, whose version the installed dbt-core
  package states;
- builds a dbt Core adapter in the run worker, parsing all ~530 macros of dbt and dbt-duckdb (about 1.8 s per
  invocation). That adapter only serves `fetch_row_counts()` and `fetch_column_metadata()`, which open the
  warehouse from the run worker while dbt still writes it; DuckDB's one-writer lock makes them unusable here.

Together that was 5 s of a 35 s incremental warehouse run (two dbt invocations). Both are private methods of
dagster-dbt, overridden here on purpose and pinned by a test (order_pipeline_tests/warehouse/test_dbt_resource.py),
so a dagster-dbt upgrade that renames them fails the tests instead of silently paying the cost again.
"""

from __future__ import annotations

import sys
from functools import cached_property
from importlib import metadata
from pathlib import Path

from dagster_dbt import DbtCliResource
from packaging import version


def environment_dbt() -> str:
    """The `dbt` next to this Python: the dbt of this environment, not whatever `dbt` is first on PATH."""
    return str(Path(sys.executable).with_name("dbt"))


class WarehouseDbtCliResource(DbtCliResource):
    """`DbtCliResource` for the dbt of this environment (`dbt_executable` must stay `environment_dbt()`)."""

    @cached_property
    def _cli_version(self) -> version.Version:
        # the executable is this environment's dbt: its version is the installed dbt-core's
        return version.parse(metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args):  # noqa: ANN001, ANN202 - dagster-dbt's signature
        return None  # no adapter handle: row counts and column metadata are not fetched from the run worker
