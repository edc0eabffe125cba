"""The HTTP layer every adapter shares: timeouts, a client-side rate limiter per app, and retries that honour
the platform's own back-off signal.

Adapters give `Transport.call` a function that builds a freshly signed request (timestamps are part of every
signature, so a retry must re-sign) and a function that reads the response body, raising `PlatformError` for
an error envelope. Everything else (transport errors, HTTP 5xx/429, truncated JSON, throttling inside HTTP 200)
is retried here with tenacity.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_delay, stop_any
from tenacity.wait import wait_random_exponential

from order_pipeline.platforms.errors import ErrorAction, PlatformError, ReauthorisationRequired

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TransportSettings:
    connect_timeout: float = 5.0
    read_timeout: float = 20.0
    max_attempts: int = 8
    max_total_wait: float = 300.0  # give up on one call after this many seconds of retrying
    backoff_initial: float = 0.2
    backoff_max: float = 20.0
    requests_per_second: float | None = None  # client-side limit per app; None = unlimited
    burst: int = 10
    max_connections: int = 32


class RateLimiter:
    """A thread-safe token bucket. One instance per app key: platforms limit per app, not per shop.

    Written here rather than taken from a library because it must be shared by threads of one process and
    be told to pause by the platform (`pause_until`), which the usual limiter packages do not offer."""

    def __init__(self, rate: float | None, burst: int = 10):
        self.rate = rate
        self.capacity = max(1.0, float(burst))
        self._tokens = self.capacity
        self._updated = time.monotonic()
        self._paused_until = 0.0
        self._lock = threading.Lock()

    def acquire(self) -> None:
        while True:
            with self._lock:
                now = time.monotonic()
                if now < self._paused_until:
                    delay = self._paused_until - now
                elif self.rate is None:
                    return
                else:
                    self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
                    self._updated = now
                    if self._tokens >= 1.0:
                        self._tokens -= 1.0
                        return
                    delay = (1.0 - self._tokens) / self.rate
            time.sleep(delay)

    def pause_until(self, monotonic_deadline: float) -> None:
        """The platform said "stop for N seconds": every thread of this app waits, not just the one told."""
        with self._lock:
            self._paused_until = max(self._paused_until, monotonic_deadline)
            self._tokens = 0.0


_limiters: dict[tuple[str, str], RateLimiter] = {}
_limiters_lock = threading.Lock()


def limiter_for(platform: str, app_key: str, rate: float | None, burst: int) -> RateLimiter:
    """The process-wide limiter of one app, shared by every shop and thread using that app."""
    with _limiters_lock:
        limiter = _limiters.get((platform, app_key))
        if limiter is None or limiter.rate != rate:
            limiter = _limiters[(platform, app_key)] = RateLimiter(rate, burst)
        return limiter


def forget_limiters() -> None:
    """Drop every app's limiter and pause, as a new process would start. A pause the platform ordered (Shopee's
    daily quota: until 00:00 UTC+8) otherwise outlives the run that met it, which is right within one
    long-lived process, and wrong for independent test cases sharing one interpreter."""
    with _limiters_lock:
        _limiters.clear()


def _is_retryable(exc: BaseException) -> bool:
    if isinstance(exc, PlatformError):
        return exc.retryable
    # A body cut mid-way is JSONDecodeError, or UnicodeDecodeError when the cut splits a multi-byte character.
    return isinstance(exc, (httpx.TransportError, json.JSONDecodeError, UnicodeDecodeError, _HttpStatusError))


class _HttpStatusError(Exception):
    def __init__(self, status: int, retry_after: float | None):
        self.status = status
        self.retry_after = retry_after
        super().__init__(f"HTTP {status}")


class Transport:
    """One httpx client per adapter, with the retry policy and the app's rate limiter."""

    def __init__(self, platform: str, app_key: str, settings: TransportSettings | None = None):
        self.platform = platform
        self.settings = settings or TransportSettings()
        s = self.settings
        self.client = httpx.Client(
            timeout=httpx.Timeout(s.read_timeout, connect=s.connect_timeout),
            limits=httpx.Limits(max_connections=s.max_connections, max_keepalive_connections=s.max_connections),
            headers={"User-Agent": "order-pipeline/0.1"},
        )
        self.limiter = limiter_for(platform, app_key, s.requests_per_second, s.burst)
        self.attempts = 0  # every HTTP request sent, retries included (the benchmark's request count)
        self._count_lock = threading.Lock()

    def close(self) -> None:
        self.client.close()

    def call(self, api: str, build: Callable[[], httpx.Request], parse: Callable[[Any], Any]) -> Any:
        """Send the request `build()` makes, retrying what is retryable; return `parse(json_body)`.

        Being throttled is not a failure of the call: it waits as told and does not use up `max_attempts`
        (only `max_total_wait` bounds it), so a busy app slows down instead of failing its pulls."""
        s = self.settings
        failures = [0]  # attempts that failed for another reason than a throttle

        def out_of_attempts(state: RetryCallState) -> bool:
            exc = state.outcome.exception() if state.outcome else None
            throttled = isinstance(exc, PlatformError) and exc.action is ErrorAction.BACK_OFF
            failures[0] += 0 if throttled else 1
            return failures[0] >= s.max_attempts

        retrying = Retrying(
            retry=retry_if_exception(_is_retryable),
            wait=self._wait,
            stop=stop_any(out_of_attempts, stop_after_delay(s.max_total_wait), self._wait_beyond_budget),
            reraise=True,
            before_sleep=lambda state: log.warning(
                "%s %s attempt %d failed: %s", self.platform, api, state.attempt_number, state.outcome.exception()
            ),
        )
        return retrying(self._once, api, build, parse)

    def _once(self, api: str, build: Callable[[], httpx.Request], parse: Callable[[Any], Any]) -> Any:
        self.limiter.acquire()
        with self._count_lock:
            self.attempts += 1
        response = self.client.send(build())
        if response.status_code == 429 or response.status_code >= 500:
            raise _HttpStatusError(response.status_code, _retry_after_header(response))
        if response.status_code >= 400:
            raise PlatformError(self.platform, ErrorAction.STOP, f"HTTP{response.status_code}",
                                response.text[:200], api=api)
        body = json.loads(response.content)  # a truncated body raises JSON/UnicodeDecodeError: retried
        try:
            return parse(body)
        except PlatformError as exc:
            exc.api = exc.api or api
            if exc.action is ErrorAction.BACK_OFF and exc.retry_after:
                self.limiter.pause_until(time.monotonic() + exc.retry_after)
            if exc.action is ErrorAction.REAUTHORISE and not isinstance(exc, ReauthorisationRequired):
                raise ReauthorisationRequired(exc.platform, exc.action, exc.code, exc.message,
                                              request_id=exc.request_id, api=api) from exc
            raise

    def _wait_beyond_budget(self, state: RetryCallState) -> bool:
        """Give up at once when the platform asks for a wait longer than the retry budget left (Shopee's daily
        quota: "come back after 00:00 UTC+8"): sleeping the budget away and failing anyway helps nobody; the
        PlatformError carries `retry_after` so the caller can schedule the retry."""
        exc = state.outcome.exception() if state.outcome else None
        signalled = getattr(exc, "retry_after", None)
        return bool(signalled) and state.seconds_since_start + float(signalled) > self.settings.max_total_wait

    def _wait(self, state: RetryCallState) -> float:
        """The platform's signal when it gave one (throttle sub_msg, Retry-After), else jittered exponential.

        A signalled wait gets jitter on top (up to half of it, at most `backoff_max`): every thread throttled in
        the same instant is told the same N seconds, and coming back together at exactly N would just trip
        the platform's limit again (a herd that can exhaust an unlucky call's attempts)."""
        exc = state.outcome.exception() if state.outcome else None
        signalled = getattr(exc, "retry_after", None)
        s = self.settings
        if signalled:
            signalled = float(signalled)
            return min(signalled + random.uniform(0.0, min(signalled / 2, s.backoff_max)), s.max_total_wait)
        return wait_random_exponential(multiplier=s.backoff_initial, max=s.backoff_max)(state)


def _retry_after_header(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return float(value) if value else None
    except ValueError:
        return None
