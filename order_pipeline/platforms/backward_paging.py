"""Backward paging over newest-first, total-counted lists, and the detail fetches that follow each page.

Taobao and JD list records by modified time, newest first, with a total count. A record modified while a
client pages leaves the window (its new time is past the window's end), so every record after it moves one
place towards page 1. Read forwards, the record that slides from page k+1 onto page k (already read) is lost.
Read from the LAST page back, a slide only moves records onto pages not read yet: nothing is missed, some are
read twice. Page 1 is read first to learn the total, so it is read again at the end (a record from page 2
may have slid onto it in between). Records seen twice are deduplicated here by id, keeping the newer version
and never fetching a detail twice for the same version: the benchmark counts requests. The first read's
records are kept too: it costs no request (the re-read then fetches only what is new) and it covers the one
slide backward paging cannot see, page 1's last record pushed onto page 2 by a record modified to a time still
inside the window (possible only when the window reaches the present; the ingestion layer keeps it behind).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from order_pipeline.platforms.base import Batch, Window

log = logging.getLogger(__name__)

Record = dict[str, Any]


@dataclass
class Page:
    """One list response: its records, the total the platform reported, and the request ids behind it."""

    number: int
    items: list[Record]
    total: int
    request_ids: list[str] = field(default_factory=list)


def pages_backward(read: Callable[[int], Page], page_size: int, *, max_passes: int = 3) -> Iterator[Page]:
    """Page 1 (for the total); if more pages exist, the last page back to page 2, then page 1 again.

    A record can only *enter* the window while we page if the window reaches into the present (the ingestion
    layer keeps the window end behind now, so normally it cannot). If the final page 1 reports a larger total
    than the walk was planned for, records may have been pushed onto pages already read, so the walk repeats
    (bounded by `max_passes`)."""
    first = read(1)
    yield first
    if first.total <= page_size:
        return
    planned = first.total
    for attempt in range(1, max_passes + 1):
        for number in range(math.ceil(planned / page_size), 1, -1):
            yield read(number)
        again = read(1)
        yield again
        if again.total <= planned:
            return
        log.warning("list grew from %d to %d records while paging (pass %d): walking again",
                    planned, again.total, attempt)
        planned = again.total
    log.warning("list still growing after %d passes; the next window's overlap must catch up", max_passes)


class Versions:
    """The newest version seen of every id in one window (ids and times only: bounded memory)."""

    def __init__(self, modified_of: Callable[[Record], datetime | None]):
        self._modified_of = modified_of
        self._seen: dict[str, datetime | None] = {}

    def is_new(self, key: str, item: Record) -> bool:
        """True unless this id was already taken at this version or a newer one."""
        if key not in self._seen:
            return True
        seen, modified = self._seen[key], self._modified_of(item)
        return seen is None or modified is None or modified > seen

    def take(self, key: str, *records: Record) -> None:
        times = [t for t in (self._modified_of(r) for r in records) if t is not None]
        self._seen[key] = max(times) if times else None


def list_then_detail(
    pages: Iterable[Page],
    *,
    stream: str,
    window: Window | None,
    key_of: Callable[[Record], str],
    modified_of: Callable[[Record], datetime | None],
    detail: Callable[[str], tuple[Record, str | None]] | None,
    concurrency: int,
) -> Iterator[Batch]:
    """One Batch per list page: the details of its records not already fetched at that version (or the list
    records themselves when `detail` is None: the list already carries every field)."""
    versions = Versions(modified_of)
    with ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix=f"{stream}-detail") as pool:
        for page in pages:
            wanted: dict[str, Record] = {}
            for item in page.items:
                key = key_of(item)
                if key not in wanted and versions.is_new(key, item):
                    wanted[key] = item
            request_ids = [rid for rid in page.request_ids if rid]
            if detail is None:
                records = list(wanted.values())
                for key, item in wanted.items():
                    versions.take(key, item)
            else:
                records = []
                for (key, item), (record, rid) in zip(wanted.items(), pool.map(detail, wanted), strict=True):
                    versions.take(key, item, record)
                    records.append(record)
                    if rid:
                        request_ids.append(rid)
            yield Batch(stream=stream, records=records, request_ids=request_ids, window=window)


def pages_forward(read: Callable[[int], Page], page_size: int) -> Iterator[Page]:
    """Plain forward paging for snapshot lists (stock), where a record seen twice is harmless and none leaves."""
    number = 1
    while True:
        page = read(number)
        yield page
        if not page.items or number * page_size >= page.total:
            return
        number += 1
