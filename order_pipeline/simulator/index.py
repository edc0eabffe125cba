"""Per-shop indices over the generated records: what makes a modified-time window O(log n + k).

Every version of every record is one int key `instant << 24 | position`, in one sorted `array('q')` per shop
and stream: a window is two bisects, a bump is one insort, and 500k versions cost 4 MB instead of 500k tuples.
Positions index the specs in creation order, which a second sorted list (creation instants) bisects for
created-time windows.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from datetime import datetime

from order_pipeline.clock import ensure_utc

BITS, MASK = 24, (1 << 24) - 1


def version_index(specs: list) -> array:
    keys = [t << BITS | i for i, spec in enumerate(specs) for t in spec.vtimes]
    keys.sort()
    return array("q", keys)


def quiet(stream: Stream, since: int, until: int) -> bool:
    """No version of any record of this stream falls in (since, until]."""
    keys = stream.versions
    i = bisect_right(keys, since << BITS | MASK)
    return i == len(keys) or keys[i] > (until << BITS | MASK)


def bounds(start: datetime, end: datetime) -> tuple[int, int]:
    start, end = ensure_utc(start), ensure_utc(end)
    low = int(start.timestamp())
    return (low + (low < start.timestamp())), int(end.timestamp())


class Stream:
    """Orders or refunds of one shop: specs in creation order plus the two indices."""

    def __init__(self, specs: list, key: str):
        self.specs = specs
        self.created = [spec.created for spec in specs]
        self.position = {getattr(spec, key): i for i, spec in enumerate(specs)}
        self.versions = version_index(specs)
