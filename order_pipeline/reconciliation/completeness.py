"""Order completeness (F10): re-list recent days by CREATED time, find what the incremental pulls missed, land it.

Incremental pulls list orders by modified time, and real platforms' modified-time indexes sometimes never
return an order that exists. Every night, for each shop, we list the last N local days (Asia/Shanghai, ending
with the partition day) by created time, compare the listed order ids with the ids the ingestion state says
were landed, and fetch and land the details of the missing ones through the ordinary landing path: they
become landing files the warehouse loader picks up like any other, no version is landed twice, and the
incremental watermarks do not move.

Only what the incremental pulls could have seen is judged: the window ends at the shop's orders watermark
when that is earlier, so an order created after the last incremental pull is not reported as missed.
Detail calls are made only for missing orders (`fetch_orders_created`'s `wanted`): listing is cheap, one
detail call per order on three of the four platforms is not.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from order_pipeline.clock import Clock
from order_pipeline.ingestion.runner import for_each_shop
from order_pipeline.ingestion.state import IngestionState, PullLogEntry
from order_pipeline.landing.pii import PiiCipher
from order_pipeline.landing.writer import LandingChunk
from order_pipeline.platforms import TransportSettings, adapter_class
from order_pipeline.platforms.base import PlatformAdapter, Window
from order_pipeline.reconciliation.partitions import day_bounds
from order_pipeline.settings import landing_dir, state_dir
from order_pipeline.shops import Shop

log = logging.getLogger(__name__)
STREAM = "orders"
DEFAULT_DAYS = 3
_LAST_INSTANT = timedelta(microseconds=1)  # platforms take inclusive ends; our day ranges are half-open


@dataclass(frozen=True)
class CompletenessRow:
    """One shop's result for one business day: counts and the missing order ids (ids only, no personal data)."""

    business_date: date
    platform: str
    shop_key: str
    window_start: datetime  # created-time range checked, [start, end), UTC-aware
    window_end: datetime
    listed: int  # orders the platform lists as created in the range
    held: int  # of those, already landed before this pass
    missing: int  # listed but not held: what the incremental pulls missed
    backfilled: int  # missing orders whose details this pass landed
    checked_at: datetime
    missing_ids: tuple[str, ...] = ()


def day_range(business_date: date, days: int = DEFAULT_DAYS) -> tuple[datetime, datetime]:
    """[start, end) of the `days` local days ending with `business_date` (Asia/Shanghai)."""
    if days < 1:
        raise ValueError(f"days must be >= 1, got {days}")
    return day_bounds(business_date - timedelta(days=days - 1))[0], day_bounds(business_date)[1]


class _Ledger:
    """Which listed orders are held and which are missing, decided at each order's first sighting (an order
    listed again, at a window boundary or on a re-read page, keeps its first verdict)."""

    def __init__(self, state: IngestionState, platform: str, shop_key: str):
        self.state, self.platform, self.shop_key = state, platform, shop_key
        self.listed: set[str] = set()
        self.missing: set[str] = set()

    def wanted(self, ids: list[str]) -> list[str]:
        """`WantedKeys` for the adapter: record the listed ids, return the missing ones to fetch."""
        new = list(dict.fromkeys(key for key in ids if key not in self.listed))
        if new:
            held = self.state.landed_versions(self.platform, self.shop_key, STREAM, new)
            self.listed.update(new)
            self.missing.update(key for key in new if key not in held)
        return [key for key in ids if key in self.missing]


def check_shop(adapter: PlatformAdapter, business_date: date, days: int = DEFAULT_DAYS, *, landing_root: Path,
               state: IngestionState, cipher: PiiCipher, clock: Clock, pull_id: str,
               window_width: timedelta | None = None) -> CompletenessRow:
    """List the shop's orders created in the range, land the missing ones, report. `window_width` narrows the
    listing windows below the platform's maximum (`max_created_window`)."""
    platform, shop_key = adapter.platform, adapter.shop.key
    start, end = (bound.astimezone(UTC) for bound in day_range(business_date, days))
    watermark = state.watermark(platform, shop_key, STREAM)
    if watermark is not None:
        end = max(start, min(end, watermark))
    ledger, backfilled = _Ledger(state, platform, shop_key), 0
    if end > start:
        width = min(adapter.max_created_window, window_width or adapter.max_created_window)
        for part in Window(start, end - _LAST_INSTANT).split(width):
            backfilled += _land_missing(adapter, part, ledger, landing_root, state, cipher, clock, pull_id)
    row = CompletenessRow(business_date, platform, shop_key, start, end, listed=len(ledger.listed),
                          held=len(ledger.listed) - len(ledger.missing), missing=len(ledger.missing),
                          backfilled=backfilled, checked_at=clock.now(), missing_ids=tuple(sorted(ledger.missing)))
    log.info("%s %s %s..%s: %d listed by created time, %d held, %d missing, %d backfilled", platform, shop_key,
             f"{start:%Y-%m-%d %H:%M}", f"{end:%Y-%m-%d %H:%M}", row.listed, row.held, row.missing, backfilled)
    return row


def _land_missing(adapter: PlatformAdapter, window: Window, ledger: _Ledger, landing_root: Path,
                  state: IngestionState, cipher: PiiCipher, clock: Clock, pull_id: str) -> int:
    """One created-time window: list it, land the missing orders' details as one landing file, log it in the
    pull log without moving the watermark. Returns the records landed."""
    pulled_at, requests_before = clock.now(), adapter.request_count
    platform, shop_key = adapter.platform, adapter.shop.key
    chunk = LandingChunk(landing_root, adapter, STREAM, window, cipher, pull_id, pulled_at,
                         lambda keys: state.landed_versions(platform, shop_key, STREAM, keys))
    try:
        for batch in adapter.fetch_orders_created(window, ledger.wanted):
            chunk.add(batch)
        landed = chunk.close()
    except BaseException:
        chunk.abort()
        raise
    state.commit_window(
        PullLogEntry(pull_id, platform, shop_key, STREAM, window.start, window.end, landed.records,
                     str(landed.path) if landed.path else None, landed.created,
                     adapter.request_count - requests_before, pulled_at, landed.fetched),
        advance_watermark=False, now=clock.now(), versions=landed.versions,
    )
    return landed.records


class CompletenessFailed(RuntimeError):
    """Some shops could not be checked; the others' rows are in `rows` (and their backfills are landed)."""

    def __init__(self, failures: dict[str, BaseException], rows: list[CompletenessRow]):
        self.failures, self.rows = failures, rows
        detail = "; ".join(f"{shop}: {exc}" for shop, exc in failures.items())
        super().__init__(f"{len(failures)} shop(s) failed the completeness check: {detail}")


def check_shops(shops: Sequence[Shop], business_date: date, days: int = DEFAULT_DAYS, *, data_dir: Path,
                clock: Clock, cipher: PiiCipher, pull_id: str, transport: TransportSettings | None = None,
                detail_concurrency: int = 4, shop_concurrency: int = 3) -> list[CompletenessRow]:
    """`check_shop` for every shop, a few at once (each with its own adapter, like the pulls); one shop's
    failure does not stop the others, and all failures are raised together at the end."""
    state = IngestionState(state_dir(data_dir) / "ingestion.sqlite")

    def check_one(shop: Shop) -> CompletenessRow:
        adapter_type = adapter_class(shop.platform)
        with adapter_type(shop, transport, detail_concurrency=detail_concurrency, clock=clock) as adapter:
            return check_shop(adapter, business_date, days, landing_root=landing_dir(data_dir), state=state,
                              cipher=cipher, clock=clock, pull_id=pull_id)

    done, failures = for_each_shop(shops, check_one, shop_concurrency, "completeness")
    rows = list(done.values())
    if failures:
        raise CompletenessFailed(failures, rows)
    return rows
