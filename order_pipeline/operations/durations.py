"""The two small text formats of `config/sla_policies.yaml`: durations ("30m", "2h", "1h30m", "1d") and
working hours ("09:00-21:00").

They are parsed by hand rather than by pydantic's own timedelta/time coercion because that coercion accepts
bare numbers (is `30` seconds or minutes?) and ISO strings an operator would not write; an SLA read wrongly
by a factor of 60 is a silent outage, so anything but the one documented shape is an error that says what
shape was expected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time, timedelta
from typing import Annotated, Any

from pydantic import PlainSerializer, PlainValidator

_DURATION = re.compile(r"^(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m(?:in)?)?$")
_HOURS = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")
DURATION_HINT = "expected a duration with a unit, e.g. 30m, 2h, 1h30m, 1d"


def parse_duration(value: Any) -> timedelta:
    """Parse a positive whole-minute duration; zero, negative, unit-less and other text are errors."""
    if isinstance(value, timedelta):
        duration = value
    elif isinstance(value, str):
        text = value.strip().lower()
        if text.startswith("-"):
            raise ValueError(f"must be positive, got {value!r}")
        match = _DURATION.match(text)
        if not text or not match or not any(match.groups()):
            raise ValueError(f"bad duration {value!r}: {DURATION_HINT}")
        days, hours, minutes = (int(group or 0) for group in match.groups())
        duration = timedelta(days=days, hours=hours, minutes=minutes)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError(f"bad duration {value!r}: a bare number has no unit; {DURATION_HINT}")
    else:
        raise ValueError(f"bad duration {value!r}: {DURATION_HINT}")
    if duration <= timedelta(0):
        raise ValueError(f"must be positive, got {value!r}")
    if duration % timedelta(minutes=1):
        raise ValueError(f"must be whole minutes, got {value!r}")
    return duration


def format_duration(duration: timedelta) -> str:
    """The inverse of parse_duration, for messages and round trips."""
    minutes = int(duration.total_seconds() // 60)
    days, rest = divmod(minutes, 1440)
    hours, minutes = divmod(rest, 60)
    text = (f"{days}d" if days else "") + (f"{hours}h" if hours else "") + (f"{minutes}m" if minutes else "")
    return text or "0m"


Duration = Annotated[timedelta, PlainValidator(parse_duration), PlainSerializer(format_duration)]


@dataclass(frozen=True)
class WorkingHours:
    """A daily window in the shop's own time zone; start inclusive, end exclusive, start before end."""

    start: time
    end: time

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


def parse_working_hours(value: Any) -> WorkingHours:
    """Parse "HH:MM-HH:MM"; a window crossing midnight is refused (write the shop's day, not its night)."""
    if isinstance(value, WorkingHours):
        return value
    match = _HOURS.match(value.strip()) if isinstance(value, str) else None
    if not match:
        raise ValueError(f"bad working hours {value!r}: expected HH:MM-HH:MM, e.g. 09:00-21:00")
    h1, m1, h2, m2 = (int(group) for group in match.groups())
    if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2):
        raise ValueError(f"bad working hours {value!r}: not a time of day")
    start = time(h1, m1)
    end = time(23, 59, 59, 999999) if h2 == 24 else time(h2, m2)
    if start >= end:
        raise ValueError(f"bad working hours {value!r}: start must be before end (same local day)")
    return WorkingHours(start, end)


Hours = Annotated[WorkingHours, PlainValidator(parse_working_hours), PlainSerializer(str)]
