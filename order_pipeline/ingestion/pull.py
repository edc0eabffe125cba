"""Pull one stream of one shop into the landing zone, window by window, committing as it goes.

Incremental pulls start an overlap before the committed watermark (late updates re-read, deduped
downstream by key and version) and stop a safety lag behind "now" (platform indexing delay, clock skew).
Each window is landed as one file and only then committed, so a pull killed at any instant loses nothing:
the rerun starts again from the last committed window. Explicit windows (backfills) never move the
watermark.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from order_pipeline.clock import Clock
from order_pipeline.ingestion.state import IngestionState, PullLogEntry
from order_pipeline.landing.pii import PiiCipher
from order_pipeline.landing.writer import LandingChunk
from order_pipeline.platforms.base import PlatformAdapter, Window

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PullPolicy:
    overlap: timedelta = timedelta(minutes=10)
    safety_lag: timedelta = timedelta(minutes=3)
    initial_lookback: timedelta = timedelta(days=14)
    # Narrower windows than the platform allows, per stream (None = the platform's maximum).
    window_width: dict[str, timedelta] = field(default_factory=dict)


@dataclass
class StreamPullResult:
    shop_key: str
    platform: str
    stream: str
    windows: int = 0
    records: int = 0
    files_created: int = 0
    requests: int = 0
    watermark: datetime | None = None
    skipped_reason: str = ""


def incremental_window(state: IngestionState, adapter: PlatformAdapter, stream: str, now: datetime,
                       policy: PullPolicy) -> Window | None:
    """The next window to pull, or None when the watermark is already within the safety lag of now."""
    watermark = state.watermark(adapter.platform, adapter.shop.key, stream)
    start = watermark - policy.overlap if watermark else now - policy.initial_lookback
    end = now - policy.safety_lag
    return Window(start, end) if end > start else None


def pull_stream(adapter: PlatformAdapter, stream: str, *, landing_root: Path, state: IngestionState,
                cipher: PiiCipher, clock: Clock, pull_id: str, policy: PullPolicy,
                window: Window | None = None) -> StreamPullResult:
    """Pull `stream` for the adapter's shop: the explicit `window`, or incrementally from the watermark."""
    shop = adapter.shop
    result = StreamPullResult(shop.key, adapter.platform, stream)
    if stream == "stock":
        _land(adapter, stream, None, landing_root, state, cipher, clock, pull_id, result, advance=False)
        return result
    explicit = window is not None
    window = window or incremental_window(state, adapter, stream, clock.now(), policy)
    if window is None:
        result.skipped_reason = "watermark is within the safety lag of now"
        result.watermark = state.watermark(adapter.platform, shop.key, stream)
        return result
    width = min(adapter.max_window[stream], policy.window_width.get(stream, adapter.max_window[stream]))
    for part in window.split(width):
        _land(adapter, stream, part, landing_root, state, cipher, clock, pull_id, result, advance=not explicit)
    result.watermark = state.watermark(adapter.platform, shop.key, stream)
    return result


def _land(adapter: PlatformAdapter, stream: str, window: Window | None, landing_root: Path,
          state: IngestionState, cipher: PiiCipher, clock: Clock, pull_id: str, result: StreamPullResult,
          *, advance: bool) -> None:
    pulled_at = clock.now()
    requests_before = adapter.request_count
    platform, shop_key = adapter.platform, adapter.shop.key
    # Stock is a snapshot: every pull is a new observation, so it is not deduplicated against earlier ones.
    known = None if window is None else (lambda keys: state.landed_versions(platform, shop_key, stream, keys))
    chunk = LandingChunk(landing_root, adapter, stream, window, cipher, pull_id, pulled_at, known)
    try:
        batches = adapter.fetch_stock() if window is None else (
            adapter.fetch_orders(window) if stream == "orders" else adapter.fetch_refunds(window))
        for batch in batches:
            chunk.add(batch)
        landed = chunk.close()
    except BaseException:
        chunk.abort()
        raise
    requests = adapter.request_count - requests_before
    state.commit_window(
        PullLogEntry(pull_id, platform, shop_key, stream, window.start if window else None,
                     window.end if window else None, landed.records,
                     str(landed.path) if landed.path else None, landed.created, requests, pulled_at,
                     landed.fetched),
        advance_watermark=advance, now=clock.now(), versions=landed.versions,
    )
    result.windows += 1
    result.records += landed.records
    result.files_created += int(landed.created)
    result.requests += requests
    log.info("%s %s %s %s: %d fetched, %d new, %d requests, file %s", platform, shop_key, stream,
             f"{window.start:%Y-%m-%d %H:%M}..{window.end:%Y-%m-%d %H:%M}" if window else "snapshot",
             landed.fetched, landed.records, requests, "new" if landed.created else "none/unchanged")
