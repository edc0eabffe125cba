"""DuckDB's memory cap lowered for a phase of a step that leaves the memory to other processes.

The loader's receiver cleaning runs in two worker processes (~450 MB each) while the loader itself only reads
chunks and appends cleaned rows: DuckDB holding its full cap beside them made that phase the run's memory peak.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator

import duckdb


@contextlib.contextmanager
def lowered_memory_limit(con: duckdb.DuckDBPyConnection, limit: str) -> Iterator[None]:
    """DuckDB's cap lowered to `limit` for a while (never raised), then restored. DuckDB evicts (or spills) what
    no longer fits. It is restored to the value DuckDB displays, which is rounded down to a tenth of a GiB, so
    the cap comes back up to 0.2 GiB lower (3GB, shown as 2.7 GiB, returns as 2.6 GiB)."""
    previous = con.execute("select current_setting('memory_limit')").fetchall()[0][0]
    lower = _bytes(limit) < _bytes(previous)
    if lower:
        con.execute("set memory_limit = ?", [limit])
    try:
        yield
    finally:
        if lower:
            con.execute("set memory_limit = ?", [previous])


_UNITS = {"": 1, "B": 1, "BYTES": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12,
          "KIB": 2**10, "MIB": 2**20, "GIB": 2**30, "TIB": 2**40}


def _bytes(size: str) -> float:
    """'1500MB', '2.7 GiB' (DuckDB's display) -> bytes; an unreadable size counts as unlimited."""
    match = re.fullmatch(r"\s*([0-9.]+)\s*([A-Za-z]*)\s*", size)
    unit = _UNITS.get(match.group(2).upper()) if match else None
    return float(match.group(1)) * unit if unit else float("inf")
