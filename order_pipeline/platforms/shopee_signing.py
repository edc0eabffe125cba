"""The Shopee Open API v2 wire protocol: how a shop-level request is signed and how a reply is read.

Kept apart from the adapter so the signature can be pinned by Shopee's published example and the error
rules tested without HTTP (`docs/platform-api.md`, "Shopee Open API v2"). The signed path is the API path
as the real platform sees it (`/api/v2/order/get_order_list`), derived from the API name and never from the
base URL, which in the simulator carries a `/shopee` prefix the platform does not sign.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from order_pipeline.platforms.errors import ErrorAction, PlatformError

PLATFORM = "shopee"
DEFAULT_RATE_LIMIT_WAIT = 2.0  # seconds: a burst limit clears quickly and Shopee names no wait
QUOTA_RESET_ZONE = timezone(timedelta(hours=8))  # the daily quota resets at 00:00 UTC+8

_RETRY = {"error_server", "error_busy"}
_REAUTHORISE = {"error_auth", "invalid_access_token", "invalid_acceess_token"}  # the second is Shopee's typo
_BACK_OFF = {"error_rate_limit"}
_DAILY_QUOTA = {"error_limit"}
_WAIT_IN_MESSAGE = re.compile(r"(\d+(?:\.\d+)?)\s*(?:s|secs?|seconds?)\b", re.IGNORECASE)


def api_path(api: str) -> str:
    """`order.get_order_list` -> `/api/v2/order/get_order_list`, the path the platform signs and serves."""
    module, name = api.split(".", 1)
    return f"/api/v2/{module}/{name}"


def base_string(partner_id: str, path: str, timestamp: int | str, access_token: str, shop_id: str) -> str:
    """A shop API's signed string: partner_id, path, timestamp, access_token, shop_id, concatenated."""
    return f"{partner_id}{path}{timestamp}{access_token}{shop_id}"


def sign(partner_key: str, partner_id: str, path: str, timestamp: int | str, access_token: str, shop_id: str) -> str:
    """Lowercase hex HMAC-SHA256 of the base string keyed with the partner key (the body is never signed)."""
    message = base_string(partner_id, path, timestamp, access_token, shop_id).encode("utf-8")
    return hmac.new(partner_key.encode("utf-8"), message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Reply:
    response: dict[str, Any]
    request_id: str | None
    warning: str | None = None


def read_envelope(body: Any, api: str | None = None, now: datetime | None = None) -> Reply:
    """The `response` of a successful reply, or the PlatformError its `error` means (errors come in HTTP 200)."""
    if not isinstance(body, dict) or "error" not in body and "response" not in body:
        raise PlatformError(PLATFORM, ErrorAction.RETRY, "malformed", f"no envelope in reply: {str(body)[:200]}",
                            api=api)
    if body.get("error"):
        raise classify(body, api, now)
    return Reply(body.get("response") or {}, body.get("request_id") or None, body.get("warning") or None)


def classify(body: dict[str, Any], api: str | None = None, now: datetime | None = None) -> PlatformError:
    """What to do about a non-empty `error`; anything not known to be transient or an auth problem stops."""
    error = str(body.get("error"))
    message = str(body.get("message") or "") or "no message"
    retry_after = None
    if error in _BACK_OFF:
        action, retry_after = ErrorAction.BACK_OFF, rate_limit_wait(message)
    elif error in _DAILY_QUOTA:
        action, retry_after = ErrorAction.BACK_OFF, seconds_until_quota_reset(now or datetime.now(UTC))
    elif error in _RETRY:
        action = ErrorAction.RETRY
    elif error in _REAUTHORISE:
        action = ErrorAction.REAUTHORISE
    else:  # error_sign, error_param, error_permission, ... and every code we do not know
        action = ErrorAction.STOP
    return PlatformError(PLATFORM, action, error, message, retry_after=retry_after,
                         request_id=body.get("request_id") or None, api=api)


def rate_limit_wait(message: str) -> float:
    """The wait a burst-limit message names ("retry after 3 seconds"), else a couple of seconds."""
    match = _WAIT_IN_MESSAGE.search(message)
    return float(match.group(1)) if match else DEFAULT_RATE_LIMIT_WAIT


def seconds_until_quota_reset(now: datetime) -> float:
    """Seconds from `now` to the next 00:00 in UTC+8, when Shopee's daily call quota starts again."""
    local = now.astimezone(QUOTA_RESET_ZONE)
    midnight = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return (midnight - local).total_seconds()
