"""The warehouse's Great Expectations gates, wired to the warehouse file (suites: warehouse/quality/).

Each check opens the warehouse read-only, reads only its suite's columns and runs in the writers' pool:
DuckDB refuses a read-only open while another process writes the file. DECIMAL columns are read as DOUBLE
through Arrow: DuckDB's `.df()` turns a million decimals into Python objects (seconds), Arrow does not.
"""

import dagster as dg
import pandas as pd

from order_pipeline.warehouse.quality.checks import gx_asset_check
from order_pipeline.warehouse.quality.suites import ALL_SUITES
from order_pipeline.warehouse.resources import WRITER_POOL, WarehouseResource


def read_columns(warehouse: WarehouseResource, table: str, columns: list[str]) -> pd.DataFrame:
    with warehouse.connect(read_only=True) as con:
        types = dict(con.execute(
            "select column_name, data_type from duckdb_columns() where database_name = current_database() "
            "and schema_name = 'main' and table_name = ?", [table]).fetchall())
        missing = [c for c in columns if c not in types]
        if missing:
            raise dg.Failure(f"{table} lacks the columns {missing} its quality suite reads", allow_retries=False)
        select = ", ".join(f'cast("{c}" as double) as "{c}"' if types[c].startswith("DECIMAL") else f'"{c}"'
                           for c in columns)
        return con.sql(f'select {select} from main."{table}"').to_arrow_table().to_pandas()  # names: suites


def _loader(table: str):
    def load(context: dg.AssetCheckExecutionContext, columns: list[str]) -> pd.DataFrame:
        return read_columns(context.resources.warehouse, table, columns)

    return load


def quality_checks() -> list[dg.AssetChecksDefinition]:
    """One blocking check per suite: the staging suites gate the marts, the mart suites gate publishing."""
    return [
        gx_asset_check(dg.AssetKey(suite.table), suite, _loader(suite.table), pool=WRITER_POOL,
                       required_resource_keys=frozenset({"warehouse"}))
        for suite in ALL_SUITES
    ]
