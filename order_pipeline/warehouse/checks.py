"""The warehouse's Great Expectations gates, wired to the warehouse file (suites: warehouse/quality/).

Each check reads only its suite's columns and runs in the writers' pool: DuckDB refuses a second process
while another writes the file. DECIMAL columns are read as DOUBLE through Arrow: DuckDB's `.df()` turns a
million decimals into Python objects (seconds), Arrow does not.

Incremental validation: a suite with a `load_column` validates only the rows of loads after the last one it
passed on (`main.tested_loads`, scope `gx:<table>`, the same bookkeeping the staging dbt tests use), so a run
that changed 10,000 orders validates those, not the million before them. A failed ERROR gate records
nothing: the same rows are validated again next run. A dbt build that rebuilds a table whole (first build,
`--full-refresh`) deletes the table's row first (`forget_tested_loads` pre-hook), so it is validated whole.
Delete the row to validate a table whole on purpose.
"""

import dagster as dg

from order_pipeline.warehouse import schema
from order_pipeline.warehouse.quality.checks import Batch, gx_asset_check
from order_pipeline.warehouse.quality.gates import Suite
from order_pipeline.warehouse.quality.suites import ALL_SUITES
from order_pipeline.warehouse.resources import WRITER_POOL, WarehouseResource


def scope_key(table: str) -> str:
    return f"gx:{table}"


def read_columns(warehouse: WarehouseResource, table: str, columns: list[str],
                 load_column: str | None = None) -> Batch:
    """The suite's columns of `table`; with `load_column`, only rows of loads after the last validated one."""
    with warehouse.connect() as con:
        types = dict(con.execute(
            "select column_name, data_type from duckdb_columns() where database_name = current_database() "
            "and schema_name = 'main' and table_name = ?", [table]).fetchall())
        missing = [c for c in [*columns, *([load_column] if load_column else [])] if c not in types]
        if missing:
            raise dg.Failure(f"{table} lacks the columns {missing} its quality suite reads", allow_retries=False)
        select = ", ".join(f'cast("{c}" as double) as "{c}"' if types[c].startswith("DECIMAL") else f'"{c}"'
                           for c in columns)
        if load_column is None:  # names below come from the suites and the catalog, not from input
            frame = con.sql(f'select {select} from main."{table}"').to_arrow_table().to_pandas()
            return Batch(frame)
        validated = schema.tested_load(con, scope_key(table))
        newest = con.execute(f'select max("{load_column}") from main."{table}"').fetchall()[0][0]
        frame = con.sql(f'select {select} from main."{table}" where "{load_column}" > ?',
                        params=[validated if validated is not None else -1]).to_arrow_table().to_pandas()
    scope = "whole table" if validated is None else f"{load_column} > {validated}"
    return Batch(frame, scope=scope, newest_load=newest)


def record_validated(warehouse: WarehouseResource, table: str, newest_load: int) -> None:
    with warehouse.connect() as con:
        schema.record_tested_load(con, scope_key(table), newest_load)


def _loader(suite: Suite):
    def load(context: dg.AssetCheckExecutionContext, columns: list[str]) -> Batch:
        return read_columns(context.resources.warehouse, suite.table, columns, suite.load_column)

    return load


def _recorder(suite: Suite):
    def record(context: dg.AssetCheckExecutionContext, newest_load: int) -> None:
        record_validated(context.resources.warehouse, suite.table, newest_load)

    return record


def quality_checks() -> list[dg.AssetChecksDefinition]:
    """One blocking check per suite: the staging suites gate the marts, the mart suites gate publishing."""
    return [
        gx_asset_check(dg.AssetKey(suite.table), suite, _loader(suite), pool=WRITER_POOL,
                       required_resource_keys=frozenset({"warehouse"}),
                       record_validated=_recorder(suite) if suite.load_column else None)
        for suite in ALL_SUITES
    ]
