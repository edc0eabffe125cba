"""The server core's side of `model.SimContext`: credentials, throttling, paging faults, stats, request ids.

Platform handlers get one `ServerContext` and nothing else. It answers who an access token or app key
belongs to, whether a call must be throttled (the per-app rate limit, then the fault profile's injected
throttles), and pages listings: it is where the list faults live (a record repeated from the previous page;
records bumped to a new version after a page is served, so they move while the client pages).
"""

from __future__ import annotations

import threading
from collections import Counter

from order_pipeline.simulator.faults import Faults
from order_pipeline.simulator.model import Order, Page, Refund, SimShop, StockLevel
from order_pipeline.simulator.ratelimit import RateLimiter
from order_pipeline.simulator.world import SimWorld

_B36 = "0123456789abcdefghijklmnopqrstuvwxyz"


def _record_key(record: object) -> tuple[str, str] | None:
    """(stream, key) of a record the world can bump; None for anything else a handler pages."""
    if isinstance(record, Order):
        return "orders", record.order_id
    if isinstance(record, Refund):
        return "refunds", record.refund_id
    if isinstance(record, StockLevel):
        return "stock", record.sku_id
    return None


class ServerContext:
    def __init__(self, world: SimWorld, faults: Faults, limiter: RateLimiter, seed: int = 0):
        self.world = world
        self.faults = faults
        self.limiter = limiter
        self._seed = seed
        self._lock = threading.Lock()
        self._calls: Counter[tuple[str, str]] = Counter()
        self._requests: Counter[str] = Counter()
        self._sequence = 0
        self._tokens = {(s.platform, s.access_token): s for s in world.shops()}
        self._secrets = {(s.platform, s.app_key): s.app_secret for s in world.shops()}

    # -- model.SimContext --------------------------------------------------------------------------------
    def shop_by_token(self, platform: str, access_token: str) -> SimShop | None:
        return self._tokens.get((platform, access_token))

    def app_secret(self, platform: str, app_key: str) -> str | None:
        return self._secrets.get((platform, str(app_key)))

    def throttle(self, platform: str, app_key: str) -> float | None:
        wait = self.limiter.check(platform, str(app_key))
        if wait is not None:
            return max(wait, 0.001)
        return self.faults.throttled()

    def count_call(self, platform: str, api: str) -> None:
        with self._lock:
            self._calls[(platform, api)] += 1

    def paginate(self, shop_key: str, stream: str, records: list, start: int, size: int) -> Page:
        start, size = max(0, start), max(0, size)
        page = list(records[start : start + size])
        if 0 < start <= len(records) and page and self.faults.duplicate():
            page.insert(0, records[start - 1])
        moves = self.faults.moves()
        if moves:
            outside = [r for i, r in enumerate(records) if not start <= i < start + size]
            keys = [_record_key(outside[i]) for i in self.faults.pick(len(outside), moves)]
            by_stream: dict[str, list[str]] = {}
            for key in filter(None, keys):
                by_stream.setdefault(key[0], []).append(key[1])
            for kind, ids in by_stream.items():
                self.world.bump(shop_key, kind, ids)
        return Page(records=page, total=len(records))

    def request_id(self) -> str:
        with self._lock:
            self._sequence += 1
            n = (self._sequence * 0x9E3779B97F4A7C15 + self._seed) % (36**13)
        digits = []
        for _ in range(13):
            n, d = divmod(n, 36)
            digits.append(_B36[d])
        return "".join(digits)

    # -- the server's own bookkeeping ------------------------------------------------------------------------
    def count_request(self, platform: str) -> None:
        with self._lock:
            self._requests[platform] += 1

    def stats(self) -> dict:
        with self._lock:
            calls: dict[str, dict[str, int]] = {}
            for (platform, api), n in sorted(self._calls.items()):
                calls.setdefault(platform, {})[api] = n
            requests = dict(self._requests)
        return {
            "requests": requests,
            "calls": calls,
            "faults": self.faults.describe()["injected"],
            "rate_limited": self.limiter.describe()["throttled"],
        }

    def reset_stats(self) -> None:
        with self._lock:
            self._calls.clear()
            self._requests.clear()
