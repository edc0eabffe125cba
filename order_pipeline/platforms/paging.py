"""Reading newest-first offset lists without missing records, and keeping one version per record (Douyin;
Shopee returns use keyset paging instead, see `shopee.py`). Taobao/JD have their own `backward_paging.py`
(page numbers from 1, detail fan-out built in); the two could be merged once both settle.

A modified-time list sorted newest first is a moving target: while a client pages, records updated again
leave the window (their new modified time is past its end) and every record behind them moves one place
towards the first page. A forward reader then skips whatever moved from the next page onto the one it has
already read. Reading the last page first and walking back is safe against that (a record that moves goes
to a page not read yet), which is what Taobao and PDD tell their clients to do. The first page has to be
read once more at the end, because the first read (needed to learn the total) happened before the walk.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)


@dataclass
class Page:
    number: int
    records: list[dict[str, Any]]
    total: int
    request_ids: list[str] = field(default_factory=list)


def walk_backward(
    read: Callable[[int], Page], *, first: int, size: int, key: Callable[[dict[str, Any]], Hashable],
    max_passes: int = 3,
) -> Iterator[Page]:
    """Every page of a newest-first offset list, last page first, for `read(page_number)`.

    `first` is the platform's first page number (Douyin counts from 0). Costs one request more than the
    number of pages when there is more than one page, none more when everything fits on the first. The
    first page is yielded last, with the records the first read saw that the re-read no longer shows (a
    record that left the window is yielded in its earlier state rather than dropped: harmless, the newer
    version belongs to a later window). Records can only *enter* the window while we page if it reaches the
    present; if the re-read reports a larger total than the walk planned for, the walk repeats (bounded).
    """
    probe = read(first)
    if probe.total <= size:
        yield probe
        return
    planned, carried = probe.total, probe
    for attempt in range(1, max_passes + 1):
        for number in range(first + math.ceil(planned / size) - 1, first, -1):
            yield read(number)
        again = read(first)
        if carried is not None:
            present = {key(record) for record in again.records}
            again.records.extend(r for r in carried.records if key(r) not in present)
            again.request_ids = carried.request_ids + again.request_ids
            carried = None
        yield again
        if again.total <= planned:
            return
        log.warning("list grew from %d to %d while paging (pass %d): walking again", planned, again.total, attempt)
        planned = again.total
    log.warning("list still growing after %d passes; the next window's overlap has to catch up", max_passes)


class LatestVersions:
    """Which record versions a pull has already taken, so a record seen twice in one window (it moved
    between pages) is fetched and yielded once, unless the second sighting is newer. Ids and versions only:
    memory stays small however large the window."""

    def __init__(self) -> None:
        self._seen: dict[str, float | None] = {}

    def is_new(self, record_id: str, version: float | None) -> bool:
        """True (and remembered) when the id is unseen, or seen at an older version."""
        if record_id in self._seen:
            previous = self._seen[record_id]
            if version is None or (previous is not None and version <= previous):
                return False
        self._seen[record_id] = version
        return True

    def __len__(self) -> int:
        return len(self._seen)
