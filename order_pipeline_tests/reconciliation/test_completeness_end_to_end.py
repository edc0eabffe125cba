"""The completeness pass against the real simulator: incremental pulls miss exactly the orders the platforms'
modified-time indexes hide; the nightly pass finds exactly those (in its created-time range), lands them, and
finds nothing on a second run; the warehouse loader then holds them, and the report is stored by upsert.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import timedelta

import duckdb
import pytest

from order_pipeline.cleaning.contacts import ContactCleaner
from order_pipeline.cleaning.customers import CustomerKeys
from order_pipeline.clock import FrozenClock, parse_instant
from order_pipeline.ingestion.pull import PullPolicy
from order_pipeline.ingestion.runner import PullJob, pull_shops
from order_pipeline.ingestion.state import IngestionState
from order_pipeline.landing.pii import PiiCipher
from order_pipeline.reconciliation.completeness import check_shops, day_range
from order_pipeline.reconciliation.completeness_report import store_completeness
from order_pipeline.reconciliation.partitions import last_closed_day
from order_pipeline.settings import data_dir, landing_dir, state_dir
from order_pipeline.shops import load_shops
from order_pipeline.simulator.config import WorldConfig
from order_pipeline.simulator.server import RunningSimulator
from order_pipeline.warehouse.loader import load_landing
from order_pipeline_tests.conftest import TEST_START
from order_pipeline_tests.landing_truth import landed_latest

HISTORY_DAYS = 5
MISSED_RATE = 0.12
LOOKBACK = PullPolicy(initial_lookback=timedelta(days=HISTORY_DAYS + 1), safety_lag=timedelta(0))


@pytest.fixture
def simulator(monkeypatch):
    world = WorldConfig(seed=61, start=TEST_START, history_days=HISTORY_DAYS, horizon_days=1,
                        orders_per_shop_per_day=30, nasty_share=0.1, missed_by_incremental_rate=MISSED_RATE)
    with RunningSimulator(world) as sim:
        monkeypatch.setenv("ORDER_PIPELINE_SIM_URL", sim.url)
        yield sim


def _keys_by_shop(rows) -> dict[str, set[str]]:
    found = defaultdict(set)
    for row in rows:
        found[row["shop_key"]].add(str(row["order_id"]))
    return found


def _landed_by_shop() -> dict[str, set[str]]:
    found = defaultdict(set)
    for shop, key in landed_latest(landing_dir(data_dir()), "orders"):
        found[shop].add(key)
    return found


def _landing_fingerprint() -> dict[str, str]:
    root = landing_dir(data_dir())
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in root.rglob("*.parquet")}


def test_completeness_finds_and_backfills_exactly_the_orders_incremental_pulls_missed(simulator):
    shops, clock = load_shops(), FrozenClock(simulator.world.now())
    cipher = PiiCipher.from_env()
    pull_shops(shops, PullJob(streams=("orders",), policy=LOOKBACK), data_dir=data_dir(), clock=clock)

    truth = _keys_by_shop(simulator.world.ground_truth("orders"))
    missed_rows = list(simulator.world.ground_truth("missed_orders"))
    missed = _keys_by_shop(missed_rows)
    landed = _landed_by_shop()
    for shop in shops:
        assert missed[shop.key], f"{shop.key}: the world must hide some orders for this test to mean anything"
        assert landed[shop.key] == truth[shop.key] - missed[shop.key], f"{shop.key}: incremental pull"

    state = IngestionState(state_dir(data_dir()) / "ingestion.sqlite")
    watermarks = {s.key: state.watermark(s.platform, s.key, "orders") for s in shops}
    business_date = last_closed_day(clock.now())
    start, end = day_range(business_date, 3)
    in_range = _keys_by_shop(r for r in missed_rows if start <= parse_instant(r["created_at"]) < end)
    assert sum(map(len, in_range.values())) < sum(map(len, missed.values())), "some missed orders lie outside"

    rows = {row.shop_key: row for row in check_shops(shops, business_date, 3, data_dir=data_dir(), clock=clock,
                                                     cipher=cipher, pull_id="completeness-1")}
    assert set(rows) == {shop.key for shop in shops}
    landed = _landed_by_shop()
    for shop in shops:
        row = rows[shop.key]
        assert (row.window_start, row.window_end) == (start, end)
        assert set(row.missing_ids) == in_range[shop.key], f"{shop.key}: missing ids"
        assert row.missing == row.backfilled == len(in_range[shop.key])
        assert row.listed == row.held + row.missing and row.held > row.missing
        assert landed[shop.key] == truth[shop.key] - (missed[shop.key] - in_range[shop.key]), shop.key
        assert state.watermark(shop.platform, shop.key, "orders") == watermarks[shop.key], "watermark moved"

    before = _landing_fingerprint()
    again = check_shops(shops, business_date, 3, data_dir=data_dir(), clock=clock, cipher=cipher,
                        pull_id="completeness-2")
    assert [(r.shop_key, r.missing, r.backfilled) for r in again if r.missing or r.backfilled] == []
    assert {r.shop_key: r.listed for r in again} == {key: row.listed for key, row in rows.items()}
    assert _landing_fingerprint() == before, "a second pass lands nothing"

    con = duckdb.connect(str(data_dir() / "warehouse.duckdb"))
    try:
        load_landing(con, landing_dir(data_dir()), shops, cleaner=ContactCleaner(cipher, CustomerKeys(cipher.key)))
        held = _keys_by_shop({"shop_key": shop, "order_id": key} for shop, key in
                             con.execute("select distinct shop_key, record_key from landing.orders").fetchall())
        for shop in shops:
            assert in_range[shop.key] <= held[shop.key], f"{shop.key}: the loader holds the backfilled orders"

        assert store_completeness(con, list(rows.values())) == len(shops)
        assert store_completeness(con, again) == len(shops)  # the same night again: replaced, not added
        stored = con.execute("select shop_key, business_date, listed, held, missing, backfilled "
                             "from main.rpt_order_completeness order by shop_key").fetchall()
    finally:
        con.close()
    assert stored == sorted((r.shop_key, business_date, r.listed, r.held, r.missing, r.backfilled) for r in again)
