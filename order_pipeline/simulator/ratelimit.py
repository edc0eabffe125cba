"""The platforms' per-app request-rate limit, as a token bucket per (platform, app key).

Real marketplaces meter calls per app (Taobao app key, Shopee partner id), not per shop, so many shops behind
one app share one budget: that is what the pipeline's client-side limiter must respect. Buckets run on the
machine's monotonic clock, not the simulated one: request rates are real-world rates even when simulated time
jumps. Disabled by default; `POST /_sim/rate_limit` turns it on for all platforms or for one.
"""

from __future__ import annotations

import threading
import time


class TokenBucket:
    def __init__(self, rate: float, burst: float):
        self.rate, self.capacity = rate, max(1.0, burst)
        self.tokens, self.updated = self.capacity, time.monotonic()

    def take(self) -> float | None:
        """None if a token was taken, else the seconds until one is available."""
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return None
        return (1.0 - self.tokens) / self.rate


class RateLimiter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._settings: dict[str | None, tuple[float, float] | None] = {None: None}  # platform (None: all)
        self._buckets: dict[tuple[str, str], TokenBucket] = {}
        self.throttled = 0

    def configure(
        self, requests_per_second: float | None, burst: float | None = None, platform: str | None = None
    ) -> None:
        """Set (or with None clear) the limit for every platform or for one; buckets start full."""
        if requests_per_second is not None and requests_per_second <= 0:
            raise ValueError("requests_per_second must be > 0 (or null to disable)")
        setting = None
        if requests_per_second is not None:
            setting = (
                float(requests_per_second),
                float(burst if burst is not None else max(1.0, requests_per_second)),
            )
        with self._lock:
            if platform is None:
                self._settings = {None: setting}
            else:
                self._settings[platform] = setting
            self._buckets.clear()

    def describe(self) -> dict:
        def show(setting: tuple[float, float] | None) -> dict | None:
            return None if setting is None else {"requests_per_second": setting[0], "burst": setting[1]}

        with self._lock:
            per_platform = {p: show(s) for p, s in self._settings.items() if p is not None}
            return {
                **(show(self._settings[None]) or {"requests_per_second": None, "burst": None}),
                "platforms": per_platform,
                "throttled": self.throttled,
            }

    def check(self, platform: str, app_key: str) -> float | None:
        with self._lock:
            setting = self._settings.get(platform, self._settings[None])
            if setting is None:
                return None
            bucket = self._buckets.get((platform, app_key))
            if bucket is None:
                bucket = self._buckets[(platform, app_key)] = TokenBucket(*setting)
            wait = bucket.take()
            if wait is not None:
                self.throttled += 1
            return wait
