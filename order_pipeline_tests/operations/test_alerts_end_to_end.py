"""Timeout detection end to end: the simulator's orders pulled and published, the sensor ticking at simulated
instants, the alert job recording and delivering to a real local webhook receiver.

Expected levels are computed from the simulator's ground truth with the policy restated in alert_run.py, not
with the evaluation's SQL: a misreading of the policy in one cannot hide by agreeing with itself.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta

import pytest

from order_pipeline.operations.policies import load_policies
from order_pipeline.simulator.config import WorldConfig
from order_pipeline_tests.alerts.robots import FakeRobots
from order_pipeline_tests.conftest import TEST_START
from order_pipeline_tests.operations.alert_run import DEFAULT_SLA_MINUTES, REMINDER, Daemon, expected_levels
from order_pipeline_tests.warehouse.pipeline_run import PipelineEnv, pipeline_env

WORLD = WorldConfig(seed=31, start=TEST_START, history_days=2, horizon_days=2, orders_per_shop_per_day=40,
                    nasty_share=0.1, frozen=True)


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
    assert {level for level in want.values()} == {1, 2, 3}, "the world must exercise all three levels"
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
