"""Watermarks only move forward and only with a logged window; windows split within platform limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from order_pipeline.ingestion.state import IngestionState, PullLogEntry
from order_pipeline.platforms import Window

T0 = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)


def _entry(end: datetime) -> PullLogEntry:
    return PullLogEntry("p1", "taobao", "tmall_flagship", "orders", end - timedelta(hours=1), end, 3,
                        None, False, 2, end)


def test_watermark_never_moves_backwards(tmp_path):
    state = IngestionState(tmp_path / "s.sqlite")
    assert state.watermark("taobao", "tmall_flagship", "orders") is None
    state.commit_window(_entry(T0), advance_watermark=True, now=T0)
    state.commit_window(_entry(T0 - timedelta(hours=5)), advance_watermark=True, now=T0)
    assert state.watermark("taobao", "tmall_flagship", "orders") == T0
    state.commit_window(_entry(T0 + timedelta(days=3)), advance_watermark=False, now=T0)
    assert state.watermark("taobao", "tmall_flagship", "orders") == T0, "backfills leave the watermark alone"
    assert len(IngestionState(tmp_path / "s.sqlite").pull_log("p1")) == 3


def test_window_split_covers_exactly_within_width():
    window = Window(T0, T0 + timedelta(days=2, hours=5))
    parts = window.split(timedelta(days=1))
    assert [p.end - p.start for p in parts] == [timedelta(days=1), timedelta(days=1), timedelta(hours=5)]
    assert parts[0].start == window.start and parts[-1].end == window.end
    assert all(a.end == b.start for a, b in zip(parts, parts[1:], strict=False))


def test_window_refuses_naive_and_inverted_times():
    with pytest.raises(ValueError, match="naive"):
        Window(datetime(2026, 11, 20), T0)
    with pytest.raises(ValueError, match="before"):
        Window(T0, T0 - timedelta(seconds=1))
