"""What every platform adapter offers the ingestion layer.

An adapter is a client of one platform's contract (`docs/platform-api.md`) for one shop. It yields `Batch`es
of raw records exactly as the platform returned them (the detail payloads), with the request ids that
fetched them, so the landing zone keeps what the platform said and the warehouse can be rebuilt from it.
It knows each platform's signing, windows, paging direction, batch sizes and error envelopes; it knows
nothing of files, watermarks or Dagster.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from order_pipeline.clock import Clock, SystemClock, ensure_utc
from order_pipeline.platforms.transport import Transport, TransportSettings
from order_pipeline.shops import Shop

STREAMS = ("orders", "refunds", "stock")
# Given the order ids one list page shows, the ids whose details the caller wants (see `fetch_orders_created`).
WantedKeys = Callable[[list[str]], Iterable[str]]


@dataclass(frozen=True)
class Window:
    """A closed interval [start, end] of modified (or, for `fetch_orders_created`, created) time, in UTC."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", ensure_utc(self.start))
        object.__setattr__(self, "end", ensure_utc(self.end))
        if self.end < self.start:
            raise ValueError(f"window ends before it starts: {self.start} > {self.end}")

    def epoch_seconds(self) -> tuple[int, int]:
        """The window as whole epoch seconds for platforms that take them (Douyin, Shopee, PDD). Both ends are
        floored: platform times are whole seconds, so a record at the floored end second is still in the window
        and a record at the floored start second is at worst read twice (once by the previous window)."""
        return int(self.start.timestamp() // 1), int(self.end.timestamp() // 1)

    def split(self, width: timedelta) -> list[Window]:
        """Consecutive sub-windows no wider than `width` (the platform's limit), covering this one."""
        parts, cursor = [], self.start
        while True:
            end = min(cursor + width, self.end)
            parts.append(Window(cursor, end))
            if end >= self.end:
                return parts
            cursor = end


def from_epoch(value: object) -> datetime | None:
    """A platform's epoch-seconds time (int or numeric string) as an aware UTC datetime; None when absent or 0."""
    if value is None or value == "":
        return None
    seconds = float(value)  # type: ignore[arg-type]
    return datetime.fromtimestamp(seconds, UTC) if seconds > 0 else None


@dataclass
class Batch:
    """Records fetched together (one list page and its details), with their provenance."""

    stream: str
    records: list[dict[str, Any]]
    request_ids: list[str] = field(default_factory=list)
    window: Window | None = None


class PlatformAdapter(ABC):
    """One platform's client for one shop. Subclasses set the class attributes and the fetches."""

    platform: ClassVar[str]
    # The widest modified-time window each stream's list API accepts (the ingestion layer splits wider ones).
    max_window: ClassVar[dict[str, timedelta]]
    # The widest created-time window the order list accepts (the completeness pass splits wider ones).
    max_created_window: ClassVar[timedelta]
    # Paths (tuples of keys; "*" walks a list) to the personal data inside each stream's records. The landing
    # zone encrypts these before the first write, so the adapter must name every one its platform sends.
    pii_paths: ClassVar[dict[str, list[tuple[str, ...]]]]

    def __init__(self, shop: Shop, settings: TransportSettings | None = None, *, detail_concurrency: int = 4,
                 clock: Clock | None = None):
        if shop.platform != self.platform:
            raise ValueError(f"shop {shop.key} is a {shop.platform} shop, not {self.platform}")
        self.shop = shop
        self.base_url = shop.base_url
        self.app_key, self.app_secret, self.access_token = shop.credentials.resolve()
        self.transport = Transport(self.platform, self.app_key, settings)
        self.detail_concurrency = detail_concurrency
        # Request timestamps (signed, checked by the platform against its clock) come from here, so a replay
        # or a test against a simulator with a frozen clock signs with the platform's notion of now.
        self.clock: Clock = clock or SystemClock()

    def close(self) -> None:
        self.transport.close()

    def __enter__(self) -> PlatformAdapter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def request_count(self) -> int:
        return self.transport.attempts

    @abstractmethod
    def fetch_orders(self, window: Window) -> Iterator[Batch]:
        """Every order whose modified time is in `window` (at most `max_window["orders"]` wide), as detail
        payloads including lines and receiver. May yield a record twice; never misses one."""

    @abstractmethod
    def fetch_orders_created(self, window: Window, wanted: WantedKeys | None = None) -> Iterator[Batch]:
        """Every order CREATED in `window` (at most `max_created_window` wide), as the same detail payloads as
        `fetch_orders`: what the nightly completeness pass re-lists because modified-time indexes miss orders.
        `wanted` sees each page's listed order ids and returns those to fetch details for (None = all)."""

    @abstractmethod
    def fetch_refunds(self, window: Window) -> Iterator[Batch]:
        """Every refund / return / after-sale case modified in `window`."""

    @abstractmethod
    def fetch_stock(self) -> Iterator[Batch]:
        """The sellable stock of every SKU the shop lists (one record per SKU / model)."""

    @staticmethod
    @abstractmethod
    def record_key(stream: str, record: dict[str, Any]) -> str:
        """The platform's identity of a record (order id, refund id, SKU id), as a string."""

    @staticmethod
    @abstractmethod
    def record_modified(stream: str, record: dict[str, Any]) -> datetime | None:
        """The record's version time in UTC (its modified / update time); None for stock without one."""
