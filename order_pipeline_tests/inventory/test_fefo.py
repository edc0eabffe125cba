"""FEFO pick suggestions over hand-made marts: expiry order with splits across batches and warehouses, first
paid first served, expired batches skipped and listed (by the Shanghai day), uncovered units, and the batches
of the latest snapshot only."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from order_pipeline.inventory.fefo import build_fefo
from order_pipeline_tests.inventory.marts import AS_OF, TODAY_CN, batch, open_marts, order, rows, snapshot

HOUR = timedelta(hours=1)


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = open_marts(tmp_path / "warehouse.duckdb")
    yield connection
    connection.close()


def picks(con: duckdb.DuckDBPyConnection, as_of: datetime = AS_OF, today: date = TODAY_CN) -> list[tuple]:
    build_fefo(con, as_of, today)
    return [(r["order_line_key"], r["warehouse"], r["batch_no"], r["units"]) for r in rows(
        con, "select * from main.rpt_fefo_pick_suggestions order by paid_at, order_line_key, fefo_rank nulls last")]


def paid(con, key: str, hours_ago: float, lines: list, status: str = "paid", platform: str = "taobao") -> None:
    at = AS_OF - timedelta(hours=hours_ago)
    order(con, key, status, created_at=at - HOUR, paid_at=at, lines=lines, platform=platform)


def test_earliest_expiry_first_split_across_batches_and_warehouses(con):
    batch(con, "WH1", "FF-1", "B-NOEXP", 10, expires=None)
    batch(con, "WH1", "FF-1", "B-LATE", 5, expires=date(2026, 12, 10))
    batch(con, "WH2", "FF-1", "B-EARLY", 4, expires=date(2026, 11, 23))
    batch(con, "WH1", "FF-1", "B-MID", 3, expires=date(2026, 11, 30), produced=date(2026, 10, 5))
    batch(con, "WH2", "FF-1", "B-MID-OLDER", 2, expires=date(2026, 11, 30), produced=date(2026, 10, 1))
    paid(con, "tb:1", 3, [("FF-1", 7)])
    paid(con, "tb:2", 2, [("FF-1", 6)])
    paid(con, "tb:3", 1, [("FF-1", 12)])

    assert picks(con) == [
        ("tb:1:1", "WH2", "B-EARLY", 4), ("tb:1:1", "WH2", "B-MID-OLDER", 2), ("tb:1:1", "WH1", "B-MID", 1),
        ("tb:2:1", "WH1", "B-MID", 2), ("tb:2:1", "WH1", "B-LATE", 4),
        ("tb:3:1", "WH1", "B-LATE", 1), ("tb:3:1", "WH1", "B-NOEXP", 10), ("tb:3:1", None, None, 1),
    ]


def test_first_paid_first_served_across_platforms_and_only_open_paid_lines(con):
    batch(con, "WH1", "AP-1", "B1", 3, expires=date(2026, 11, 25))
    batch(con, "WH1", "AP-1", "B2", 10, expires=date(2027, 1, 1))
    paid(con, "tb:a", 1, [("AP-1", 2)])
    paid(con, "jd:m", 3, [("AP-1", 1)], platform="jd")
    paid(con, "tb:z", 5, [("AP-1", 2), ("AP-1", 4, "cancelled")])
    paid(con, "tb:part", 4, [("AP-1", 5, "shipped"), ("AP-1", 1, "paid")], status="partly_shipped")
    paid(con, "tb:shipped", 6, [("AP-1", 9)], status="shipped")
    order(con, "tb:unpaid", "unpaid", created_at=AS_OF - HOUR, lines=[("AP-1", 9)])

    assert picks(con) == [
        ("tb:z:1", "WH1", "B1", 2), ("tb:part:2", "WH1", "B1", 1), ("jd:m:1", "WH1", "B2", 1),
        ("tb:a:1", "WH1", "B2", 2),
    ]


def test_expired_batches_by_the_shanghai_day_are_skipped_and_listed(con):
    # 01:00 on 20 Nov in Shanghai is still 19 Nov in UTC: a batch that expired on the 19th is expired
    as_of = datetime(2026, 11, 19, 17, 0, tzinfo=UTC)
    snapshot(con, "wms", "WH1", "FF-2", available=13, at=as_of - HOUR)
    batch(con, "WH1", "FF-2", "E-19", 10, expires=date(2026, 11, 19), at=as_of - HOUR)
    batch(con, "WH1", "FF-2", "E-20", 3, expires=date(2026, 11, 20), at=as_of - HOUR)  # last day: usable
    order(con, "tb:1", "paid", created_at=as_of - 2 * HOUR, paid_at=as_of - HOUR, lines=[("FF-2", 5)])
    order(con, "tb:2", "paid", created_at=as_of - 2 * HOUR, paid_at=as_of - HOUR, lines=[("EL-9", 2)])

    assert picks(con, as_of, date(2026, 11, 20)) == [
        ("tb:1:1", "WH1", "E-20", 3), ("tb:1:1", None, None, 2), ("tb:2:1", None, None, 2)]
    expired = rows(con, "select * from main.rpt_expired_batches")
    assert [(r["batch_no"], r["quantity"], r["days_expired"], r["business_date_cn"]) for r in expired] == [
        ("E-19", 10, 1, date(2026, 11, 20))]
    summary = build_fefo(con, as_of, date(2026, 11, 20))
    assert (summary.open_lines, summary.uncovered_lines, summary.uncovered_units, summary.expired_batches) == (
        2, 2, 4, 1)


def test_only_the_batches_of_the_latest_snapshot_at_as_of_count(con):
    batch(con, "WH1", "HM-1", "OLD", 50, expires=None, at=AS_OF - 5 * HOUR)
    snapshot(con, "wms", "WH1", "HM-1", available=0, on_hand=0, at=AS_OF - HOUR)  # newer, lists no batch
    batch(con, "WH2", "HM-1", "W2-A", 4, expires=None, at=AS_OF - 5 * HOUR)
    batch(con, "WH2", "HM-1", "W2-A", 3, expires=None, at=AS_OF - HOUR)
    batch(con, "WH2", "HM-1", "W2-A", 99, expires=None, at=AS_OF + HOUR)  # after as_of: unseen
    batch(con, "WH2", "HM-1", "W2-EMPTY", 0, expires=None, at=AS_OF - HOUR)
    paid(con, "tb:1", 1, [("HM-1", 5)])

    assert picks(con) == [("tb:1:1", "WH2", "W2-A", 3), ("tb:1:1", None, None, 2)]
