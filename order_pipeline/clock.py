"""One notion of "now" for the whole project.

Everything that asks what time it is (watermarks, pull windows, the simulator's world) goes through a
`Clock`, so tests and the simulator can freeze or advance time instead of sleeping. All clocks answer in
UTC with tzinfo set: a naive datetime anywhere in the project is a bug (see MISSION F16).
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""


class SystemClock:
    """The machine's clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock:
    """A clock that only moves when told to: deterministic tests and a simulator that lets time advance."""

    def __init__(self, start: datetime):
        self._now = ensure_utc(start)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def set(self, instant: datetime) -> None:
        with self._lock:
            self._now = ensure_utc(instant)

    def advance(self, delta: timedelta) -> datetime:
        with self._lock:
            self._now += delta
            return self._now


class OffsetClock:
    """Real time shifted by an offset that can grow: the live simulator in `make dev` keeps ticking with the
    wall clock, and `advance` jumps it ahead (hours of order lifecycle in a second)."""

    def __init__(self, offset: timedelta = timedelta(0)):
        self._offset = offset
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return datetime.now(UTC) + self._offset

    def set(self, instant: datetime) -> None:
        with self._lock:
            self._offset = ensure_utc(instant) - datetime.now(UTC)

    def advance(self, delta: timedelta) -> datetime:
        with self._lock:
            self._offset += delta
            return datetime.now(UTC) + self._offset


def ensure_utc(value: datetime) -> datetime:
    """Refuse naive datetimes instead of guessing their zone (the seed's midnight incident)."""
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: give a timezone-aware instant")
    return value.astimezone(UTC)


def parse_instant(text: str) -> datetime:
    """Parse an ISO-8601 instant that carries an offset (or Z) into UTC."""
    return ensure_utc(datetime.fromisoformat(text.replace("Z", "+00:00")))
