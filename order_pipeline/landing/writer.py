"""The immutable landing zone: every record pulled, as the platform sent it, with where it came from.

One Parquet file per (stream, shop, pull window): the raw payload (personal fields already encrypted), the
record's key and version time, the request window, the request ids and the pull time. Files are written to a
temporary name, fsynced and renamed, so a reader (or a rerun after `kill -9`) sees a whole file or none.
The file name carries a keyed digest of the plaintext content, so pulling the same window again and getting
the same data writes nothing new: reruns are idempotent, and the warehouse can always be rebuilt from here.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from order_pipeline.landing.pii import PiiCipher
from order_pipeline.platforms.base import Batch, PlatformAdapter, Window


@cache
def landing_schema():  # noqa: ANN201 - pyarrow.Schema
    """The landing file schema. pyarrow is imported here, not at module import: a pull that only hands its shops
    to worker processes never loads it (~60 MB of resident memory)."""
    import pyarrow as pa

    return pa.schema(
        [
            ("platform", pa.string()),
            ("shop_key", pa.string()),
            ("stream", pa.string()),
            ("record_key", pa.string()),
            ("record_modified", pa.timestamp("us", tz="UTC")),
            ("payload", pa.string()),
            ("request_ids", pa.list_(pa.string())),
            ("window_start", pa.timestamp("us", tz="UTC")),
            ("window_end", pa.timestamp("us", tz="UTC")),
            ("pulled_at", pa.timestamp("us", tz="UTC")),
            ("pull_id", pa.string()),
            # keyed digest of the record's plaintext personal values (PiiCipher.pii_digest); null when none
            ("pii_digest", pa.string()),
        ]
    )
ROW_GROUP_ROWS = 1_000
ROW_COLUMNS = ("record_key", "record_modified", "payload", "request_ids", "pii_digest")  # the rest is one value per file
_MOD = 2**256


@dataclass(frozen=True)
class LandedFile:
    path: Path | None  # None when nothing new was fetched
    records: int  # records written to the file
    created: bool  # False when an identical file was already there (an idempotent rerun)
    fetched: int  # records the platform returned, including versions landed before
    versions: dict[str, str]  # record key -> version digest of every record written

# Looks up the version digests already landed for some record keys (key -> digest).
KnownVersions = Callable[[list[str]], dict[str, str]]


class LandingChunk:
    """Collects the batches of one pull window and lands them as one file on `close()`.

    A record version already in the landing zone (same key, same content: an overlap re-read, a rerun, a
    duplicate across pages) is not written again when `known` is given, so reruns add nothing. Memory stays
    bounded: rows are flushed to the temporary file in row groups as they arrive."""

    def __init__(self, root: Path, adapter: PlatformAdapter, stream: str, window: Window | None,
                 cipher: PiiCipher, pull_id: str, pulled_at: datetime, known: KnownVersions | None = None):
        self.adapter, self.stream, self.window, self.cipher = adapter, stream, window, cipher
        self.known = known
        self.pull_id, self.pulled_at = pull_id, pulled_at
        day = (window.start if window else pulled_at).strftime("%Y-%m-%d")
        self.folder = (root / stream / f"platform={adapter.platform}" / f"shop={adapter.shop.key}"
                       / f"{'window' if window else 'snapshot'}_date={day}")
        self.folder.mkdir(parents=True, exist_ok=True)
        # Not named *.parquet: a reader globbing the landing zone never sees a file still being written (or
        # left behind by a killed pull).
        self._tmp = self.folder / f".{uuid.uuid4().hex}.partial"
        self._writer = None  # a pyarrow ParquetWriter once the first rows arrive
        self._columns = _empty_columns()
        self._content_sum = 0
        self.records = 0
        self.fetched = 0
        self.versions: dict[str, str] = {}

    def add(self, batch: Batch) -> None:
        adapter, paths = self.adapter, self.adapter.pii_paths.get(self.stream, [])
        keyed = [(adapter.record_key(self.stream, record), record) for record in batch.records]
        landed = self.known([key for key, _ in keyed]) if self.known else {}
        for key, record in keyed:
            self.fetched += 1
            plain = json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
            # Keyed, so the digests kept in the state database reveal nothing about the personal data inside.
            version = self.cipher.digest([plain])[:32]
            if self.known and version in (landed.get(key), self.versions.get(key)):
                continue
            self.versions[key] = version
            # An order-independent sum of per-record hashes: the name does not depend on page order or on
            # which detail call finished first, and memory stays constant however large the window.
            self._content_sum = (self._content_sum + int(version, 16)) % _MOD
            sealed = self.cipher.encrypt_paths(record, paths)
            columns = self._columns
            columns["record_key"].append(key)
            columns["record_modified"].append(adapter.record_modified(self.stream, record))
            columns["payload"].append(json.dumps(sealed, ensure_ascii=False, separators=(",", ":")))
            columns["request_ids"].append(batch.request_ids)
            columns["pii_digest"].append(self.cipher.pii_digest(record, paths))
            self.records += 1
        if len(self._columns["record_key"]) >= ROW_GROUP_ROWS:
            self._flush()

    def _flush(self) -> None:
        columns = self._columns
        rows = len(columns["record_key"])
        if not rows:
            return
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema = landing_schema()
        if self._writer is None:
            self._writer = pq.ParquetWriter(self._tmp, schema, compression="zstd")
        constant = {"platform": self.adapter.platform, "shop_key": self.adapter.shop.key, "stream": self.stream,
                    "window_start": self.window.start if self.window else None,
                    "window_end": self.window.end if self.window else None,
                    "pulled_at": self.pulled_at, "pull_id": self.pull_id}
        # Column-wise arrays: building the table from row dicts cost as much as the HTTP calls.
        arrays = [pa.array(columns[f.name] if f.name in ROW_COLUMNS else [constant[f.name]] * rows, type=f.type)
                  for f in schema]
        self._writer.write_table(pa.Table.from_arrays(arrays, schema=schema))
        self._columns = _empty_columns()

    def close(self) -> LandedFile:
        """Make the file durable under its content-derived name, or discard it if it already exists."""
        self._flush()
        if self._writer is None:
            return LandedFile(None, 0, False, self.fetched, {})
        self._writer.close()
        window_part = (f"{self.window.start:%Y%m%dT%H%M%S}-{self.window.end:%Y%m%dT%H%M%S}"
                       if self.window else "snapshot")
        digest = self.cipher.digest([self._content_sum.to_bytes(32, "big"), str(self.records).encode()])[:20]
        final = self.folder / f"{window_part}-{digest}.parquet"
        if final.exists():
            self._tmp.unlink(missing_ok=True)
            return LandedFile(final, self.records, False, self.fetched, self.versions)
        _fsync(self._tmp)
        os.replace(self._tmp, final)
        _fsync(self.folder)
        return LandedFile(final, self.records, True, self.fetched, self.versions)

    def abort(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._tmp.unlink(missing_ok=True)


def _empty_columns() -> dict[str, list[Any]]:
    return {name: [] for name in ROW_COLUMNS}


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
