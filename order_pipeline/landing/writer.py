"""The immutable landing zone: every record pulled, as the platform sent it, with where it came from.

One Parquet file per (stream, shop, pull window): the raw payload (personal fields already encrypted), the
record's key and version time, the request window, the request ids and the pull time. Files are written to a
temporary name, fsynced and renamed, so a reader (or a rerun after `kill -9`) sees a whole file or none.
The file name carries a keyed digest of the plaintext content, so pulling the same window again and getting
the same data writes nothing new: reruns are idempotent, and the warehouse can always be rebuilt from here.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from order_pipeline.landing.pii import PiiCipher
from order_pipeline.platforms.base import Batch, PlatformAdapter, Window

LANDING_SCHEMA = pa.schema(
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
    ]
)
ROW_GROUP_ROWS = 5_000
_MOD = 2**256


@dataclass(frozen=True)
class LandedFile:
    path: Path | None  # None when the window had no records
    records: int
    created: bool  # False when an identical file was already there (an idempotent rerun)


class LandingChunk:
    """Collects the batches of one pull window and lands them as one file on `close()`.

    Memory stays bounded: rows are flushed to the temporary file in row groups as they arrive."""

    def __init__(self, root: Path, adapter: PlatformAdapter, stream: str, window: Window | None,
                 cipher: PiiCipher, pull_id: str, pulled_at: datetime):
        self.adapter, self.stream, self.window, self.cipher = adapter, stream, window, cipher
        self.pull_id, self.pulled_at = pull_id, pulled_at
        day = (window.start if window else pulled_at).strftime("%Y-%m-%d")
        self.folder = (root / stream / f"platform={adapter.platform}" / f"shop={adapter.shop.key}"
                       / f"{'window' if window else 'snapshot'}_date={day}")
        self.folder.mkdir(parents=True, exist_ok=True)
        self._tmp = self.folder / f".tmp-{uuid.uuid4().hex}.parquet"
        self._writer: pq.ParquetWriter | None = None
        self._rows: list[dict[str, Any]] = []
        self._content_sum = 0
        self.records = 0

    def add(self, batch: Batch) -> None:
        adapter, paths = self.adapter, self.adapter.pii_paths.get(self.stream, [])
        for record in batch.records:
            key = adapter.record_key(self.stream, record)
            plain = json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
            # An order-independent sum of per-record hashes: the name does not depend on page order or on
            # which detail call finished first, and memory stays constant however large the window.
            self._content_sum = (self._content_sum + int.from_bytes(
                hashlib.sha256(plain.encode("utf-8")).digest(), "big")) % _MOD
            sealed = self.cipher.encrypt_paths(record, paths)
            self._rows.append({
                "platform": adapter.platform, "shop_key": adapter.shop.key, "stream": self.stream,
                "record_key": key, "record_modified": adapter.record_modified(self.stream, record),
                "payload": json.dumps(sealed, ensure_ascii=False, separators=(",", ":")),
                "request_ids": list(batch.request_ids),
                "window_start": self.window.start if self.window else None,
                "window_end": self.window.end if self.window else None,
                "pulled_at": self.pulled_at, "pull_id": self.pull_id,
            })
            self.records += 1
        if len(self._rows) >= ROW_GROUP_ROWS:
            self._flush()

    def _flush(self) -> None:
        if not self._rows:
            return
        if self._writer is None:
            self._writer = pq.ParquetWriter(self._tmp, LANDING_SCHEMA, compression="zstd")
        self._writer.write_table(pa.Table.from_pylist(self._rows, schema=LANDING_SCHEMA))
        self._rows = []

    def close(self) -> LandedFile:
        """Make the file durable under its content-derived name, or discard it if it already exists."""
        self._flush()
        if self._writer is None:
            return LandedFile(None, 0, False)
        self._writer.close()
        window_part = (f"{self.window.start:%Y%m%dT%H%M%S}-{self.window.end:%Y%m%dT%H%M%S}"
                       if self.window else "snapshot")
        digest = self.cipher.digest([self._content_sum.to_bytes(32, "big"), str(self.records).encode()])[:20]
        final = self.folder / f"{window_part}-{digest}.parquet"
        if final.exists():
            self._tmp.unlink(missing_ok=True)
            return LandedFile(final, self.records, False)
        _fsync(self._tmp)
        os.replace(self._tmp, final)
        _fsync(self.folder)
        return LandedFile(final, self.records, True)

    def abort(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._tmp.unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
