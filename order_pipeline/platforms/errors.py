"""How a platform call failed, and what to do about it.

Every marketplace reports business errors inside HTTP 200, each in its own envelope. Adapters turn those
envelopes (and HTTP/transport failures) into one `PlatformError` carrying an `ErrorAction`, so the retry
policy in `transport.py` is the same for all platforms: retry soon, back off until a time the platform named,
stop and ask for a new token, or stop for good.
"""

from __future__ import annotations

from enum import Enum


class ErrorAction(Enum):
    RETRY = "retry"  # transient: 5xx, timeouts, truncated bodies, the platform's "remote service error"
    BACK_OFF = "back_off"  # throttled: wait `retry_after` seconds (the platform's own signal), then retry
    REAUTHORISE = "reauthorise"  # token invalid/expired: a human or a refresh flow must act; never retried
    STOP = "stop"  # the request itself is wrong (signature, parameters, unknown app): retrying cannot help


class PlatformError(Exception):
    """A classified failure of one platform call."""

    def __init__(
        self,
        platform: str,
        action: ErrorAction,
        code: str,
        message: str,
        *,
        retry_after: float | None = None,
        request_id: str | None = None,
        api: str | None = None,
    ):
        self.platform = platform
        self.action = action
        self.code = str(code)
        self.message = message
        self.retry_after = retry_after
        self.request_id = request_id
        self.api = api
        where = f"{platform} {api}" if api else platform
        rid = f" request_id={request_id}" if request_id else ""
        super().__init__(f"{where}: {action.value} ({self.code}) {message}{rid}")

    @property
    def retryable(self) -> bool:
        return self.action in (ErrorAction.RETRY, ErrorAction.BACK_OFF)


class ReauthorisationRequired(PlatformError):
    """The shop's access token was refused: refresh it (or re-authorise the app) and rerun."""
