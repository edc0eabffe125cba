"""Publishes the marts to `serving.duckdb` with an atomic rename (F13).

Analysts never open the file the pipeline writes: DuckDB allows one read-write process per file, and an
analyst's session would block the next run ("Could not set lock on file"). The serving file is built under
a temporary name in the same folder, checkpointed and fsynced, then renamed over the old one. A session
holding the old file keeps its (now unlinked) copy until it reconnects; no reader ever sees half a file.

A run that loaded a few thousand order versions need not copy millions of mart rows: when the current
serving file holds the keyed marts as of loads the warehouse confirms (`serving_by_key.py`), it is copied
and only the keys loaded since are replaced in them; the other tables are replaced whole either way.
"""

from __future__ import annotations

import os
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from order_pipeline.warehouse import serving_by_key

MART_TABLES = ("fct_orders", "fct_order_lines", "fct_refunds", "dim_customers", "fct_order_changes",
               "fct_quarantine", "fct_inventory_snapshots", "fct_inventory_batches")
# Written by Python assets (alerts, stuck scan, reconciliation, returns, inventory positions): published
# whenever the warehouse has them.
OPTIONAL_TABLES = ("fct_order_alerts", "rpt_order_routing", "fct_order_todos", "rpt_stuck_orders",
                   "rpt_inventory_reconciliation", "rpt_order_completeness", "fct_refund_reasons",
                   "fct_refund_attribution", "rpt_returns_attribution", "rpt_available_to_promise",
                   "rpt_fefo_pick_suggestions", "rpt_expired_batches", "fct_inventory_alerts",
                   "fct_reconciliation_summaries")


@dataclass(frozen=True)
class Published:
    path: Path
    row_counts: dict[str, int]
    bytes: int
    # how each table was published: "whole", or "by key: N keys" for a keyed mart updated in place
    modes: dict[str, str] = field(default_factory=dict)


def publish_serving(warehouse: Path, serving: Path, tables: tuple[str, ...] = MART_TABLES,
                    optional: tuple[str, ...] = OPTIONAL_TABLES) -> Published:
    """A serving file with `tables` (each required) and those of `optional` the warehouse has: the current one
    with the keyed marts updated by key when it qualifies (see the module doc), else a new one."""
    outcome = _publish(warehouse, serving, tables, optional, base=serving, by_key=True) if serving.exists() \
        else None
    if outcome is None:
        outcome = _publish(warehouse, serving, tables, optional, base=None, by_key=True)
    published, marks = outcome
    serving_by_key.record_in_warehouse(warehouse, marks)
    return published


def republish_tables(warehouse: Path, serving: Path, tables: tuple[str, ...]) -> Published:
    """The current serving file with `tables` replaced: a job that changes a few small tables (the alert job,
    every minute) need not copy millions of mart rows. Without a serving file yet, nothing is published."""
    if not serving.exists():
        raise FileNotFoundError(f"{serving} does not exist yet: run order_pipeline_job first")
    return _publish(warehouse, serving, tables, (), base=serving, by_key=False)[0]


def _publish(warehouse: Path, serving: Path, tables: tuple[str, ...], optional: tuple[str, ...],
             base: Path | None, by_key: bool) -> tuple[Published, dict[str, int | None]] | None:
    """The published file and the loads its keyed marts are published as of (when `by_key`); None when `by_key`
    and the copy of `base` does not qualify (the caller then writes a new file)."""
    serving.parent.mkdir(parents=True, exist_ok=True)
    temporary = serving.with_name(f".{serving.name}.{uuid.uuid4().hex}.tmp")
    counts: dict[str, int] = {}
    modes: dict[str, str] = {}
    marks: dict[str, int | None] = {}
    try:
        if base is not None:
            shutil.copyfile(base, temporary)
        con = duckdb.connect(str(temporary))
        con.execute("set TimeZone = 'UTC'")  # icu is built in, but loads only after connect
        try:
            con.execute("attach ? as warehouse (read_only)", [str(warehouse)])
            plan = serving_by_key.plan(con, copy=base is not None) if by_key else serving_by_key.Plan(since={})
            if plan.refused:
                return None
            present = {row[0] for row in con.execute(
                "select table_name from duckdb_tables() where database_name = 'warehouse' "
                "and schema_name = 'main'").fetchall()}
            for table in (*tables, *(t for t in optional if t in present)):  # names from constants, not input
                columns = serving_by_key.published_columns(con, table)
                if table in plan.since:
                    modes[table] = serving_by_key.replace_keys(con, table, columns, plan.since[table])
                else:
                    con.execute(f"create or replace table main.{table} as select {columns} "
                                f"from warehouse.main.{table}")
                    modes[table] = "whole"
                counts[table] = con.execute(f"select count(*) from main.{table}").fetchone()[0]
            if by_key:
                marks = serving_by_key.record_in_serving(con, list(modes))
            con.execute("detach warehouse")
            con.execute("checkpoint")
        finally:
            con.close()
        _fsync(temporary)
        os.replace(temporary, serving)
        _fsync(serving.parent)
    finally:
        for leftover in (temporary, temporary.with_name(temporary.name + ".wal")):
            leftover.unlink(missing_ok=True)
    return Published(path=serving, row_counts=counts, bytes=serving.stat().st_size, modes=modes), marks


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
