"""The warehouse's `landing` schema: the tables the loader writes and dbt reads as sources.

Created here (not by dbt) because they are the loader's output and must exist before the first `dbt build`.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from order_pipeline.shops import Shop


def has_table(con: duckdb.DuckDBPyConnection, table: str, catalog: str | None = None,
              schema_name: str = "main") -> bool:
    """Whether `table` exists in `schema_name` of `catalog` (default: the connection's own database): the
    optional tables (reports of jobs that may not have run yet) are read only when they are there."""
    return con.execute("select count(*) from duckdb_tables() where database_name = coalesce(?, current_database()) "
                       "and schema_name = ? and table_name = ?", [catalog, schema_name, table]).fetchall()[0][0] > 0


_RECORD_COLUMNS = """
    load_id BIGINT NOT NULL,
    landing_file VARCHAR NOT NULL,
    file_row INTEGER NOT NULL,
    platform VARCHAR, shop_key VARCHAR, stream VARCHAR, record_key VARCHAR,
    record_modified TIMESTAMPTZ, request_ids VARCHAR[],
    window_start TIMESTAMPTZ, window_end TIMESTAMPTZ, pulled_at TIMESTAMPTZ, pull_id VARCHAR, pii_digest VARCHAR
"""

DDL = [
    "create schema if not exists landing",
    f"create table if not exists landing.orders ({_RECORD_COLUMNS})",
    f"create table if not exists landing.refunds ({_RECORD_COLUMNS})",
    f"create table if not exists landing.stock ({_RECORD_COLUMNS})",
    """create table if not exists landing.loaded_files (
        landing_file VARCHAR PRIMARY KEY, stream VARCHAR NOT NULL, load_id BIGINT NOT NULL, rows BIGINT,
        loaded_at TIMESTAMPTZ)""",
    """create table if not exists landing.shops (
        shop_key VARCHAR PRIMARY KEY, platform VARCHAR, name VARCHAR, region VARCHAR, timezone VARCHAR,
        currency VARCHAR)""",
    # One row per distinct receiver (see contacts_load): derived values and one set of its ciphertexts.
    """create table if not exists landing.receivers (
        receiver_id VARCHAR NOT NULL, platform VARCHAR, quarantine_reason VARCHAR,
        customer_id VARCHAR, receiver_name_masked VARCHAR, phone_masked VARCHAR, phone_valid BOOLEAN,
        phone_region VARCHAR, phone_invalid_reason VARCHAR, province VARCHAR, city VARCHAR, district VARCHAR,
        postcode VARCHAR, postcode_valid BOOLEAN, address_valid BOOLEAN, remote_area BOOLEAN,
        address_hash VARCHAR, name_cipher VARCHAR, phone_cipher VARCHAR, address_cipher VARCHAR)""",
    """create table if not exists landing.order_receivers (
        load_id BIGINT NOT NULL, landing_file VARCHAR NOT NULL, file_row INTEGER NOT NULL,
        platform VARCHAR, shop_key VARCHAR, order_id VARCHAR, record_modified TIMESTAMPTZ,
        receiver_id VARCHAR NOT NULL)""",
    """create table if not exists landing.quarantine (
        stream VARCHAR, platform VARCHAR, shop_key VARCHAR, record_key VARCHAR, record_modified TIMESTAMPTZ,
        landing_file VARCHAR, file_row INTEGER, reason VARCHAR NOT NULL, detail VARCHAR, load_id BIGINT)""",
]


# Columns added after the first release: a warehouse built before gets them on its next load.
# Payloads are no longer copied (staging reads them from the landing files): an older warehouse drops its copy.
MIGRATIONS = [statement for stream in ("orders", "refunds", "stock") for statement in (
    f"alter table landing.{stream} add column if not exists pii_digest VARCHAR",
    f"alter table landing.{stream} drop column if exists payload")]

# The receiver of every clean order version, as dbt reads it. Before receivers were grouped, the loader wrote
# this as a table with one row per version; such a warehouse keeps those rows as landing.order_contacts_v1.
_CONTACT_COLUMNS = """customer_id, receiver_name_masked, phone_masked, phone_valid, phone_region,
    phone_invalid_reason, province, city, district, postcode, postcode_valid, address_valid, remote_area,
    address_hash, name_cipher, phone_cipher, address_cipher"""
_CONTACTS_VIEW = f"""create or replace view landing.order_contacts as
    select v.load_id, v.landing_file, v.file_row, v.platform, v.shop_key, v.order_id, v.record_modified,
           {_CONTACT_COLUMNS}
    from landing.order_receivers as v join landing.receivers as r using (receiver_id)
    where r.quarantine_reason is null"""


def ensure(con: duckdb.DuckDBPyConnection) -> None:
    for statement in (*DDL, *MIGRATIONS):
        con.execute(statement)
    kind = con.execute("select table_type from information_schema.tables "
                       "where table_schema = 'landing' and table_name = 'order_contacts'").fetchall()
    if kind and kind[0][0] == "BASE TABLE":
        con.execute("alter table landing.order_contacts rename to order_contacts_v1")
    legacy = con.execute("select count(*) from information_schema.tables "
                         "where table_schema = 'landing' and table_name = 'order_contacts_v1'").fetchone()[0]
    con.execute(_CONTACTS_VIEW + (f"""
        union all select load_id, landing_file, file_row, platform, shop_key, order_id, record_modified,
                         {_CONTACT_COLUMNS} from landing.order_contacts_v1""" if legacy else ""))


def replace_shops(con: duckdb.DuckDBPyConnection, shops: Sequence[Shop]) -> None:
    """The shops table mirrors config/shops.yaml: staging reads each shop's time zone and currency from it."""
    con.execute("delete from landing.shops")
    con.executemany(
        "insert into landing.shops values (?, ?, ?, ?, ?, ?)",
        [[s.key, s.platform, s.name, s.region, s.timezone, s.currency] for s in shops],
    )


# Created here and by dbt's on-run-start (macros/tested_loads.sql): a check may run before dbt ever has.
_TESTED_LOADS = "create table if not exists main.tested_loads (scope varchar primary key, load_id bigint)"


def tested_load(con: duckdb.DuckDBPyConnection, scope: str) -> int | None:
    """The newest load the checks of `scope` passed on (dbt_models/macros/tested_loads.sql), None if none."""
    con.execute(_TESTED_LOADS)
    return con.execute("select max(load_id) from main.tested_loads where scope = ?", [scope]).fetchall()[0][0]


def record_tested_load(con: duckdb.DuckDBPyConnection, scope: str, load_id: int) -> None:
    con.execute(_TESTED_LOADS)
    con.execute("insert or replace into main.tested_loads values (?, ?)", [scope, load_id])


def forget_tested_load(con: duckdb.DuckDBPyConnection, scope: str) -> None:
    con.execute(_TESTED_LOADS)
    con.execute("delete from main.tested_loads where scope = ?", [scope])
