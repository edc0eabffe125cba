"""Send one message to one channel, retrying what can succeed later, and always return an outcome.

An alert must never be lost, and a robot that is down must not fail the run that detected the overdue orders.
So `deliver` does not raise for a delivery failure: it returns a `DeliveryResult` the caller records —
`delivered`, `pending` (a retryable failure outlasted this call's attempts: try again on the next run),
`failed` (the service refused the request itself: a bad signature, token or payload, which retrying cannot
fix) or `not_configured` (the channel's environment variable is unset).

Retries use tenacity with jittered exponential back-off, or the service's own Retry-After. A request is
re-signed for every attempt, since the signatures carry a timestamp. Logs name the channel and its masked URL,
never the URL, token or secret.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, stop_any

from order_pipeline.alerts.channels.base import Channel, DeliveryError
from order_pipeline.alerts.config import ChannelTarget
from order_pipeline.alerts.messages import AlertMessage
from order_pipeline.alerts.redact import redact

log = logging.getLogger(__name__)

DELIVERED = "delivered"
PENDING = "pending"
FAILED = "failed"
NOT_CONFIGURED = "not_configured"


@dataclass(frozen=True)
class DeliverySettings:
    max_attempts: int = 5
    backoff_initial: float = 1.0  # seconds before the 2nd attempt; doubles each time, with jitter
    backoff_max: float = 30.0
    max_retry_after: float = 60.0  # a longer Retry-After ends this call as `pending` instead of sleeping
    connect_timeout: float = 5.0
    read_timeout: float = 10.0


@dataclass(frozen=True)
class DeliveryResult:
    channel: str
    kind: str
    delivered: bool
    attempts: int
    status: str  # DELIVERED, PENDING, FAILED or NOT_CONFIGURED
    error: str | None = None
    retry_after: float | None = None  # the service's requested wait, when it gave one


def deliver(
    target: Channel | ChannelTarget,
    message: AlertMessage,
    *,
    settings: DeliverySettings | None = None,
    client: httpx.Client | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.time,
) -> DeliveryResult:
    """Deliver `message` to a channel (or a configured target), retrying; never raises for a failure."""
    if isinstance(target, ChannelTarget):
        if target.channel is None:
            return DeliveryResult(target.name, target.kind, False, 0, NOT_CONFIGURED, target.problem)
        channel = target.channel
    else:
        channel = target
    s = settings or DeliverySettings()
    own_client = client is None
    http = client or httpx.Client(timeout=httpx.Timeout(s.read_timeout, connect=s.connect_timeout))
    attempts = 0

    def once() -> str:
        nonlocal attempts
        attempts += 1
        request = channel.build_request(message, clock())
        try:
            response = http.send(request)
        except httpx.TransportError as exc:  # connect/read errors and timeouts: the service may be back soon
            detail = redact(f"{type(exc).__name__}: {exc}", channel.url, channel.secret)
            raise DeliveryError("network error", detail, retryable=True) from None
        return channel.check_response(response)

    retrying = Retrying(
        retry=retry_if_exception(lambda exc: isinstance(exc, DeliveryError) and exc.retryable),
        stop=stop_any(stop_after_attempt(s.max_attempts), _wait_beyond(s.max_retry_after)),
        wait=_wait(s),
        sleep=sleep,
        reraise=True,
        before_sleep=lambda state: log.warning(
            "alert channel %s (%s %s): attempt %d failed, retrying in %.1fs: %s", channel.name, channel.kind,
            channel.masked_url, state.attempt_number, state.upcoming_sleep, _error_of(state)),
    )
    try:
        status = retrying(once)
    except DeliveryError as exc:
        outcome = PENDING if exc.retryable else FAILED
        error = redact(str(exc), channel.url, channel.secret)
        log.warning("alert channel %s (%s %s): %s after %d attempt(s): %s", channel.name, channel.kind,
                    channel.masked_url, outcome, attempts, error)
        return DeliveryResult(channel.name, channel.kind, False, attempts, outcome, error, exc.retry_after)
    except Exception as exc:  # a bug while rendering must not lose the alert or fail the caller's run either
        error = redact(f"{type(exc).__name__}: {exc}", channel.url, channel.secret)
        log.error("alert channel %s (%s %s): failed: %s", channel.name, channel.kind, channel.masked_url, error)
        return DeliveryResult(channel.name, channel.kind, False, attempts, FAILED, error)
    finally:
        if own_client:
            http.close()
    log.info("alert channel %s (%s %s): delivered (%s) after %d attempt(s)", channel.name, channel.kind,
             channel.masked_url, status, attempts)
    return DeliveryResult(channel.name, channel.kind, True, attempts, DELIVERED)


def _error_of(state: RetryCallState) -> str:
    exc = state.outcome.exception() if state.outcome else None
    return str(exc) if isinstance(exc, DeliveryError) else type(exc).__name__


def _wait(s: DeliverySettings) -> Callable[[RetryCallState], float]:
    """The service's Retry-After when it sent one, else exponential back-off with equal jitter (half fixed,
    half random): robots that throttle per minute must not see every caller return in the same instant."""

    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        signalled = getattr(exc, "retry_after", None)
        if signalled is not None:
            return float(signalled)
        base = min(s.backoff_max, s.backoff_initial * 2 ** (state.attempt_number - 1))
        return base / 2 + random.uniform(0, base / 2)

    return wait


def _wait_beyond(limit: float) -> Callable[[RetryCallState], bool]:
    """Stop at once when told to wait longer than `limit`: the caller's next run retries the pending alert."""

    def stop(state: RetryCallState) -> bool:
        exc = state.outcome.exception() if state.outcome else None
        signalled = getattr(exc, "retry_after", None)
        return signalled is not None and float(signalled) > limit

    return stop
