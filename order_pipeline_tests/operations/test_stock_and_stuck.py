"""Level 3 (breached and stock short, first paid first served) and the hourly stuck scan."""

from __future__ import annotations

from datetime import timedelta

from order_pipeline_tests.operations.conftest import T0, Inputs, policies

BREACHED = T0 + timedelta(hours=5)


def test_fifo_allocation_decides_who_is_short(inputs: Inputs) -> None:
    inputs.stock("EL114-BLK", 5)
    inputs.order("first", paid_at=T0, lines=[("EL114-BLK", 3)])
    inputs.order("second", paid_at=T0 + timedelta(minutes=5), lines=[("EL114-BLK", 2)])  # 3 + 2 = 5: fits
    inputs.order("third", paid_at=T0 + timedelta(minutes=10), lines=[("EL114-BLK", 1), ("AP101-BLK-M", 1)])
    inputs.order("fourth", paid_at=T0 + timedelta(minutes=15), lines=[("EL114-BLK", 1)])
    inputs.stock("AP101-BLK-M", 100)
    rows = inputs.evaluate(BREACHED)
    assert {key: (row["level"], row["stock_status"], row["queue"]) for key, row in rows.items()} == {
        "first": (2, "sufficient", "standard"),
        "second": (2, "sufficient", "standard"),
        "third": (3, "stock_short", "frozen"),
        "fourth": (3, "stock_short", "frozen"),
    }
    assert rows["third"]["queue_reasons"] == ["on_hold_stock_short"]


def test_short_but_not_breached_is_not_level_3(inputs: Inputs) -> None:
    inputs.stock("EL114-BLK", 0)
    inputs.order("early", lines=[("EL114-BLK", 1)])
    row = inputs.evaluate(T0 + timedelta(minutes=20))["early"]
    assert (row["level"], row["stock_status"], row["queue"]) == (1, "stock_short", "standard")


def test_unknown_stock_is_never_level_3(inputs: Inputs) -> None:
    inputs.stock("EL114-BLK", 0)
    inputs.order("unknown_only", lines=[("EL999-NEW", 5)])
    inputs.order("unknown_and_short", lines=[("EL999-NEW", 5), ("EL114-BLK", 1)])
    rows = inputs.evaluate(BREACHED)
    assert (rows["unknown_only"]["level"], rows["unknown_only"]["stock_status"]) == (2, "stock_unknown")
    assert (rows["unknown_and_short"]["level"], rows["unknown_and_short"]["stock_status"]) == (3, "stock_short")


def test_demand_counts_only_what_is_still_to_ship(inputs: Inputs) -> None:
    inputs.stock("EL114-BLK", 2)
    inputs.order("shipped_line", status="partly_shipped", paid_at=T0 - timedelta(minutes=30),
                 lines=[("EL114-BLK", 5, "shipped"), ("HM122-L", 1)])
    inputs.order("cancelled_line", paid_at=T0 - timedelta(minutes=20), lines=[("EL114-BLK", 5, "cancelled")])
    inputs.order("closed_order", status="shipped", paid_at=T0 - timedelta(minutes=10), lines=[("EL114-BLK", 5)])
    inputs.order("unpaid_later", status="unpaid", paid_at=None, lines=[("EL114-BLK", 5)])
    inputs.order("mine", paid_at=T0, lines=[("EL114-BLK", 2)])
    rows = inputs.evaluate(BREACHED)
    assert (rows["mine"]["level"], rows["mine"]["stock_status"]) == (2, "sufficient")
    assert rows["unpaid_later"]["level"] == 0  # short, but unpaid orders queue behind every paid one


def test_stock_rows_of_a_sku_add_up_and_ties_share_their_place(inputs: Inputs) -> None:
    inputs.stock("EL114-BLK", 2)
    inputs.stock("EL114-BLK", 2)  # a second warehouse
    inputs.order("a", paid_at=T0, lines=[("EL114-BLK", 2)])
    inputs.order("b", paid_at=T0, lines=[("EL114-BLK", 2)])
    inputs.order("c", paid_at=T0 + timedelta(seconds=1), lines=[("EL114-BLK", 1)])
    rows = inputs.evaluate(BREACHED)
    assert {key: row["level"] for key, row in rows.items()} == {"a": 2, "b": 2, "c": 3}
    inputs.order("d", paid_at=T0, lines=[("EL114-BLK", 1)])  # a third order paid at the same instant
    rows = inputs.evaluate(BREACHED)
    assert {key: row["level"] for key, row in rows.items()} == {"a": 3, "b": 3, "c": 3, "d": 3}


def test_stuck_scan(inputs: Inputs) -> None:
    now = T0 + timedelta(hours=3)
    inputs.order("unpaid_old", status="unpaid", paid_at=None, created_at=now - timedelta(hours=2, seconds=1))
    inputs.order("unpaid_exactly_2h", status="unpaid", paid_at=None, created_at=now - timedelta(hours=2))
    inputs.order("paid_old", paid_at=now - timedelta(hours=2, minutes=30))
    inputs.order("paid_recent", paid_at=now - timedelta(minutes=90), created_at=now - timedelta(hours=5))
    inputs.order("partly_recent_ship", status="partly_shipped", paid_at=now - timedelta(hours=6),
                 shipped_at=now - timedelta(hours=1))
    inputs.order("partly_old_ship", status="partly_shipped", paid_at=now - timedelta(hours=6),
                 shipped_at=now - timedelta(hours=4))
    inputs.order("partly_no_ship_time", status="partly_shipped", paid_at=now - timedelta(hours=6))
    inputs.order("shipped", status="shipped", paid_at=now - timedelta(hours=9))
    stuck = inputs.stuck(now)
    assert {key: (row["stage"], row["since"]) for key, row in stuck.items()} == {
        "unpaid_old": ("unpaid", now - timedelta(hours=2, seconds=1)),
        "paid_old": ("paid_not_shipped", now - timedelta(hours=2, minutes=30)),
        "partly_old_ship": ("partly_shipped", now - timedelta(hours=4)),
        "partly_no_ship_time": ("partly_shipped", now - timedelta(hours=6)),
    }
    assert stuck["paid_old"]["stuck_minutes"] == 150.0 and stuck["paid_old"]["evaluated_at"] == now
    assert set(inputs.stuck(now, policies(stuck_stage_after="5h"))) == {"partly_no_ship_time"}
