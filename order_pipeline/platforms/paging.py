"""Reading newest-first offset lists without missing records, keeping one version per record, and the detail
fetches that follow each page (Taobao, JD, Douyin; Shopee returns use keyset paging instead, see `shopee.py`,
but share the version tracker).

A modified-time list sorted newest first is a moving target. While a client pages, a record modified again
leaves the window (its new time is past the window's end) and every record behind it moves one place
towards the first page. Read forwards, the record that slides from page k+1 onto page k (already read) is
lost. Read from the LAST page back, a slide only moves records onto pages not read yet: nothing is missed,
some are read twice (which is what Taobao and PDD tell their clients to do). The first page is read first to
learn the total, so it is read again at the end (a record from the second page may have slid onto it).

Records seen twice are deduplicated by id, keeping the newer version and never fetching a detail twice for
the same version: the benchmark counts requests. The first read's records are kept too, even when the
re-read no longer shows them: that costs no request, and it covers the one slide backward paging cannot see,
the first page's last record pushed onto the second by a record modified to a time still inside the window
(possible only when the window reaches the present; the ingestion layer keeps it behind).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Hashable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from order_pipeline.platforms.base import Batch, Window

log = logging.getLogger(__name__)

Record = dict[str, Any]
Version = datetime | float  # comparable within one stream: a modified time, or epoch seconds


@dataclass
class Page:
    """One list response: its records, the total the platform reported, and the request ids behind it."""

    number: int
    records: list[Record]
    total: int
    request_ids: list[str] = field(default_factory=list)


def pages_backward(
    read: Callable[[int], Page], *, first: int, size: int,
    carry_by: Callable[[Record], Hashable] | None = None, max_passes: int = 3,
) -> Iterator[Page]:
    """Every page of a newest-first offset list for `read(page_number)`: the first page (for the total), then,
    if more pages exist, the last page back to the second, then the first page again.

    `first` is the platform's first page number (Douyin counts from 0, Taobao and JD from 1). The list
    requests are the same either way: one more than the number of pages when there is more than one page,
    none more when everything fits on the first. Where the first read's records surface is the caller's
    choice, and both keep them: by default that page is yielded at once, so its records land without
    waiting for the walk and the caller's `LatestVersions` drops their second sighting (Taobao, JD). With
    `carry_by` (a record's id) it is held back and merged into the re-read instead: the records the re-read no
    longer shows are appended, both request ids are named, and each record of that page is yielded once, in
    its newest listed state (Douyin). A record that left the window is then yielded in its earlier state
    rather than dropped: harmless, the newer version belongs to a later window.

    A record can only *enter* the window while we page if the window reaches into the present. If the
    re-read reports a larger total than the walk was planned for, records may have been pushed onto pages
    already read, so the walk repeats (bounded by `max_passes`)."""
    probe = read(first)
    if carry_by is None or probe.total <= size:
        yield probe
    if probe.total <= size:
        return
    planned, carried = probe.total, probe if carry_by is not None else None
    for attempt in range(1, max_passes + 1):
        for number in range(first + math.ceil(planned / size) - 1, first, -1):
            yield read(number)
        again = read(first)
        if carried is not None and carry_by is not None:
            present = {carry_by(record) for record in again.records}
            again.records.extend(r for r in carried.records if carry_by(r) not in present)
            again.request_ids = carried.request_ids + again.request_ids
            carried = None
        yield again
        if again.total <= planned:
            return
        log.warning("list grew from %d to %d records while paging (pass %d): walking again",
                    planned, again.total, attempt)
        planned = again.total
    log.warning("list still growing after %d passes; the next window's overlap must catch up", max_passes)


def pages_forward(read: Callable[[int], Page], size: int) -> Iterator[Page]:
    """Plain forward paging from page 1 for snapshot lists (stock), where a record seen twice is harmless and
    none leaves."""
    number = 1
    while True:
        page = read(number)
        yield page
        if not page.records or number * size >= page.total:
            return
        number += 1


class LatestVersions:
    """Which record versions a pull has already taken, so a record seen twice in one window (it moved between
    pages, or the first page was read twice) is fetched and yielded once, unless the second sighting is newer.
    Ids and versions only: memory stays small however large the window. A sighting without a version cannot
    be shown newer, so it counts as new only for an id not seen yet."""

    def __init__(self) -> None:
        self._seen: dict[str, Version | None] = {}

    def is_new(self, record_id: str, version: Version | None) -> bool:
        """True (and remembered) when the id is unseen, or seen at an older (or unknown) version."""
        if record_id in self._seen:
            previous = self._seen[record_id]
            if version is None or (previous is not None and version <= previous):
                return False
        self._seen[record_id] = version
        return True

    def remember(self, record_id: str, version: Version | None) -> None:
        """Raise the id's remembered version to `version`: a detail fetched after the list may already show a
        newer version, and a later sighting of that version must not fetch it again."""
        previous = self._seen.get(record_id)
        if version is not None and (previous is None or version > previous):
            self._seen[record_id] = version

    def __len__(self) -> int:
        return len(self._seen)


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
    """One Batch per list page: the details of its records not already taken at that version, fetched
    concurrently (or the list records themselves when `detail` is None: the list already carries every
    field). Each batch names the list request and every detail request behind it."""
    versions = LatestVersions()
    with ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix=f"{stream}-detail") as pool:
        for page in pages:
            wanted: dict[str, Record] = {}
            for item in page.records:
                key = key_of(item)
                if key not in wanted and versions.is_new(key, modified_of(item)):
                    wanted[key] = item
            request_ids = [rid for rid in page.request_ids if rid]
            if detail is None:
                records = list(wanted.values())
            else:
                records = []
                for key, (record, rid) in zip(wanted, pool.map(detail, wanted), strict=True):
                    versions.remember(key, modified_of(record))
                    records.append(record)
                    if rid:
                        request_ids.append(rid)
            yield Batch(stream=stream, records=records, request_ids=request_ids, window=window)


def epoch_version(value: Any) -> float | None:
    """An epoch-seconds field (Douyin, Shopee) as a version for `LatestVersions`; None when unreadable."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def request_ids(replies: Iterable[Any]) -> list[str]:
    """The request ids of some platform replies (anything with a `request_id`), skipping missing ones."""
    return [reply.request_id for reply in replies if reply.request_id]
