"""Publishing the keyed marts by key into a copy of the serving file, and every case where it must not.

A small warehouse built by hand stands for what dbt maintains: versions tables with their load, keyed marts
with `last_load_id`, `mart_watermarks`. Each test judges the serving file against the warehouse, row by row.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from order_pipeline.warehouse.publish import publish_serving, republish_tables
from order_pipeline.warehouse.serving_by_key import KEYED_MARTS

TABLES = (*KEYED_MARTS, "dim_customers")


def _load(con: duckdb.DuckDBPyConnection, load: int, orders: range, amount: int) -> None:
    """A load that brings a new version of `orders` (and one refund each): dbt's incremental marts replace those
    keys, recomputed from the new version."""
    keys = [f"o{i}" for i in orders]
    con.execute("insert into int_order_versions select unnest(?), ?", [keys, load])
    con.execute("insert into int_refund_versions select 'r' || unnest(?), ?", [keys, load])
    for table, key, prefix in (("fct_orders", "order_key", ""), ("fct_order_lines", "order_key", ""),
                               ("fct_order_changes", "order_key", ""), ("fct_refunds", "refund_key", "r")):
        con.execute(f"delete from {table} where {key} in (select ? || unnest(?))", [prefix, keys])
        con.execute(f"insert into {table} select ? || unnest(?), ?, ?", [prefix, keys, amount, load])
    for model in KEYED_MARTS:
        con.execute("insert or replace into mart_watermarks values (?, ?)", [model, load])
    con.execute("create or replace table dim_customers as select 'c' || count(*) as customer_id from fct_orders")


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create table int_order_versions (order_key varchar, load_id bigint)")
        con.execute("create table int_refund_versions (refund_key varchar, load_id bigint)")
        for table, key in (("fct_orders", "order_key"), ("fct_order_lines", "order_key"),
                           ("fct_order_changes", "order_key"), ("fct_refunds", "refund_key")):
            con.execute(f"create table {table} ({key} varchar, amount integer, last_load_id bigint)")
        con.execute("create table mart_watermarks (model varchar primary key, load_id bigint)")
        _load(con, 1, range(1000), amount=10)
    return path


@pytest.fixture
def serving(warehouse: Path, tmp_path: Path) -> Path:
    """The serving file after a first publish (whole: there was none before)."""
    path = tmp_path / "serving.duckdb"
    assert set(_publish(warehouse, path).values()) == {"whole"}
    return path


def _publish(warehouse: Path, serving: Path) -> dict[str, str]:
    return publish_serving(warehouse, serving, tables=TABLES, optional=()).modes


def _assert_serving_is_the_warehouse(warehouse: Path, serving: Path) -> None:
    with duckdb.connect() as con:
        con.execute("attach ? as w (read_only)", [str(warehouse)])
        con.execute("attach ? as s (read_only)", [str(serving)])
        for table in TABLES:
            columns = "*" if table == "dim_customers" else "* exclude (last_load_id)"
            assert con.execute(f"(select {columns} from w.{table} except all select * from s.{table}) union all "
                               f"(select * from s.{table} except all select {columns} from w.{table})"
                               ).fetchall() == [], table


def test_a_new_load_replaces_only_its_keys_and_the_rest_stays(warehouse, serving):
    with duckdb.connect(str(warehouse)) as con:
        _load(con, 2, range(990, 1010), amount=20)  # 10 changed orders, 10 new ones
    modes = _publish(warehouse, serving)
    assert {t: modes[t] for t in KEYED_MARTS} == {t: "by key: 20 keys" for t in KEYED_MARTS}
    assert modes["dim_customers"] == "whole"
    _assert_serving_is_the_warehouse(warehouse, serving)
    with duckdb.connect(str(serving), read_only=True) as con:
        assert dict(con.execute("select * from meta.published_loads").fetchall()) == dict.fromkeys(KEYED_MARTS, 2)
        assert "last_load_id" not in {r[0] for r in con.execute("describe fct_orders").fetchall()}
    assert set(_publish(warehouse, serving).values()) == {"whole", "by key: 0 keys"}, "a rerun: nothing to replace"


def test_a_mart_dbt_rebuilt_whole_is_published_whole(warehouse, serving):
    """dbt's forget_tested_loads pre-hook drops the serving record of a mart it builds whole (full refresh):
    its rows may have changed for keys no new version touched."""
    with duckdb.connect(str(warehouse)) as con:
        con.execute("update fct_orders set amount = 11 where order_key = 'o5'")  # no new version of o5
        con.execute("delete from tested_loads where scope = 'serving:fct_orders'")
    assert set(_publish(warehouse, serving).values()) == {"whole"}
    _assert_serving_is_the_warehouse(warehouse, serving)


def test_a_serving_file_that_is_not_what_the_warehouse_published_is_replaced_whole(warehouse, serving, tmp_path):
    older = tmp_path / "older.duckdb"
    shutil.copyfile(serving, older)
    with duckdb.connect(str(warehouse)) as con:
        _load(con, 2, range(0, 10), amount=20)
    _publish(warehouse, serving)
    shutil.copyfile(older, serving)  # someone restored yesterday's file
    with duckdb.connect(str(warehouse)) as con:
        _load(con, 3, range(500, 510), amount=30)
    assert set(_publish(warehouse, serving).values()) == {"whole"}, "keys of load 2 would be missing"
    _assert_serving_is_the_warehouse(warehouse, serving)


def test_a_new_warehouse_is_published_whole(warehouse, serving, tmp_path):
    fresh = tmp_path / "rebuilt.duckdb"
    shutil.copyfile(warehouse, fresh)
    with duckdb.connect(str(fresh)) as con:
        con.execute("drop table tested_loads")  # a warehouse built again from the landing zone
        con.execute("update fct_order_changes set amount = 12")
    assert set(_publish(fresh, serving).values()) == {"whole"}
    _assert_serving_is_the_warehouse(fresh, serving)


def test_republishing_a_small_table_keeps_the_record(warehouse, serving):
    """The alert and reconciliation jobs replace their tables in a copy: the next publish still goes by key."""
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create table rpt_stuck_orders as select 1 as n")
    republish_tables(warehouse, serving, ("rpt_stuck_orders",))
    with duckdb.connect(str(warehouse)) as con:
        _load(con, 2, range(0, 3), amount=20)
    assert _publish(warehouse, serving)["fct_orders"] == "by key: 3 keys"
    _assert_serving_is_the_warehouse(warehouse, serving)


def test_a_copy_grown_holes_is_written_anew(warehouse, serving, monkeypatch):
    """Rows deleted by key leave free blocks: past the share (lowered here for a small file) a new file is written."""
    from order_pipeline.warehouse import serving_by_key

    monkeypatch.setattr(serving_by_key, "MIN_COMPACTION_BYTES", 0)
    monkeypatch.setattr(serving_by_key, "MAX_FREE_SHARE", 0.0)
    with duckdb.connect(str(warehouse)) as con:
        _load(con, 2, range(0, 1000), amount=20)
    assert _publish(warehouse, serving)["fct_orders"] == "by key: 1000 keys"
    with duckdb.connect(str(serving), read_only=True) as con:
        assert con.execute("select free_blocks from pragma_database_size()").fetchall()[0][0] > 0
    assert set(_publish(warehouse, serving).values()) == {"whole"}
    _assert_serving_is_the_warehouse(warehouse, serving)
