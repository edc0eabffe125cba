"""Fault profiles: the infrastructure misbehaviour a real marketplace API shows under load.

`chaos` is what the pipeline's retry, back-off, paging and dedup logic is tested against: gateway 5xx, the
platform's throttle error (rendered by the handler from `SimContext.throttle`), responses slower than a client's
read timeout, bodies cut mid-JSON with HTTP 200, a record repeated from the previous page, and records that move
between pages while a client is paging (they get a new version, so they leave the modified-time window).
Every decision comes from one seeded RNG, so a server replays the same sequence of decisions for the same
sequence of requests. Rates are per request (5xx, throttle, slow, truncate: one draw decides among them) or
per list page (duplicate, move).
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from dataclasses import asdict, dataclass, fields, replace


@dataclass(frozen=True)
class FaultRates:
    http_5xx: float = 0.0  # share of platform requests answered 500/502/503 by the "gateway"
    throttle: float = 0.0  # share of calls the handler must answer with the platform's throttle error
    throttle_seconds: float = 1.0  # the retry-after a throttled caller is told
    slow: float = 0.0  # share of requests delayed by slow_seconds before they are served
    slow_seconds: float = 3.0  # longer than the read timeout chaos tests give their clients
    truncate: float = 0.0  # share of HTTP 200 bodies cut mid-way
    duplicate: float = (
        0.0  # share of list pages (after the first) that repeat the previous page's last record
    )
    move: float = 0.0  # share of list pages after which 1-2 records of the listing get a new version

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if not isinstance(value, int | float) or value < 0:
                raise ValueError(f"fault rate {f.name} must be a number >= 0, got {value!r}")
        if self.http_5xx + self.slow + self.truncate > 1.0:
            raise ValueError("http_5xx + slow + truncate must not exceed 1")


# What `injected` counts (and `/_sim/stats` reports under "faults"): faults that actually happened.
INJECTED = ("http_5xx", "throttled", "slow", "truncated", "duplicated", "moved")
PROFILES = {
    "none": FaultRates(),
    "chaos": FaultRates(http_5xx=0.12, throttle=0.06, slow=0.03, truncate=0.04, duplicate=0.25, move=0.25),
}


def parse_profile(spec: str | dict) -> tuple[str, FaultRates]:
    """A profile name, or a dict of rates (optionally `{"base": "chaos", ...overrides}`)."""
    if isinstance(spec, str):
        if spec not in PROFILES:
            raise ValueError(
                f"unknown fault profile {spec!r}; use one of {sorted(PROFILES)} or a dict of rates"
            )
        return spec, PROFILES[spec]
    if not isinstance(spec, dict):
        raise ValueError("a fault profile is a name or a JSON object of rates")
    overrides = dict(spec)
    base_name = overrides.pop("base", "none")
    _, base = parse_profile(base_name)
    known = {f.name for f in fields(FaultRates)}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise ValueError(f"unknown fault rate(s) {unknown}; known: {sorted(known)}")
    return "custom", replace(base, **overrides)


class Faults:
    """The server's fault switch and its seeded decision source (thread-safe)."""

    def __init__(self, seed: int = 0, profile: str | dict = "none"):
        self._rng = random.Random(f"faults:{seed}")
        self._lock = threading.Lock()
        self.name, self.rates = parse_profile(profile)
        self.injected: Counter[str] = Counter({kind: 0 for kind in INJECTED})

    def set(self, profile: str | dict) -> None:
        name, rates = parse_profile(profile)
        with self._lock:
            self.name, self.rates = name, rates

    def describe(self) -> dict:
        with self._lock:
            return {"profile": self.name, "rates": asdict(self.rates), "injected": dict(self.injected)}

    def _count(self, kind: str) -> None:
        with self._lock:
            self.injected[kind] += 1

    def _draw(self) -> float:
        with self._lock:
            return self._rng.random()

    def request(self) -> tuple[str, float] | None:
        """What to do to one platform request: ("5xx", status), ("slow", seconds), ("truncate", fraction kept)
        or None. One draw decides, so the three rates add up as configured."""
        rates = self.rates
        if not (rates.http_5xx or rates.slow or rates.truncate):
            return None
        with self._lock:
            u, v = self._rng.random(), self._rng.random()
        if u < rates.http_5xx:
            self._count("http_5xx")
            return "5xx", (500, 502, 503)[int(v * 3)]
        if u < rates.http_5xx + rates.slow:
            self._count("slow")
            return "slow", rates.slow_seconds
        if u < rates.http_5xx + rates.slow + rates.truncate:
            self._count("truncated")
            return "truncate", 0.2 + 0.6 * v
        return None

    def throttled(self) -> float | None:
        if self.rates.throttle and self._draw() < self.rates.throttle:
            self._count("throttled")
            return self.rates.throttle_seconds
        return None

    def duplicate(self) -> bool:
        if self.rates.duplicate and self._draw() < self.rates.duplicate:
            self._count("duplicated")
            return True
        return False

    def moves(self) -> int:
        if self.rates.move and self._draw() < self.rates.move:
            self._count("moved")
            return 1 + (self._draw() < 0.5)
        return 0

    def pick(self, population: int, count: int) -> list[int]:
        with self._lock:
            return self._rng.sample(range(population), min(count, population))
