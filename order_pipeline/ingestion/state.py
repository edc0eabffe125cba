"""Watermarks and the pull log, in one SQLite file under the data directory.

A watermark per (platform, shop, stream) is the end of the last window whose data is durably in the landing
zone: it moves only after the window's file was renamed into place (at-least-once, never lost). The pull log
records every window pulled (records fetched and landed, requests made, the file), which is what lets a check
assert fetched == written and an operator see what each run did. SQLite in WAL mode lets pulls of different
shops (threads or processes) commit side by side.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from order_pipeline.clock import parse_instant

_SCHEMA = """
CREATE TABLE IF NOT EXISTS watermarks (
    platform TEXT NOT NULL, shop_key TEXT NOT NULL, stream TEXT NOT NULL,
    committed_until TEXT NOT NULL, updated_at TEXT NOT NULL,
    PRIMARY KEY (platform, shop_key, stream)
);
CREATE TABLE IF NOT EXISTS pull_log (
    pull_id TEXT NOT NULL, platform TEXT NOT NULL, shop_key TEXT NOT NULL, stream TEXT NOT NULL,
    window_start TEXT, window_end TEXT, records INTEGER NOT NULL, file TEXT, file_created INTEGER NOT NULL,
    requests INTEGER NOT NULL, pulled_at TEXT NOT NULL, fetched INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS landed_versions (
    platform TEXT NOT NULL, shop_key TEXT NOT NULL, stream TEXT NOT NULL, record_key TEXT NOT NULL,
    version_digest TEXT NOT NULL,
    PRIMARY KEY (platform, shop_key, stream, record_key)
) WITHOUT ROWID;
"""
_LOOKUP_CHUNK = 500


@dataclass(frozen=True)
class PullLogEntry:
    pull_id: str
    platform: str
    shop_key: str
    stream: str
    window_start: datetime | None
    window_end: datetime | None
    records: int
    file: str | None
    file_created: bool
    requests: int
    pulled_at: datetime
    fetched: int = 0  # records the platform returned, versions landed before included


class IngestionState:
    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        try:
            db.execute("PRAGMA synchronous=FULL")
            yield db
        finally:
            db.close()

    def watermark(self, platform: str, shop_key: str, stream: str) -> datetime | None:
        with self._connect() as db:
            row = db.execute(
                "SELECT committed_until FROM watermarks WHERE platform = ? AND shop_key = ? AND stream = ?",
                (platform, shop_key, stream),
            ).fetchone()
        return parse_instant(row[0]) if row else None

    def landed_versions(self, platform: str, shop_key: str, stream: str, keys: list[str]) -> dict[str, str]:
        """The version digest last landed for each of `keys` that has one."""
        found: dict[str, str] = {}
        with self._connect() as db:
            for i in range(0, len(keys), _LOOKUP_CHUNK):
                chunk = keys[i:i + _LOOKUP_CHUNK]
                marks = ",".join("?" * len(chunk))
                found.update(db.execute(
                    "SELECT record_key, version_digest FROM landed_versions WHERE platform = ? AND shop_key = ? "
                    f"AND stream = ? AND record_key IN ({marks})",  # only placeholders are interpolated
                    (platform, shop_key, stream, *chunk),
                ).fetchall())
        return found

    def commit_window(self, entry: PullLogEntry, *, advance_watermark: bool, now: datetime,
                      versions: dict[str, str] | None = None) -> None:
        """Log the window, remember the record versions it landed and (for incremental pulls) move the
        watermark forward, in one transaction. Call it only once the window's file is durable. The watermark
        never moves backwards: an overlapping or older window leaves it where it is."""
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            db.execute(
                "INSERT INTO pull_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (entry.pull_id, entry.platform, entry.shop_key, entry.stream, _iso(entry.window_start),
                 _iso(entry.window_end), entry.records, entry.file, int(entry.file_created), entry.requests,
                 _iso(entry.pulled_at), entry.fetched),
            )
            db.executemany(
                "INSERT OR REPLACE INTO landed_versions VALUES (?, ?, ?, ?, ?)",
                ((entry.platform, entry.shop_key, entry.stream, key, digest)
                 for key, digest in (versions or {}).items()),
            )
            if advance_watermark and entry.window_end is not None:
                db.execute(
                    """INSERT INTO watermarks VALUES (?, ?, ?, ?, ?)
                       ON CONFLICT (platform, shop_key, stream) DO UPDATE SET
                         committed_until = max(committed_until, excluded.committed_until),
                         updated_at = excluded.updated_at""",
                    (entry.platform, entry.shop_key, entry.stream, _iso(entry.window_end), _iso(now)),
                )
            db.execute("COMMIT")

    def pull_log(self, pull_id: str | None = None) -> list[PullLogEntry]:
        query, params = "SELECT * FROM pull_log", ()
        if pull_id:
            query, params = query + " WHERE pull_id = ?", (pull_id,)
        with self._connect() as db:
            rows = db.execute(query + " ORDER BY rowid", params).fetchall()
        return [
            PullLogEntry(r[0], r[1], r[2], r[3], _parse(r[4]), _parse(r[5]), r[6], r[7], bool(r[8]), r[9],
                         parse_instant(r[10]), r[11])
            for r in rows
        ]


def _iso(value: datetime | None) -> str | None:
    # Fixed-width UTC text so SQLite's max() on strings orders instants correctly.
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ") if value else None


def _parse(value: str | None) -> datetime | None:
    return parse_instant(value) if value else None
