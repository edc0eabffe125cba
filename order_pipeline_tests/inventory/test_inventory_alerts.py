"""Stock alerts end to end: the `inventory_positions` asset materialised over hand-made marts, delivering to a
real loopback robot server (order_pipeline_tests/alerts/robots.py): one digest per kind, each (SKU, kind, day)
once across runs, a failing channel leaving alerts pending until the next run delivers them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from order_pipeline.alerts import AlertConfigError, load_alert_config
from order_pipeline.inventory.assets import inventory_positions
from order_pipeline.warehouse.resources import WarehouseResource
from order_pipeline_tests.alerts.robots import FakeRobots
from order_pipeline_tests.inventory.marts import AS_OF, batch, open_marts, rows, snapshot

ALERTS_FILE = """
roles: [operator, supervisor, warehouse_lead]
topics: {inventory: [warehouse_lead]}
channels:
  - {name: leads_webhook, kind: webhook, url_env: TEST_LEADS_URL, secret_env: TEST_LEADS_SECRET, levels: [3],
     roles: [warehouse_lead]}
  - {name: ops_slack, kind: slack, url_env: TEST_OPS_URL, roles: [operator, supervisor]}
"""
INVENTORY_FILE = "alerts: {attempts: 2, backoff_initial_seconds: 0.001, backoff_max_seconds: 0.002}\n"


@pytest.fixture(scope="module")
def _robot_server() -> Iterator[FakeRobots]:
    server = FakeRobots()
    yield server
    server.close()


@pytest.fixture
def robots(_robot_server: FakeRobots, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeRobots:
    _robot_server.reset()
    (tmp_path / "alerts.yaml").write_text(ALERTS_FILE, encoding="utf-8")
    (tmp_path / "inventory.yaml").write_text(INVENTORY_FILE, encoding="utf-8")
    monkeypatch.setenv("ORDER_PIPELINE_ALERTS_FILE", str(tmp_path / "alerts.yaml"))
    monkeypatch.setenv("ORDER_PIPELINE_INVENTORY_FILE", str(tmp_path / "inventory.yaml"))
    monkeypatch.setenv("TEST_LEADS_URL", _robot_server.url("webhook"))
    monkeypatch.setenv("TEST_LEADS_SECRET", _robot_server.robots["webhook"].secret or "")
    monkeypatch.setenv("TEST_OPS_URL", _robot_server.url("slack"))
    return _robot_server


def warehouse_file(tmp_path: Path) -> Path:
    return tmp_path / "data" / "warehouse.duckdb"  # ORDER_PIPELINE_DATA_DIR of the autouse fixture


def stock_problems(tmp_path: Path, at: datetime = AS_OF - timedelta(hours=1)) -> None:
    con = open_marts(warehouse_file(tmp_path))
    snapshot(con, "wms", "WH1", "OV-1", on_hand=2, available=-3, at=at)
    snapshot(con, "wms", "WH1", "OV-2", on_hand=2, available=-1, at=at)
    snapshot(con, "wms", "WH1", "SS-1", on_hand=4, available=2, safety_stock=5, at=at)
    snapshot(con, "wms", "WH1", "OK-1", on_hand=40, available=40, safety_stock=5, at=at)
    batch(con, "WH1", "FF-1", "SOON", 6, expires=date(2026, 11, 22), at=at)
    batch(con, "WH1", "FF-2", "GONE", 4, expires=date(2026, 11, 18), at=at)
    batch(con, "WH1", "FF-3", "FAR", 9, expires=date(2027, 3, 1), at=at)
    con.close()


def run(as_of: datetime) -> dg.ExecuteInProcessResult:
    return dg.materialize([inventory_positions],
                          resources={"warehouse": WarehouseResource(as_of=as_of.isoformat())})


def alerts_table(tmp_path: Path) -> list[dict]:
    with duckdb.connect(str(warehouse_file(tmp_path)), read_only=True) as con:
        return rows(con, "select * from main.fct_inventory_alerts order by business_date_cn, kind, sku_code")


def metadata(result: dg.ExecuteInProcessResult, key: str) -> dict:
    [event] = [e for e in result.get_asset_materialization_events() if e.asset_key == dg.AssetKey(key)]
    return {name: value.value for name, value in event.materialization.metadata.items()}


def test_one_digest_per_kind_and_each_alert_once_a_day_across_runs(tmp_path, robots):
    stock_problems(tmp_path)

    first = run(AS_OF)

    assert first.success
    sent = sorted(robots.robots["webhook"].accepted, key=lambda body: (-body["level"], body["title"]))
    assert [(body["title"], sorted(body["order_keys"])) for body in sent] == [
        ("[inventory] 2 SKUs oversell risk 超卖风险: open demand above available stock",
         ["oversell_risk:OV-1:2026-11-20", "oversell_risk:OV-2:2026-11-20"]),
        ("[inventory] 1 SKU below safety stock 低于安全库存", ["safety_stock_breach:SS-1:2026-11-20"]),
        ("[inventory] 1 SKU expired batches on hand 批次已过期", ["batch_expired:FF-2:2026-11-20"]),
        ("[inventory] 1 SKU batches expiring soon 批次临期", ["batch_expiring:FF-1:2026-11-20"]),
    ]
    assert sent[0]["lines"][1:] == ["OV-1: ATP -3 (wms available -3, unpaid held 0)",
                                    "OV-2: ATP -1 (wms available -1, unpaid held 0)"]
    assert robots.robots["slack"].requests == 0  # operators do not get stock alerts
    table = alerts_table(tmp_path)
    assert [(r["sku_code"], r["kind"], r["channel"], r["delivery_status"]) for r in table] == [
        ("FF-2", "batch_expired", "leads_webhook", "delivered"),
        ("FF-1", "batch_expiring", "leads_webhook", "delivered"),
        ("OV-1", "oversell_risk", "leads_webhook", "delivered"),
        ("OV-2", "oversell_risk", "leads_webhook", "delivered"),
        ("SS-1", "safety_stock_breach", "leads_webhook", "delivered"),
    ]
    assert all(r["delivered_at"] is not None and r["attempts"] == 1 for r in table)
    assert metadata(first, "rpt_available_to_promise")["oversell_risks"] == 2
    assert metadata(first, "rpt_available_to_promise")["safety_stock_breaches"] == 3  # OV-* are below 0 too
    assert metadata(first, "rpt_expired_batches")["expired_batches"] == 1
    assert metadata(first, "fct_inventory_alerts")["new_alerts"] == {
        "oversell_risk": 2, "safety_stock_breach": 1, "batch_expired": 1, "batch_expiring": 1}

    later = run(AS_OF + timedelta(hours=3))  # 19:00 in Shanghai: the same business day

    assert later.success and metadata(later, "fct_inventory_alerts")["new_alerts"] == {}
    assert len(robots.robots["webhook"].accepted) == 4 and alerts_table(tmp_path) == table

    next_day = run(AS_OF + timedelta(days=1))  # still short the next day: alerted again, once

    assert next_day.success and len(robots.robots["webhook"].accepted) == 8
    assert len(alerts_table(tmp_path)) == 10


def test_a_failing_channel_leaves_alerts_pending_until_the_next_run(tmp_path, robots):
    stock_problems(tmp_path)
    robots.script("webhook", *[(500, {"error": "robot down"}, {})] * 8)  # 4 digests x 2 attempts

    first = run(AS_OF)

    assert first.success  # a robot that is down does not fail the run that found the problems
    assert robots.robots["webhook"].requests == 8 and robots.robots["webhook"].accepted == []
    pending = alerts_table(tmp_path)
    assert {(r["delivery_status"], r["attempts"], r["delivered_at"]) for r in pending} == {("pending", 2, None)}
    assert all("HTTP 500" in r["last_error"] for r in pending)
    assert metadata(first, "fct_inventory_alerts")["deliveries"] == {"pending": 5}

    second = run(AS_OF + timedelta(minutes=10))

    assert metadata(second, "fct_inventory_alerts")["new_alerts"] == {}
    assert len(robots.robots["webhook"].accepted) == 4  # the same digests, delivered now
    delivered = alerts_table(tmp_path)
    assert [r["sku_code"] for r in delivered] == [r["sku_code"] for r in pending]
    assert {(r["delivery_status"], r["attempts"]) for r in delivered} == {("delivered", 3)}


def test_the_asset_refuses_to_run_before_the_marts_exist(tmp_path, robots):
    warehouse_file(tmp_path).parent.mkdir(parents=True)
    duckdb.connect(str(warehouse_file(tmp_path))).close()  # a warehouse without the stock marts
    result = dg.materialize([inventory_positions], resources={"warehouse": WarehouseResource()},
                            raise_on_error=False)
    assert not result.success
    failure = result.get_step_failure_events()[0].step_failure_data.error
    assert "fct_inventory_snapshots, fct_inventory_batches, fct_orders, fct_order_lines" in str(failure)


def test_the_checked_in_alerts_file_routes_the_inventory_topic_to_warehouse_leads(monkeypatch, tmp_path):
    monkeypatch.delenv("ORDER_PIPELINE_ALERTS_FILE", raising=False)
    config = load_alert_config()
    assert config.topics == {"inventory": ("warehouse_lead",), "reconciliation": ("supervisor", "warehouse_lead")}
    assert [t.name for t in config.channels_for_topic("inventory")] == ["local_webhook", "warehouse_feishu"]
    assert [t.name for t in config.channels_for_topic("reconciliation")] == [
        "local_webhook", "supervisors_wecom", "warehouse_feishu", "crossborder_slack"]
    assert config.channels_for_topic("unknown") == []
    bad = tmp_path / "alerts.yaml"
    bad.write_text("topics: {inventory: [buyer]}\n", encoding="utf-8")
    with pytest.raises(AlertConfigError, match=r"topics\.inventory: role 'buyer' is not defined in roles"):
        load_alert_config(bad)
