"""What the created-time listings (`fetch_orders_created`) share across adapters.

The nightly completeness pass (F10) re-lists orders by CREATED time because a platform's modified-time
index can miss orders. Listing is cheap; fetching every order's detail again is not (one call per order on
Taobao, JD and Douyin). So the adapters hand each page's listed ids to the caller's `WantedKeys`, and fetch
details only for the ids it returns: everything for a plain pull, only the orders we do not hold for the
completeness pass.

Created times never change, so a created-time list does not shift under a client the way a modified-time
list does: forward paging is safe wherever the window lies in the past.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from order_pipeline.platforms.base import WantedKeys
from order_pipeline.platforms.paging import Page, Record


def only_wanted(pages: Iterable[Page], key_of: Callable[[Record], str], wanted: WantedKeys | None) -> Iterator[Page]:
    """The pages with only the records `wanted` picks from each page's listed ids (all when it is None)."""
    for page in pages:
        if wanted is None:
            yield page
            continue
        keep = set(wanted([key_of(record) for record in page.records]))
        yield Page(page.number, [r for r in page.records if key_of(r) in keep], page.total, page.request_ids)


def wanted_ids(ids: list[str], wanted: WantedKeys | None) -> list[str]:
    """`ids` narrowed by `wanted`, in listing order (for adapters that list ids rather than `Page`s)."""
    if wanted is None:
        return ids
    keep = set(wanted(ids))
    return [key for key in ids if key in keep]


def pages_with_has_next(read: Callable[[int], tuple[Page, bool]], first: int = 1) -> Iterator[Page]:
    """Forward paging where the platform answers `has_next` instead of a total (TOP's `use_has_next=true`)."""
    number = first
    while True:
        page, has_next = read(number)
        yield page
        if not has_next or not page.records:
            return
        number += 1
