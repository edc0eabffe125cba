"""The nightly reconciliation's calendar: one partition per business day in Asia/Shanghai (F10, F16).

The merchant's books close on the China day, so a day's partition is that local day, whatever the UTC date
of the run: the 02:00 run on 7 December (18:00 UTC on the 6th) reconciles 6 December, and so does a run at
00:03 local, when UTC still says the 6th is hours from over. Any past day can be re-run or backfilled from
the Dagster UI.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import dagster as dg

RECONCILIATION_TIMEZONE = "Asia/Shanghai"
ZONE = ZoneInfo(RECONCILIATION_TIMEZONE)
FIRST_DAY = "2025-01-01"

# end_offset=1: today's partition exists too, so the data team can reconcile "the day so far" on demand (the
# demo does); the schedule itself always asks for the day that has ended
nightly_partitions = dg.DailyPartitionsDefinition(start_date=FIRST_DAY, timezone=RECONCILIATION_TIMEZONE,
                                                  end_offset=1)


def day_of(partition_key: str) -> date:
    return date.fromisoformat(partition_key)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """[start, end) of a local day as aware datetimes in Asia/Shanghai (compare them with UTC freely)."""
    start = datetime(day.year, day.month, day.day, tzinfo=ZONE)
    return start, start + timedelta(days=1)


def last_closed_day(now: datetime) -> date:
    """The last local day that has ended at `now`: what a nightly run at `now` reconciles."""
    return now.astimezone(ZONE).date() - timedelta(days=1)
