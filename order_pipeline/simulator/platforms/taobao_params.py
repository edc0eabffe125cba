"""TOP's parameter rules in the simulator: the business error, required and ranged arguments, time windows.

Separate from the gateway (`taobao.py`) so each list API's window rule reads next to the others: the
increment APIs take a modified-time window of at most one day, `taobao.trades.sold.get` a created-time window
of any width; both must start within the last three months, and both are inclusive of their end second.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from .common import add_months, as_int, parse_gmt8, window_end

MAX_MODIFIED_WINDOW = timedelta(days=1)
HISTORY_MONTHS = 3


class TopError(Exception):
    """A TOP business error: rendered as `error_response` with HTTP 200."""

    def __init__(self, code: int, sub_code: str | None = None, sub_msg: str | None = None):
        super().__init__(code, sub_code, sub_msg)
        self.code, self.sub_code, self.sub_msg = code, sub_code, sub_msg


def missing(name: str) -> TopError:
    return TopError(40, f"isv.missing-parameter:{name}", f"Missing required argument: {name}")


def invalid(name: str, why: str) -> TopError:
    return TopError(41, f"isv.invalid-parameter:{name}", why)


def require(params: dict[str, str], *names: str) -> None:
    for name in names:
        if name not in params:
            raise missing(name)


def integer(params: dict[str, str], name: str, default: int, low: int, high: int | None = None) -> int:
    value = as_int(params.get(name, default))
    if value is None or value < low or (high is not None and value > high):
        raise invalid(name, f"{name} must be an integer in [{low}, {high or 'inf'}]")
    return value


def _instant(params: dict[str, str], name: str) -> datetime:
    value = parse_gmt8(params[name])
    if value is None:
        raise invalid(name, f"{name} must be yyyy-MM-dd HH:mm:ss")
    return value


def modified_window(now: datetime, params: dict[str, str]) -> tuple[datetime, datetime]:
    """start/end_modified: GMT+8, inclusive, at most one day wide, starting within the last three months."""
    require(params, "start_modified", "end_modified")
    start, end = _instant(params, "start_modified"), _instant(params, "end_modified")
    if end < start or end - start > MAX_MODIFIED_WINDOW:
        raise invalid("start_modified-end_modified", "end_modified - start_modified must be within one day")
    if start < add_months(now, -HISTORY_MONTHS):
        raise invalid("start_modified", "start_modified must be within the last three months")
    return start, window_end(end)


def created_window(now: datetime, params: dict[str, str]) -> tuple[datetime, datetime]:
    """start/end_created of `taobao.trades.sold.get`: optional (the last three months up to now), GMT+8,
    inclusive; only trades created within the last three months can be found."""
    oldest = add_months(now, -HISTORY_MONTHS)
    start = _instant(params, "start_created") if "start_created" in params else oldest
    end = _instant(params, "end_created") if "end_created" in params else now
    if end < start:
        raise invalid("start_created-end_created", "end_created must not be before start_created")
    if start < oldest:
        raise invalid("start_created", "start_created must be within the last three months")
    return start, window_end(end)
