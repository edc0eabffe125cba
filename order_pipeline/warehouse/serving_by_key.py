"""Publishing the keyed marts by key: when a copy of the serving file qualifies, and the records that say so.

dbt maintains the big marts by key (incremental delete+insert on the key, recomputing each key a new version
touched; the newest load each mart reflects is in `mart_watermarks`). So between two publishes a mart changed
only for the keys whose versions were loaded since: a copy of the previous serving file gets those keys deleted
and re-read from the warehouse, which costs the changed rows, not the history.

That is right only if the copy holds the mart as of a known load and the warehouse rows of the other keys have
not changed since. Both sides keep a record, because either can change without the other:
- the serving file: `meta.published_loads(table_name, load_id)`, the load each keyed mart is published as of;
- the warehouse: `main.tested_loads`, scope `serving:<table>`, the same load, written after the rename. dbt's
  `forget_tested_loads` pre-hook deletes it whenever it builds the mart whole (first build, `--full-refresh`,
  a `lookback_loads` run): rows of any load may have changed then.
A copy is updated by key only when the two records agree for every keyed mart. A new warehouse, a serving file
replaced by an older one, a crash between the rename and the warehouse record, or a whole rebuild makes them
disagree, and a new file is written. So is a copy that is over a third free space (holes left by deleted rows
that DuckDB has not reused yet, 64 MB at least): a new file is compact.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from order_pipeline.warehouse import schema


@dataclass(frozen=True)
class Keyed:
    key: str
    versions: str  # the versions table whose load_id says which keys a load touched


KEYED_MARTS = {
    "fct_orders": Keyed("order_key", "int_order_versions"),
    "fct_order_lines": Keyed("order_key", "int_order_versions"),
    "fct_order_changes": Keyed("order_key", "int_order_versions"),
    "fct_refunds": Keyed("refund_key", "int_refund_versions"),
}
MAX_FREE_SHARE = 1 / 3
MIN_COMPACTION_BYTES = 64 * 2**20  # a small file is rewritten quickly anyway: its free share is noise
# Bookkeeping of the incremental models: meaningless to analysts.
_INTERNAL_COLUMNS = ("last_load_id",)


SCOPE_PREFIX = "serving:"  # of this module's records in main.tested_loads


def scope(table: str) -> str:
    return SCOPE_PREFIX + table


@dataclass(frozen=True)
class Plan:
    since: dict[str, int]  # keyed mart -> the load the serving copy holds it as of: publish the keys loaded since
    refused: bool = False  # the copy does not qualify: write a new file


def plan(con: duckdb.DuckDBPyConnection, copy: bool) -> Plan:
    """What to publish by key into the database of `con` (the warehouse attached as `warehouse`): nothing for a
    new file; for a copy of the serving file, every keyed mart, or refused."""
    if not copy:
        return Plan(since={})
    served = _pairs(con, None, "meta", "published_loads", "table_name", "load_id")
    confirmed = {name.removeprefix(SCOPE_PREFIX): load for name, load in _pairs(
        con, "warehouse", "main", "tested_loads", "scope", "load_id").items() if name.startswith(SCOPE_PREFIX)}
    agreed = {t: served[t] for t in KEYED_MARTS if served.get(t) is not None and served[t] == confirmed.get(t)}
    total, free, block = con.execute("select total_blocks, free_blocks, block_size from pragma_database_size() "
                                     "where database_name = current_database()").fetchall()[0]
    bloated = free > total * MAX_FREE_SHARE and free * block > MIN_COMPACTION_BYTES
    if len(agreed) < len(KEYED_MARTS) or bloated:
        return Plan(since={}, refused=True)
    return Plan(since=agreed)


def _pairs(con: duckdb.DuckDBPyConnection, catalog: str | None, schema_name: str, table: str, key: str,
           value: str) -> dict:
    """{key: value} of the rows of `catalog.schema_name.table` (None: the connection's own database), empty
    when the table does not exist (yet). Names come from this module, not from input."""
    if not schema.has_table(con, table, catalog, schema_name):
        return {}
    relation = f"{catalog}.{schema_name}.{table}" if catalog else f"{schema_name}.{table}"
    return dict(con.execute(f"select {key}, {value} from {relation}").fetchall())


def published_columns(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """The select list of `table` as analysts get it: every column but the incremental models' bookkeeping."""
    columns = [row[0] for row in con.execute(
        "select column_name from duckdb_columns() where database_name = 'warehouse' and schema_name = 'main' "
        "and table_name = ? order by column_index", [table]).fetchall()]
    if not columns:
        raise RuntimeError(f"table {table} is missing from the warehouse: nothing published")
    return ", ".join(f'"{c}"' for c in columns if c not in _INTERNAL_COLUMNS)


def replace_keys(con: duckdb.DuckDBPyConnection, table: str, columns: str, since: int) -> str:
    """Replace in `table` of the copy the keys whose versions were loaded after `since`; describe what was done.
    Table, key and versions names come from KEYED_MARTS, not from input."""
    keyed = KEYED_MARTS[table]
    con.execute(f"create or replace temp table touched_keys as select distinct {keyed.key} "
                f"from warehouse.main.{keyed.versions} where load_id > ?", [since])
    con.execute(f"delete from main.{table} where {keyed.key} in (select {keyed.key} from touched_keys)")
    con.execute(f"insert into main.{table} select {columns} from warehouse.main.{table} "
                f"where {keyed.key} in (select {keyed.key} from touched_keys)")
    touched = con.execute("select count(*) from touched_keys").fetchall()[0][0]
    con.execute("drop table touched_keys")
    served, stored = con.execute(f"select (select count(*) from main.{table}), "
                                 f"(select count(*) from warehouse.main.{table})").fetchall()[0]
    if served != stored:  # a key changed without a new version: not expected, but never publish a wrong mart
        con.execute(f"create or replace table main.{table} as select {columns} from warehouse.main.{table}")
        return f"whole: by key gave {served} rows, the warehouse has {stored}"
    return f"by key: {touched} keys"


def record_in_serving(con: duckdb.DuckDBPyConnection, tables: list[str]) -> dict[str, int | None]:
    """Record in the serving file the load each keyed mart of `tables` is now published as of (its
    `mart_watermarks` entry; None when the warehouse has none); returns them for `record_in_warehouse`."""
    watermarks = _pairs(con, "warehouse", "main", "mart_watermarks", "model", "load_id")
    marks = {table: watermarks.get(table) for table in KEYED_MARTS if table in tables}
    con.execute("create schema if not exists meta")
    con.execute("create table if not exists meta.published_loads (table_name varchar primary key, load_id bigint)")
    for table, load in marks.items():
        con.execute("insert or replace into meta.published_loads values (?, ?)", [table, load])
    return marks


def record_in_warehouse(warehouse: Path, marks: dict[str, int | None]) -> None:
    """After the rename: the warehouse confirms what the serving file now holds (see the module doc)."""
    if not marks:
        return
    con = duckdb.connect(str(warehouse))
    try:
        for table, load in marks.items():
            if load is None:
                schema.forget_tested_load(con, scope(table))
            else:
                schema.record_tested_load(con, scope(table), load)
    finally:
        con.close()
