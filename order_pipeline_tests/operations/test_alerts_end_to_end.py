"""Timeout detection end to end: the simulator's orders pulled and published, the sensor ticking at simulated
instants, the alert job recording and delivering to a real local webhook receiver.

Expected levels are computed here from the simulator's ground truth with the policy stated below, not with the
evaluation's SQL: a misreading of the policy in one cannot hide by agreeing with itself.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timedelta

import dagster as dg
import pytest

from order_pipeline.clock import parse_instant
from order_pipeline.operations.policies import load_policies
from order_pipeline.simulator.config import WorldConfig
from order_pipeline_tests.alerts.robots import FakeRobots
from order_pipeline_tests.conftest import TEST_START
from order_pipeline_tests.warehouse.pipeline_run import PipelineEnv, pipeline_env

WORLD = WorldConfig(seed=31, start=TEST_START, history_days=2, horizon_days=2, orders_per_shop_per_day=40,
                    nasty_share=0.1, frozen=True)
# The checked-in policy (config/sla_policies.yaml), restated: ship fresh food within 30 min of payment, anything
# else within 2 h, never later than the platform's ship-by; remind 15 min after payment.
SLA_MINUTES = {"fresh_food": 30}
DEFAULT_SLA_MINUTES = 120
REMINDER = timedelta(minutes=15)
OPEN = ("unpaid", "paid", "partly_shipped")
DONE_LINES = ("shipped", "completed", "cancelled", "refunded")


@pytest.fixture(scope="module")
def robots():
    server = FakeRobots()
    yield server
    server.close()


@pytest.fixture(scope="module")
def env(tmp_path_factory, robots):
    with pipeline_env(tmp_path_factory.mktemp("alerts"), WORLD) as pipeline:
        assert pipeline.run().success
        yield pipeline


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


def expected_levels(env: PipelineEnv, now: datetime) -> dict[str, int]:
    """order_key -> level (1-3) of every open order at `now`, from the simulator's ground truth."""
    lines: dict[tuple, list[dict]] = {}
    for line in env.simulator.world.ground_truth("order_lines"):
        lines.setdefault((line["platform"], line["order_id"]), []).append(line)
    stock = Counter()
    for level in env.simulator.world.ground_truth("stock"):
        stock[level["sku_code"]] += level["quantity"]
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


def _routing(env: PipelineEnv) -> dict[str, tuple]:
    rows = env.query("select order_key, level, queue, queue_reasons from rpt_order_routing")
    return {row[0]: row[1:] for row in rows}


def _delivered_pairs(robots: FakeRobots) -> Counter:
    pairs = Counter()
    for document in robots.robots["webhook"].accepted:
        doc = document if isinstance(document, dict) else json.loads(document)
        for order_key in doc["order_keys"]:
            pairs[(order_key, doc["level"])] += 1
    return pairs


def test_the_checked_in_policy_is_the_one_restated_here():
    policies = load_policies()
    assert {rule.category: rule.ship_within for rule in policies.sla if not rule.platform and not rule.shop_key} \
        == {"normal": timedelta(minutes=DEFAULT_SLA_MINUTES), "fresh_food": timedelta(minutes=30)}
    assert policies.levels.reminder_after == REMINDER


def test_breaching_orders_are_exactly_those_the_policy_names_at_the_right_level(env, robots):
    now = env.simulator.world.now()
    daemon = Daemon(env, robots)
    assert daemon.tick(now) == 1
    want = expected_levels(env, now)
    assert {level for level in want.values()} >= {1, 2}, "the world must exercise reminders and breaches"
    routing = _routing(env)
    got = {key: level for key, (level, _, _) in routing.items() if level > 0}
    assert got == want
    alerts = env.query("select order_key, level, channel, delivery_status, notify_at <= ? from fct_order_alerts",
                       [now])
    assert {(k, lv) for k, lv, *_ in alerts} == set(want.items())
    # the local webhook is configured: due alerts delivered, level-1 reminders outside working hours wait;
    # the robots whose URLs are not in the environment record not_configured, nothing is dropped
    webhook = {(k, lv): (status, due) for k, lv, channel, status, due in alerts if channel == "local_webhook"}
    assert set(webhook) == set(want.items())
    assert all(status == ("delivered" if due else "pending") for status, due in webhook.values())
    assert all(status == ("not_configured" if due else "pending")
               for _, _, channel, status, due in alerts if channel != "local_webhook")
    assert set(_delivered_pairs(robots)) == {pair for pair, (_, due) in webhook.items() if due}


def test_no_order_is_alerted_twice_across_ten_ticks_and_a_restart(env, robots):
    daemon = Daemon(env, robots)
    start = env.simulator.world.now()
    for minute in range(0, 100, 10):  # levels escalate as simulated time passes, without new pulls
        if minute == 50:
            daemon.restart()
        daemon.tick(start + timedelta(minutes=minute))
    pairs = _delivered_pairs(robots)
    assert pairs and max(pairs.values()) == 1, [p for p, n in pairs.items() if n > 1][:5]
    recorded = env.query("select order_key, level, channel, count(*) from fct_order_alerts group by all "
                         "having count(*) > 1")
    assert recorded == []
    final = expected_levels(env, start + timedelta(minutes=90))
    assert {k: lv for (k, lv) in pairs if lv == final.get(k)} == final, "every order reached its final level"


def test_the_queue_of_every_open_order_matches_its_flags(env):
    rows = env.query("""select r.order_key, r.level, r.queue, r.queue_reasons, o.status_raw, o.address_valid,
                               o.risk_flag
                        from rpt_order_routing r join fct_orders o using (order_key)""")
    assert rows
    for key, level, queue, reasons, status, address_valid, risk in rows:
        assert ("payment_pending" in reasons) == (status in ("PAY_PENDING", "WAIT_PRE_AUTH_CONFIRM")), key
        assert ("incomplete_address" in reasons) == (address_valid is False), key
        assert ("risk_control" in reasons) == bool(risk), key
        expected = "frozen" if level == 3 else "manual_review" if reasons else "standard"
        assert queue == expected, key


def test_a_failed_delivery_stays_pending_and_is_delivered_exactly_once_by_a_later_run(env, robots):
    daemon = Daemon(env, robots)  # two attempts per run (see Daemon._resources)
    before = _delivered_pairs(robots)
    robots.script("webhook", *[(500, {"error": "unavailable"}, {})] * 3)
    later = env.simulator.world.now() + timedelta(hours=3)
    assert daemon.tick(later) == 1
    pending = env.query("select count(*) from fct_order_alerts where channel = 'local_webhook' "
                        "and delivery_status = 'pending' and notify_at <= ?", [later])[0][0]
    # three failures: the first message fails both attempts (pending, not lost), the second fails once
    assert pending == 1
    assert daemon.tick(later + timedelta(minutes=1)) == 1, "the sensor asks for a run to retry them"
    rows = env.query("select delivery_status, attempts from fct_order_alerts where channel = 'local_webhook' "
                     "and notify_at <= ? and attempts > 1", [later])
    assert sorted(rows) == [("delivered", 2), ("delivered", 3)]
    pairs = _delivered_pairs(robots)
    assert max(pairs.values()) == 1 and len(pairs) > len(before)


def test_many_new_alerts_for_one_channel_go_out_as_one_digest(env, robots):
    from order_pipeline.definitions import defs

    robots.reset()
    later = env.simulator.world.now() + timedelta(hours=8)
    env.simulator.world.set_now(later)  # eight hours of new orders, pulled and published
    assert env.run(now=later).success
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ORDER_PIPELINE_PII_KEY", env.pii_key)
        mp.setenv("ORDER_PIPELINE_ALERT_WEBHOOK_URL", robots.url("webhook"))
        mp.setenv("ORDER_PIPELINE_ALERT_WEBHOOK_SECRET", robots.robots["webhook"].secret)
        config = {"ops": {"order_alerts": {"config": {"as_of": later.isoformat()}}},
                  "resources": {"warehouse": {"config": {"data_dir": str(env.data_dir)}},
                                "operations": {"config": {"digest_threshold": 5}}}}
        result = defs.resolve_job_def("order_alert_job").execute_in_process(run_config=config,
                                                                            instance=env.instance)
    assert result.success
    # new alerts due now (reminders outside working hours wait for their notify_at)
    new = env.query("select level, count(*) from fct_order_alerts where channel = 'local_webhook' "
                    "and detected_at = ? and notify_at <= ? group by all having count(*) > 5", [later, later])
    fresh = {row[0] for row in env.query("select order_key from fct_order_alerts where detected_at = ?", [later])}
    assert new, "the scenario needs more than 5 new alerts of a level"
    digests = [d for d in robots.robots["webhook"].accepted if d["digest"]]
    assert sorted(d["level"] for d in digests) == sorted(level for level, _ in new), "one digest per level"
    for document in digests:
        assert document["digest"]["total"] == dict(new)[document["level"]] == len(document["order_keys"])
        assert set(document["order_keys"]) <= fresh
    # the rest (a level with 5 or fewer due, reminders whose working-hours deferral ended): one message each
    assert all(len(d["order_keys"]) == 1 for d in robots.robots["webhook"].accepted if not d["digest"])


def test_the_hourly_scan_lists_the_orders_stuck_over_two_hours_in_their_stage(env):
    from order_pipeline.definitions import defs

    at = env.simulator.world.now() + timedelta(minutes=30)
    config = {"ops": {"rpt_stuck_orders": {"config": {"as_of": at.isoformat()}}},
              "resources": {"warehouse": {"config": {"data_dir": str(env.data_dir)}}}}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ORDER_PIPELINE_PII_KEY", env.pii_key)
        assert defs.resolve_job_def("stuck_order_scan_job").execute_in_process(
            run_config=config, instance=env.instance).success
    got = {row[0]: row[1] for row in env.query("select order_key, stage from rpt_stuck_orders")}
    want = {}
    for key, (status, created, paid, shipped) in {
        row[0]: row[1:] for row in env.query("select order_key, status, created_at, paid_at, shipped_at "
                                             "from fct_orders where status in ('unpaid', 'paid', 'partly_shipped')")
    }.items():
        stage, since = {"unpaid": ("unpaid", created), "paid": ("paid_not_shipped", paid or created),
                        "partly_shipped": ("partly_shipped", shipped or paid or created)}[status]
        if at - since > timedelta(hours=2):
            want[key] = stage
    assert want and got == want
