"""Where the warehouse lives and how to open it. Secrets come from the environment only (`EnvVar`)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import duckdb

from order_pipeline.landing.pii import PiiCipher, load_key
from order_pipeline.settings import data_dir, landing_dir

WAREHOUSE_PATH_ENV = "ORDER_PIPELINE_WAREHOUSE_PATH"  # read by dbt_models/profiles.yml
LANDING_DIR_ENV = "ORDER_PIPELINE_LANDING_DIR"  # read by dbt_models/macros/landed.sql: staging reads the payloads
# The Dagster pool of every step that opens the warehouse file (limit 1 in dagster.yaml): DuckDB allows one
# read-write process per file, and no reader while it is written.
WRITER_POOL = "warehouse_writer"


class WarehouseResource(dg.ConfigurableResource):
    """The warehouse DuckDB file (`data/warehouse.duckdb`, written only by the pool `warehouse_writer`) and the
    published copy analysts read (`data/serving.duckdb`)."""

    pii_key: str = dg.EnvVar("ORDER_PIPELINE_PII_KEY")
    data_dir: str = ""  # empty = ORDER_PIPELINE_DATA_DIR or <project>/data
    as_of: str = ""  # ISO instant for "now" in dbt (the dormant tag); empty = the build time
    # DuckDB's memory cap for the loader and the gates (dbt: ORDER_PIPELINE_DUCKDB_MEMORY_LIMIT in the profile);
    # past it DuckDB spills to disk instead of growing: a 1M-order load otherwise holds ~8 GB of uncommitted rows
    memory_limit: str = "3GB"

    def root(self) -> Path:
        return Path(self.data_dir) if self.data_dir else data_dir()

    def warehouse_path(self) -> Path:
        return self.root() / "warehouse.duckdb"

    def serving_path(self) -> Path:
        return self.root() / "serving.duckdb"

    def landing(self) -> Path:
        return landing_dir(self.root())

    def cipher(self) -> PiiCipher:
        return PiiCipher(load_key(self.pii_key))

    @contextlib.contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        path = self.warehouse_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(path), read_only=read_only)
        con.execute("set TimeZone = 'UTC'")  # icu is built in, but loads only after connect
        con.execute("set memory_limit = ?", [self.memory_limit])
        try:
            yield con
        finally:
            con.close()

    @contextlib.contextmanager
    def dbt_environment(self) -> Iterator[None]:
        """dbt reads the warehouse path (profiles.yml) and the landing directory (the `landed` macro) from the
        environment: set them for the dbt subprocess."""
        values = {WAREHOUSE_PATH_ENV: str(self.warehouse_path()), LANDING_DIR_ENV: str(self.landing())}
        previous = {name: os.environ.get(name) for name in values}
        os.environ.update(values)
        try:
            yield
        finally:
            for name, value in previous.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
