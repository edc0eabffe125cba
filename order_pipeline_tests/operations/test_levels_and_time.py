"""Alert levels at their exact boundaries, the seed's midnight incident (F16), and working hours.

The seed's incident: a server judged "today" in UTC while the shop's orders lived in UTC+8, and stock stayed
locked across midnight. Here deadlines are instants (paid_at + SLA, never shifted by a zone) and only the
business date is local, so orders paid either side of Shanghai midnight are judged the same way.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import duckdb
import pytest

from order_pipeline.operations import SlaPolicies
from order_pipeline_tests.operations.conftest import T0, Inputs, policies

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(("elapsed", "level"), [
    (timedelta(minutes=14, seconds=59), 0),
    (timedelta(minutes=15), 1),
    (timedelta(hours=2), 1),  # at the deadline the promise still holds
    (timedelta(hours=2, seconds=1), 2),
])
def test_normal_goods_levels_at_the_boundaries(inputs: Inputs, elapsed: timedelta, level: int) -> None:
    inputs.order("o")
    row = inputs.evaluate(T0 + elapsed)["o"]
    assert row["level"] == level
    assert row["notify_at"] == (None if level == 0 else T0 + elapsed)


@pytest.mark.parametrize(("elapsed", "level"), [
    (timedelta(minutes=14, seconds=59), 0), (timedelta(minutes=15), 1),
    (timedelta(minutes=30), 1), (timedelta(minutes=30, seconds=1), 2)])
def test_fresh_food_levels_at_the_boundaries(inputs: Inputs, elapsed: timedelta, level: int) -> None:
    inputs.order("o", lines=[("FF108-1KG", 1)])
    assert inputs.evaluate(T0 + elapsed)["o"]["level"] == level


def test_reminder_after_is_configurable(inputs: Inputs) -> None:
    inputs.order("o")
    custom = policies(levels={"reminder_after": "45m"})
    assert inputs.evaluate(T0 + timedelta(minutes=44), custom)["o"]["level"] == 0
    assert inputs.evaluate(T0 + timedelta(minutes=45), custom)["o"]["level"] == 1


PAID = {  # Shanghai wall clock -> UTC instant
    "2355": datetime(2026, 11, 11, 15, 55, tzinfo=UTC),
    "2359": datetime(2026, 11, 11, 15, 59, 59, tzinfo=UTC),
    "0000": datetime(2026, 11, 11, 16, 0, tzinfo=UTC),
    "0005": datetime(2026, 11, 11, 16, 5, tzinfo=UTC),
}


def _midnight_orders(inputs: Inputs) -> None:
    for key, paid in PAID.items():
        inputs.order(key, paid_at=paid)
        inputs.order(f"fresh_{key}", paid_at=paid, lines=[("FF108-1KG", 1)])


def test_orders_across_shanghai_midnight(inputs: Inputs) -> None:
    _midnight_orders(inputs)
    rows = inputs.evaluate(datetime(2026, 11, 11, 16, 10, tzinfo=UTC))
    assert {key: rows[key]["business_date_local"] for key in PAID} == {
        "2355": date(2026, 11, 11), "2359": date(2026, 11, 11), "0000": date(2026, 11, 12), "0005": date(2026, 11, 12)}
    for key, paid in PAID.items():
        assert rows[key]["deadline_at"] == paid + timedelta(hours=2)  # no 8 h shift either side of midnight
        assert rows[f"fresh_{key}"]["deadline_at"] == paid + timedelta(minutes=30)
    assert {key: rows[key]["level"] for key in PAID} == {"2355": 1, "2359": 0, "0000": 0, "0005": 0}
    later = inputs.evaluate(datetime(2026, 11, 11, 16, 30, 30, tzinfo=UTC))  # 00:30:30 local
    assert {key: later[f"fresh_{key}"]["level"] for key in PAID} == {"2355": 2, "2359": 2, "0000": 2, "0005": 1}
    assert {key: later[key]["level"] for key in PAID} == {"2355": 1, "2359": 1, "0000": 1, "0005": 1}


def test_neither_the_sessions_zone_nor_nows_zone_changes_anything(inputs: Inputs) -> None:
    _midnight_orders(inputs)
    now = datetime(2026, 11, 11, 16, 30, 30, tzinfo=UTC)
    expected = inputs.evaluate(now)
    inputs.con.execute("set TimeZone = 'Asia/Shanghai'")
    assert inputs.evaluate(now.astimezone(SHANGHAI)) == expected
    inputs.con.execute("set TimeZone = 'America/Sao_Paulo'")
    assert inputs.evaluate(now.astimezone(ZoneInfo("America/Sao_Paulo"))) == expected


def test_business_date_is_the_shops_own(inputs: Inputs) -> None:
    paid = datetime(2026, 11, 12, 2, 30, tzinfo=UTC)  # 10:30 in Shanghai, 23:30 the day before in Sao Paulo
    inputs.order("cn", paid_at=paid)
    inputs.order("br", platform="shopee", shop_key="shopee_br", tz="America/Sao_Paulo", currency="BRL", paid_at=paid)
    inputs.order("unpaid", status="unpaid", paid_at=None, created_at=datetime(2026, 11, 11, 16, 1, tzinfo=UTC))
    rows = inputs.evaluate(paid + timedelta(minutes=1))
    assert rows["cn"]["business_date_local"] == date(2026, 11, 12)
    assert rows["br"]["business_date_local"] == date(2026, 11, 11)
    assert rows["unpaid"]["business_date_local"] == date(2026, 11, 12)  # creation date while unpaid


HOURS = {"working_hours": {"tmall_flagship": "09:00-21:00"}}


@pytest.mark.parametrize(("local_now", "expected_local"), [
    (datetime(2026, 11, 12, 10, 0), None),  # within hours: now
    (datetime(2026, 11, 12, 7, 30), datetime(2026, 11, 12, 9, 0)),  # before: today 09:00
    (datetime(2026, 11, 12, 21, 0), datetime(2026, 11, 13, 9, 0)),  # at the end (exclusive): tomorrow
    (datetime(2026, 11, 12, 23, 45), datetime(2026, 11, 13, 9, 0)),
])
def test_reminders_wait_for_working_hours(inputs: Inputs, local_now: datetime, expected_local: datetime | None) -> None:
    now = local_now.replace(tzinfo=SHANGHAI).astimezone(UTC)
    inputs.order("reminder", paid_at=now - timedelta(minutes=20))
    inputs.order("breached", paid_at=now - timedelta(hours=3))
    inputs.order("other_shop", shop_key="jd_pop", platform="jd", paid_at=now - timedelta(minutes=20))
    rows = inputs.evaluate(now, policies(**HOURS))
    assert rows["reminder"]["level"] == 1 and rows["breached"]["level"] == 2
    expected = expected_local.replace(tzinfo=SHANGHAI).astimezone(UTC) if expected_local else now
    assert rows["reminder"]["notify_at"] == expected
    assert rows["breached"]["notify_at"] == now  # a breach is never deferred
    assert rows["other_shop"]["notify_at"] == now  # no working hours: now


def test_working_hours_in_a_western_zone(inputs: Inputs) -> None:
    now = datetime(2026, 11, 12, 1, 0, tzinfo=UTC)  # 22:00 on 11 Nov in Sao Paulo (UTC-3)
    inputs.order("br", platform="shopee", shop_key="shopee_br", tz="America/Sao_Paulo", currency="BRL",
                 paid_at=now - timedelta(minutes=20))
    rows = inputs.evaluate(now, policies(working_hours={"shopee_br": "09:00-21:00"}))
    assert rows["br"]["notify_at"] == datetime(2026, 11, 12, 12, 0, tzinfo=UTC)  # 09:00 on 12 Nov local


def test_a_fresh_connection_gives_the_same_verdicts() -> None:
    first, second = (Inputs(duckdb.connect()) for _ in range(2))
    for each in (first, second):
        _midnight_orders(each)
    now = T0 + timedelta(minutes=50)
    assert first.evaluate(now, SlaPolicies()) == second.evaluate(now, SlaPolicies())
