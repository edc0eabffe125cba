"""The night's summary alert: one message per day and channel of the `reconciliation` topic with the flagged
stock and the missed orders, delivered to a real loopback robot server, once across reruns, and retried by the
next run of the day when the channel failed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from order_pipeline.ingestion.resources import ClockResource
from order_pipeline.reconciliation.assets import nightly_reconciliation_summary
from order_pipeline.reconciliation.completeness import CompletenessRow
from order_pipeline.reconciliation.completeness_report import store_completeness
from order_pipeline.reconciliation.inventory import reconcile_day
from order_pipeline.warehouse.resources import WarehouseResource
from order_pipeline_tests.alerts.robots import FakeRobots
from order_pipeline_tests.reconciliation.test_inventory_reconciliation import NIGHT, add

DAY = date(2026, 12, 6)
ALERTS_FILE = """
roles: [operator, supervisor, warehouse_lead]
topics: {reconciliation: [supervisor]}
channels:
  - {name: sup_webhook, kind: webhook, url_env: TEST_SUP_URL, secret_env: TEST_SUP_SECRET, levels: [2],
     roles: [supervisor]}
  - {name: ops_slack, kind: slack, url_env: TEST_OPS_URL, roles: [operator]}
"""
FAST = {"ops": {"nightly_reconciliation_summary": {"config": {
    "delivery_attempts": 2, "backoff_initial_seconds": 0.001, "backoff_max_seconds": 0.002}}}}


@pytest.fixture(scope="module")
def _server() -> Iterator[FakeRobots]:
    server = FakeRobots()
    yield server
    server.close()


@pytest.fixture
def robots(_server: FakeRobots, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeRobots:
    _server.reset()
    (tmp_path / "alerts.yaml").write_text(ALERTS_FILE, encoding="utf-8")
    monkeypatch.setenv("ORDER_PIPELINE_ALERTS_FILE", str(tmp_path / "alerts.yaml"))
    monkeypatch.setenv("TEST_SUP_URL", _server.url("webhook"))
    monkeypatch.setenv("TEST_SUP_SECRET", _server.robots["webhook"].secret or "")
    monkeypatch.setenv("TEST_OPS_URL", _server.url("slack"))
    return _server


@pytest.fixture
def warehouse(tmp_path: Path) -> WarehouseResource:
    resource = WarehouseResource(data_dir=str(tmp_path / "data"))
    with resource.connect() as con:
        con.execute("create table fct_inventory_snapshots (system varchar, system_key varchar, shop_key varchar, "
                    "location varchar, stock_ref varchar, sku_code varchar, on_hand bigint, available bigint, "
                    "snapshot_at timestamptz)")
        add(con, NIGHT, [("wms", None, "10001", "AP101-S", 100, 100), ("pool", "jd", "jd", "AP101-S", 80, 80),
                         ("wms", None, "10001", "AP102-M", 50, 50), ("pool", "jd", "jd", "AP102-M", 50, 50)])
        reconcile_day(con, DAY, NIGHT)
        at = datetime(2026, 12, 6, 18, tzinfo=UTC)
        store_completeness(con, [CompletenessRow(DAY, "jd", "jd_pop", at, at, 120, 117, 3, 3, at, ("1", "2", "3"))])
    return resource


def run(warehouse: WarehouseResource) -> dg.ExecuteInProcessResult:
    return dg.materialize([nightly_reconciliation_summary], partition_key=DAY.isoformat(), run_config=FAST,
                          resources={"warehouse": warehouse, "clock": ClockResource(fixed_now=NIGHT.isoformat())})


def deliveries(warehouse: WarehouseResource) -> list[tuple]:
    with duckdb.connect(str(warehouse.warehouse_path()), read_only=True) as con:
        return con.execute("select channel, status, attempts from main.fct_reconciliation_summaries").fetchall()


def test_one_summary_per_day_and_channel_with_the_findings(robots, warehouse):
    assert run(warehouse).success
    [message] = robots.robots["webhook"].accepted
    assert message["title"] == "[reconciliation 2026-12-06] 1 stock deviation(s) flagged, 3 missed order(s) backfilled"
    assert "audit AP101-S (wms/pool): 100 vs 80, 20.00%, 1 day(s)" in message["lines"]
    assert "missed orders jd/jd_pop: 3 found, 3 backfilled" in message["lines"]
    assert robots.robots["slack"].requests == 0  # the operators' channel does not serve the topic
    assert run(warehouse).success  # a rerun of the day sends nothing new
    assert len(robots.robots["webhook"].accepted) == 1
    assert deliveries(warehouse) == [("sup_webhook", "delivered", 1)]


def test_a_failed_delivery_stays_pending_and_the_next_run_delivers_it(robots, warehouse):
    robots.script("webhook", *[(500, {"error": "down"}, {})] * 2)
    assert run(warehouse).success
    assert robots.robots["webhook"].accepted == [] and deliveries(warehouse) == [("sup_webhook", "pending", 2)]
    assert run(warehouse).success
    assert len(robots.robots["webhook"].accepted) == 1
    assert deliveries(warehouse) == [("sup_webhook", "delivered", 3)]
