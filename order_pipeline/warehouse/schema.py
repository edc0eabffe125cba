"""The warehouse's `landing` schema: the tables the loader writes and dbt reads as sources.

Created here (not by dbt) because they are the loader's output and must exist before the first `dbt build`.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from order_pipeline.shops import Shop

_RECORD_COLUMNS = """
    load_id BIGINT NOT NULL,
    landing_file VARCHAR NOT NULL,
    file_row INTEGER NOT NULL,
    platform VARCHAR, shop_key VARCHAR, stream VARCHAR, record_key VARCHAR,
    record_modified TIMESTAMPTZ, payload VARCHAR, request_ids VARCHAR[],
    window_start TIMESTAMPTZ, window_end TIMESTAMPTZ, pulled_at TIMESTAMPTZ, pull_id VARCHAR
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
    """create table if not exists landing.order_contacts (
        load_id BIGINT NOT NULL, landing_file VARCHAR NOT NULL, file_row INTEGER NOT NULL,
        platform VARCHAR, shop_key VARCHAR, order_id VARCHAR, record_modified TIMESTAMPTZ,
        customer_id VARCHAR, receiver_name_masked VARCHAR, phone_masked VARCHAR, phone_valid BOOLEAN,
        phone_region VARCHAR, phone_invalid_reason VARCHAR, province VARCHAR, city VARCHAR, district VARCHAR,
        postcode VARCHAR, postcode_valid BOOLEAN, address_valid BOOLEAN, remote_area BOOLEAN,
        address_hash VARCHAR, name_cipher VARCHAR, phone_cipher VARCHAR, address_cipher VARCHAR)""",
    """create table if not exists landing.quarantine (
        stream VARCHAR, platform VARCHAR, shop_key VARCHAR, record_key VARCHAR, record_modified TIMESTAMPTZ,
        landing_file VARCHAR, file_row INTEGER, reason VARCHAR NOT NULL, detail VARCHAR, load_id BIGINT)""",
]


def ensure(con: duckdb.DuckDBPyConnection) -> None:
    for statement in DDL:
        con.execute(statement)


def replace_shops(con: duckdb.DuckDBPyConnection, shops: Sequence[Shop]) -> None:
    """The shops table mirrors config/shops.yaml: staging reads each shop's time zone and currency from it."""
    con.execute("delete from landing.shops")
    con.executemany(
        "insert into landing.shops values (?, ?, ?, ?, ?, ?)",
        [[s.key, s.platform, s.name, s.region, s.timezone, s.currency] for s in shops],
    )

