"""The `order_completeness` asset materialises a nightly partition against the simulator, reports the per-shop
counts in its metadata and its report file, and a re-run of the same night finds nothing left to backfill."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import dagster as dg
import pytest

from order_pipeline.clock import FrozenClock, parse_instant
from order_pipeline.ingestion.pull import PullPolicy
from order_pipeline.ingestion.resources import ClockResource, IngestionResource
from order_pipeline.ingestion.runner import PullJob, pull_shops
from order_pipeline.reconciliation.completeness import day_range
from order_pipeline.reconciliation.completeness_assets import order_completeness
from order_pipeline.reconciliation.completeness_report import read_report, report_path
from order_pipeline.reconciliation.partitions import last_closed_day
from order_pipeline.settings import data_dir
from order_pipeline.shops import load_shops
from order_pipeline.simulator.config import WorldConfig
from order_pipeline.simulator.server import RunningSimulator
from order_pipeline_tests.conftest import TEST_START


@pytest.fixture
def simulator(monkeypatch):
    world = WorldConfig(seed=63, start=TEST_START, history_days=3, horizon_days=1, orders_per_shop_per_day=25,
                        missed_by_incremental_rate=0.15)
    with RunningSimulator(world) as sim:
        monkeypatch.setenv("ORDER_PIPELINE_SIM_URL", sim.url)
        yield sim


def _materialize(partition: str, now, instance, days: int = 2) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [order_completeness], partition_key=partition, instance=instance, raise_on_error=False,
        resources={"ingestion": IngestionResource(), "clock": ClockResource(fixed_now=now.isoformat())},
        run_config={"ops": {"order_completeness": {"config": {"days": days}}}},
    )


def test_asset_materialises_a_night_and_reports_per_shop_counts(simulator):
    now = simulator.world.now()
    policy = PullPolicy(initial_lookback=timedelta(days=4), safety_lag=timedelta(0))
    pull_shops(load_shops(), PullJob(streams=("orders",), policy=policy), data_dir=data_dir(),
               clock=FrozenClock(now))
    business_date = last_closed_day(now)
    start, end = day_range(business_date, 2)
    expected = Counter(row["shop_key"] for row in simulator.world.ground_truth("missed_orders")
                       if start <= parse_instant(row["created_at"]) < end)
    assert sum(expected.values()) > 6

    with dg.instance_for_test() as instance:
        first = _materialize(str(business_date), now, instance)
        assert first.success
        metadata = first.asset_materializations_for_node("order_completeness")[0].metadata
        assert metadata["missing"].value == metadata["backfilled"].value == sum(expected.values())
        table = metadata["shops"].value
        for shop in load_shops():
            assert f"| {shop.platform} | {shop.key} |" in table
        rows = read_report(report_path(data_dir(), business_date))
        assert {row.shop_key: row.missing for row in rows} == {s.key: expected[s.key] for s in load_shops()}
        assert all((row.business_date, row.window_start, row.window_end) == (business_date, start, end)
                   for row in rows)

        again = _materialize(str(business_date), now, instance)
        assert again.success
        metadata = again.asset_materializations_for_node("order_completeness")[0].metadata
        assert (metadata["missing"].value, metadata["backfilled"].value) == (0, 0)
        assert metadata["listed"].value == sum(row.listed for row in rows)
        assert all(row.missing == 0 for row in read_report(report_path(data_dir(), business_date)))

        refused = _materialize(str(business_date), now, instance, days=0)
        assert not refused.success
        assert "days must be >= 1" in refused.failure_data_for_node("order_completeness").error.message
