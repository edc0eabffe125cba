"""Beijing-time strings: the wire format of Taobao, JD (and Pinduoduo).

Those platforms send and expect `yyyy-MM-dd HH:mm:ss` without an offset, meaning GMT+8. Converting exactly at
the HTTP edge, and refusing naive datetimes, keeps every instant inside the project in UTC (MISSION F16): a
window computed in UTC is sent as Beijing time, and a record's Beijing `modified` comes back as UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from order_pipeline.clock import ensure_utc

BEIJING = ZoneInfo("Asia/Shanghai")
WIRE_FORMAT = "%Y-%m-%d %H:%M:%S"


def format_beijing(instant: datetime) -> str:
    """A timezone-aware instant as the platform's GMT+8 string (sub-second part dropped: the platforms count
    whole seconds, and dropping it on both ends of a window never narrows what a second-precision record hits)."""
    return ensure_utc(instant).astimezone(BEIJING).strftime(WIRE_FORMAT)


# China has kept UTC+8 without daylight saving since 1991: a fixed offset parses the same as the zone, and
# `fromisoformat` (C) is ~10x faster than `strptime`, which showed at ~7% of a pull's CPU.
_UTC8 = timezone(timedelta(hours=8))


def parse_beijing(text: str) -> datetime:
    """A platform GMT+8 string as a UTC instant."""
    text = text.strip()
    if len(text) != 19 or text[10] != " ":
        raise ValueError(f"not a {WIRE_FORMAT} time: {text!r}")
    return datetime.fromisoformat(text).replace(tzinfo=_UTC8).astimezone(UTC)


def parse_beijing_or_none(value: Any) -> datetime | None:
    """Lenient variant for record versions: a missing or malformed time is "unknown", never a crash mid-pull."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return parse_beijing(value)
    except ValueError:
        return None
