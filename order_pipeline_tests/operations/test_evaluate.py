"""The evaluation engine: which SLA applies, the deadline, the routing queue and its reasons, and determinism."""

from __future__ import annotations

import random
from datetime import timedelta

import duckdb
import pyarrow as pa
import pytest

from order_pipeline.operations import EVALUATION_COLUMNS, SlaPolicies, evaluate, evaluation
from order_pipeline.operations.evaluate import utc_timestamps
from order_pipeline_tests.operations.conftest import T0, Inputs, policies

LATER = T0 + timedelta(minutes=20)


def test_output_columns_and_only_open_orders(inputs: Inputs) -> None:
    for status in ("unpaid", "paid", "partly_shipped", "shipped", "completed", "cancelled", "unknown"):
        inputs.order(status, status=status, paid_at=None if status == "unpaid" else T0)
    table = evaluate(inputs.con, LATER, SlaPolicies())
    assert tuple(table.column_names) == EVALUATION_COLUMNS
    assert sorted(table.column("order_key").to_pylist()) == ["paid", "partly_shipped", "unpaid"]
    for name in ("paid_at", "deadline_at", "notify_at", "evaluated_at"):
        assert table.schema.field(name).type == pa.timestamp("us", "UTC")


def test_most_specific_rule_wins(inputs: Inputs) -> None:
    rules = [{"id": "normal", "category": "normal", "ship_within": "2h"},
             {"id": "normal_jd", "category": "normal", "platform": "jd", "ship_within": "3h"},
             {"id": "normal_jd_pop", "category": "normal", "shop_key": "jd_pop", "ship_within": "90m"},
             {"id": "fresh", "category": "fresh_food", "ship_within": "30m"},
             {"id": "fresh_jd_pop", "category": "fresh_food", "shop_key": "jd_pop", "platform": "jd",
              "ship_within": "45m"}]
    inputs.order("tmall", platform="taobao", shop_key="tmall_flagship")
    inputs.order("jd_other", platform="jd", shop_key="jd_self_run")
    inputs.order("jd_pop", platform="jd", shop_key="jd_pop")
    inputs.order("jd_pop_fresh", platform="jd", shop_key="jd_pop", lines=[("FF108-1KG", 1)])
    inputs.order("jd_other_fresh", platform="jd", shop_key="jd_self_run", lines=[("FF108-1KG", 1)])
    inputs.order("jd_pop_electronics", platform="jd", shop_key="jd_pop", lines=[("EL114-BLK", 1)])
    rows = inputs.evaluate(LATER, policies(sla=rules))
    got = {key: (row["category"], row["sla_minutes"], row["deadline_rule"]) for key, row in rows.items()}
    assert got == {
        "tmall": ("apparel", 120, "sla:normal"),
        "jd_other": ("apparel", 180, "sla:normal_jd"),
        "jd_pop": ("apparel", 90, "sla:normal_jd_pop"),
        "jd_pop_fresh": ("fresh_food", 45, "sla:fresh_jd_pop"),
        "jd_other_fresh": ("fresh_food", 30, "sla:fresh"),  # a category rule beats the default's platform rule
        "jd_pop_electronics": ("electronics", 90, "sla:normal_jd_pop"),  # no electronics rule: normal's
    }
    assert rows["jd_pop"]["deadline_at"] == T0 + timedelta(minutes=90)


def test_strictest_open_line_wins(inputs: Inputs) -> None:
    rules = [{"id": "normal", "category": "normal", "ship_within": "2h"},
             {"id": "fresh", "category": "fresh_food", "ship_within": "30m"},
             {"id": "beauty", "category": "beauty", "ship_within": "30m"},
             {"id": "home", "category": "home", "ship_within": "4h"}]
    inputs.order("mixed", lines=[("HM122-L", 1), ("FF108-1KG", 2), ("XX-UNCODED", 1)])
    inputs.order("home_only", lines=[("HM122-L", 1), ("HM123-S", 1)])
    inputs.order("uncoded", lines=[("HM122-L", 1), ("GIFT-CARD", 1)])
    inputs.order("fresh_shipped", status="partly_shipped", lines=[("FF108-1KG", 1, "shipped"), ("HM122-L", 1)])
    inputs.order("fresh_cancelled", lines=[("FF108-1KG", 1, "cancelled"), ("HM122-L", 1)])
    inputs.order("fresh_unknown_status", lines=[("FF108-1KG", 1, None), ("HM122-L", 1)])
    inputs.order("tie", lines=[("FF108-1KG", 1), ("BE120-50ML", 1)])
    inputs.order("no_lines", lines=[])
    rows = inputs.evaluate(LATER, policies(sla=rules))
    got = {key: (row["category"], row["sla_minutes"]) for key, row in rows.items()}
    assert got == {"mixed": ("fresh_food", 30), "home_only": ("home", 240), "uncoded": ("normal", 120),
                   "fresh_shipped": ("home", 240), "fresh_cancelled": ("home", 240),
                   "fresh_unknown_status": ("fresh_food", 30), "tie": ("beauty", 30), "no_lines": ("normal", 120)}
    assert rows["no_lines"]["stock_status"] is None


def test_platform_ship_by_applies_when_earlier(inputs: Inputs) -> None:
    inputs.order("ship_by_earlier", ship_by=T0 + timedelta(minutes=40))
    inputs.order("ship_by_later", ship_by=T0 + timedelta(hours=48))
    inputs.order("ship_by_equal", ship_by=T0 + timedelta(hours=2))
    inputs.order("fresh_ship_by_later", ship_by=T0 + timedelta(minutes=40), lines=[("FF108-1KG", 1)])
    inputs.order("unpaid_with_ship_by", status="unpaid", paid_at=None, ship_by=T0 + timedelta(hours=24))
    now = T0 + timedelta(minutes=41)
    rows = inputs.evaluate(now)
    assert (rows["ship_by_earlier"]["deadline_at"], rows["ship_by_earlier"]["deadline_rule"]) == (
        T0 + timedelta(minutes=40), "platform_ship_by")
    assert rows["ship_by_earlier"]["level"] == 2 and rows["ship_by_earlier"]["overdue_minutes"] == 1.0
    assert (rows["ship_by_later"]["deadline_at"], rows["ship_by_later"]["deadline_rule"]) == (
        T0 + timedelta(hours=2), "sla:normal")
    assert rows["ship_by_later"]["level"] == 1 and rows["ship_by_later"]["overdue_minutes"] == 0
    assert rows["ship_by_equal"]["deadline_rule"] == "sla:normal"
    assert rows["fresh_ship_by_later"]["deadline_rule"] == "sla:fresh_food"
    assert rows["fresh_ship_by_later"]["deadline_at"] == T0 + timedelta(minutes=30)
    unpaid = rows["unpaid_with_ship_by"]
    assert (unpaid["level"], unpaid["deadline_rule"], unpaid["notify_at"]) == (0, "platform_ship_by", None)


ROUTING = {"high_value": {"CNY": 5000, "IDR": 10_000_000},
           "purchase_limit_units": {"per_order": 20, "per_sku": {"FF111-": 10}}}


def test_queue_reasons(inputs: Inputs) -> None:
    inputs.order("clean")
    inputs.order("pending", payment_state="pending")
    inputs.order("failed", payment_state="failed")
    inputs.order("no_address", address_valid=False)
    inputs.order("address_unknown", address_valid=None)
    inputs.order("limit_ok", units=20)
    inputs.order("limit_order", units=21)
    inputs.order("limit_sku", lines=[("FF111-2J", 6), ("FF111-2J", 5), ("AP101-BLK-M", 1)])
    inputs.order("limit_sku_ok", lines=[("FF111-2J", 10), ("FF111-5J", 10)])
    inputs.order("limit_sku_cancelled", lines=[("FF111-2J", 6), ("FF111-2J", 5, "cancelled")])
    inputs.order("risk", risk_flag=True)
    inputs.order("high", amount="5000.00")
    inputs.order("below_high", amount="4999.99")
    inputs.order("high_idr", shop_key="shopee_id", platform="shopee", tz="Asia/Jakarta", currency="IDR",
                 amount="12500000")
    inputs.order("no_threshold", shop_key="shopee_br", platform="shopee", tz="America/Sao_Paulo",
                 currency="BRL", amount="99999")
    inputs.order("several", payment_state="failed", risk_flag=True, amount="8000.00")
    rows = inputs.evaluate(LATER, policies(routing=ROUTING))
    reasons = {key: row["queue_reasons"] for key, row in rows.items()}
    assert reasons == {
        "clean": [], "pending": ["payment_pending"], "failed": ["payment_failed"],
        "no_address": ["incomplete_address"], "address_unknown": [], "limit_ok": [],
        "limit_order": ["purchase_limit_exceeded"], "limit_sku": ["purchase_limit_exceeded"],
        "limit_sku_ok": [], "limit_sku_cancelled": [], "risk": ["risk_control"], "high": ["high_value"],
        "below_high": [], "high_idr": ["high_value"], "no_threshold": [],
        "several": ["payment_failed", "risk_control", "high_value"],
    }
    queues = {key: row["queue"] for key, row in rows.items()}
    assert {key for key, queue in queues.items() if queue == "standard"} == {
        "clean", "address_unknown", "limit_ok", "limit_sku_ok", "limit_sku_cancelled", "below_high", "no_threshold"}
    assert set(queues.values()) == {"standard", "manual_review"}


def test_frozen_beats_manual_review(inputs: Inputs) -> None:
    inputs.stock("AP101-BLK-M", 0)
    inputs.order("held", risk_flag=True)
    row = inputs.evaluate(T0 + timedelta(hours=3))["held"]
    assert (row["level"], row["queue"], row["queue_reasons"]) == (3, "frozen", ["risk_control", "on_hold_stock_short"])


def _random_inputs(inputs: Inputs, seed: int) -> None:
    rng = random.Random(seed)
    skus = [f"{prefix}{n}-X" for prefix in ("AP", "FF", "EL", "ZZ") for n in range(5)]
    for sku in skus[:-3]:
        inputs.stock(sku, rng.randint(0, 12))
    for i in range(300):
        status = rng.choice(["unpaid", "paid", "paid", "partly_shipped", "shipped"])
        paid = None if status == "unpaid" else T0 - timedelta(minutes=rng.randint(0, 300))
        inputs.order(f"o{i:03d}", status=status, paid_at=paid, risk_flag=rng.random() < 0.1,
                     ship_by=paid + timedelta(minutes=rng.randint(20, 200)) if paid and rng.random() < .3 else None,
                     lines=[(rng.choice(skus), rng.randint(1, 4)) for _ in range(rng.randint(0, 3))])


def test_same_input_same_output(inputs: Inputs) -> None:
    _random_inputs(inputs, 7)
    first = evaluate(inputs.con, T0, SlaPolicies()).sort_by("order_key")
    second = evaluate(inputs.con, T0, SlaPolicies()).sort_by("order_key")
    assert first.equals(second)
    single = duckdb.connect(config={"threads": 1})
    _random_inputs(Inputs(single), 7)
    assert evaluate(single, T0, SlaPolicies()).sort_by("order_key").equals(first)
    assert set(first.column("level").to_pylist()) == {0, 1, 2, 3}  # the fixture exercises every level


def test_relation_inserts_the_same_rows(inputs: Inputs) -> None:
    _random_inputs(inputs, 11)
    evaluation(inputs.con, T0, SlaPolicies()).create("order_evaluations")
    stored = inputs.con.sql("select * from order_evaluations").to_arrow_table()
    expected = evaluate(inputs.con, T0, SlaPolicies())
    assert stored.num_rows == expected.num_rows > 0
    assert utc_timestamps(stored).sort_by("order_key").equals(expected.sort_by("order_key"))


def test_naive_now_is_refused(inputs: Inputs) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        evaluate(inputs.con, T0.replace(tzinfo=None), SlaPolicies())
