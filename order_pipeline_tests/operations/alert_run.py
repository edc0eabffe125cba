"""Test helpers for the alert tests: a stand-in for the Dagster daemon, and the expected levels computed from
the simulator's ground truth with the policy restated here (never with the evaluation's SQL)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import dagster as dg
import pytest

from order_pipeline.clock import parse_instant
from order_pipeline.simulator.inventory import pool_item_rows, wms_inventory_rows
from order_pipeline_tests.alerts.robots import FakeRobots
from order_pipeline_tests.warehouse.pipeline_run import PipelineEnv

# The checked-in policy (config/sla_policies.yaml), restated: ship fresh food within 30 min of payment, anything
# else within 2 h, never later than the platform's ship-by; remind 15 min after payment.
SLA_MINUTES = {"fresh_food": 30}
DEFAULT_SLA_MINUTES = 120
REMINDER = timedelta(minutes=15)
OPEN = ("unpaid", "paid", "partly_shipped")
DONE_LINES = ("shipped", "completed", "cancelled", "refunded")


class Daemon:
    """What the Dagster daemon does with the sensor: tick, skip run keys it launched before, launch the rest.
    `restart()` forgets the launched keys, as a new daemon with a wiped cursor would."""

    def __init__(self, env: PipelineEnv, robots: FakeRobots):
        self.env, self.robots, self.launched = env, robots, set()

    def restart(self) -> None:
        self.launched = set()

    def _resources(self, now: datetime) -> dict:
        return {"warehouse": {"config": {"data_dir": str(self.env.data_dir)}},
                "operations": {"config": {"digest_threshold": 100_000, "delivery_attempts": 2,
                                          "backoff_initial_seconds": 0.01}},
                "clock": {"config": {"fixed_now": now.isoformat()}}}

    def tick(self, now: datetime) -> int:
        from order_pipeline.definitions import defs
        from order_pipeline.ingestion.resources import ClockResource
        from order_pipeline.operations.resources import OperationsResource
        from order_pipeline.warehouse.resources import WarehouseResource

        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("ORDER_PIPELINE_PII_KEY", self.env.pii_key)
            mp.setenv("ORDER_PIPELINE_ALERT_WEBHOOK_URL", self.robots.url("webhook"))
            mp.setenv("ORDER_PIPELINE_ALERT_WEBHOOK_SECRET", self.robots.robots["webhook"].secret)
            resources = {"warehouse": WarehouseResource(data_dir=str(self.env.data_dir)),
                         "operations": OperationsResource(), "clock": ClockResource(fixed_now=now.isoformat())}
            with dg.build_sensor_context(instance=self.env.instance, resources=resources) as context:
                result = defs.resolve_sensor_def("order_timeout_sensor").evaluate_tick(context)
            launched = 0
            for request in result.run_requests or []:
                if request.run_key in self.launched:
                    continue
                self.launched.add(request.run_key)
                config = {**request.run_config, "resources": self._resources(now)}
                job = defs.resolve_job_def("order_alert_job")
                assert job.execute_in_process(run_config=config, instance=self.env.instance).success
                launched += 1
            return launched


def available_stock(world) -> dict[str, int]:  # noqa: ANN001 - SimWorld
    """sku_code -> the units the policy judges against: the WMS's available (on hand minus locks, summed over
    warehouses) where the WMS reports the SKU, else the pool's available over channels, else the platforms'
    sellable counts over shops (the preference of operations/inputs.py), as the simulator reports them."""
    wms, pool, platform = Counter(), Counter(), Counter()
    for row in wms_inventory_rows(world):
        wms[row["sku_id"]] += row["qty"] - row["order_lock"] - row["pick_lock"]
    for row in pool_item_rows(world):
        pool[row["sku_code"]] += row["available"]
    for row in world.ground_truth("stock"):
        platform[row["sku_code"]] += row["quantity"]
    return {**platform, **pool, **wms}


def expected_levels(env: PipelineEnv, now: datetime) -> dict[str, int]:
    """order_key -> level (1-3) of every open order at `now`, from the simulator's ground truth."""
    lines: dict[tuple, list[dict]] = {}
    for line in env.simulator.world.ground_truth("order_lines"):
        lines.setdefault((line["platform"], line["order_id"]), []).append(line)
    stock = available_stock(env.simulator.world)
    orders = []
    for order in env.simulator.world.ground_truth("orders"):
        status = "paid" if order["platform"] == "jd" and order["status"] == "partly_shipped" else order["status"]
        if status not in OPEN:
            continue
        key = f"{order['platform']}:{order['shop_key']}:{order['order_id']}"
        own = lines[(order["platform"], order["order_id"])]
        # JD has no line state: its lines take the order's, so every line of an open JD order is open
        open_lines = own if order["platform"] == "jd" else [ln for ln in own if ln["status"] not in DONE_LINES]
        orders.append((key, order, open_lines))
    # Level 3 needs the stock to be short: the paid open demand of a SKU, first paid first served (orders paid
    # at the same instant share their place), above its stock. Unpaid orders claim nothing yet.
    demand_at: Counter = Counter()
    for _, order, open_lines in orders:
        for line in open_lines if order["paid_at"] else ():
            demand_at[(line["sku_code"], parse_instant(order["paid_at"]))] += line["quantity"]
    cumulative, running = {}, Counter()
    for sku, paid in sorted(demand_at, key=lambda k: (k[0], k[1])):
        running[sku] += demand_at[(sku, paid)]
        cumulative[(sku, paid)] = running[sku]
    short = {key for key, order, open_lines in orders if order["paid_at"] and any(
        line["sku_code"] in stock and cumulative[(line["sku_code"], parse_instant(order["paid_at"]))]
        > stock[line["sku_code"]] for line in open_lines)}
    levels = {}
    for key, order, open_lines in orders:
        if order["paid_at"] is None:
            continue
        paid = parse_instant(order["paid_at"])
        minutes = min((SLA_MINUTES.get(ln["category"], DEFAULT_SLA_MINUTES) for ln in open_lines),
                      default=DEFAULT_SLA_MINUTES)
        deadline = paid + timedelta(minutes=minutes)
        if order["ship_by"]:
            deadline = min(deadline, parse_instant(order["ship_by"]))
        if now > deadline:
            levels[key] = 3 if key in short else 2
        elif now > paid + REMINDER:
            levels[key] = 1
    return levels
