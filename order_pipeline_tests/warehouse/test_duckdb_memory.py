"""The loader's cleaning phase lowers DuckDB's cap, never raises it, and restores it afterwards."""

from __future__ import annotations

import duckdb
import pytest

from order_pipeline.warehouse.duckdb_memory import lowered_memory_limit


def _limit(con: duckdb.DuckDBPyConnection) -> str:
    return con.execute("select current_setting('memory_limit')").fetchall()[0][0]


@pytest.mark.parametrize(("configured", "inside", "after"), [
    ("3GB", "1.3 GiB", "2.6 GiB"),  # lowered to 1500MB for the phase, then restored as displayed (2.7 GiB)
    ("1GB", "953.6 MiB", "953.6 MiB"),  # already below: left alone, never raised
])
def test_the_cap_is_lowered_for_the_phase_only(configured, inside, after):
    with duckdb.connect() as con:
        con.execute("set memory_limit = ?", [configured])
        with lowered_memory_limit(con, "1500MB"):
            assert _limit(con) == inside
        assert _limit(con) == after
