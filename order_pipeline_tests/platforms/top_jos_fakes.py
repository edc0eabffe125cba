"""Test helpers for Taobao/JD adapter unit tests: a shop, and an adapter wired to an in-test HTTP handler.

The handlers are tiny stand-ins written inside each test (httpx.MockTransport), to pin request shapes, request
counts and error handling without a server; agreement with an independent implementation of the contract is
what the simulator tests (`test_taobao_jd_simulator.py`) check.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl

import httpx
import pytest

from order_pipeline.clock import FrozenClock
from order_pipeline.platforms.transport import TransportSettings
from order_pipeline.shops import Credentials, Shop

NOW = datetime(2026, 3, 1, 4, 0, tzinfo=UTC)  # 12:00 in Beijing
FAST = TransportSettings(max_attempts=3, backoff_initial=0.001, backoff_max=0.01, max_total_wait=10)
SECRETS = {"taobao": ("tb-key", "tb-secret", "tb-session"), "jd": ("jd-key", "jd-secret", "jd-token")}


class TickingClock(FrozenClock):
    """Each reading one second later than the last: shows that every attempt is signed afresh."""

    def now(self) -> datetime:
        return self.advance(timedelta(seconds=1))


def make_shop(platform: str, monkeypatch: pytest.MonkeyPatch) -> Shop:
    names = tuple(f"TEST_{platform.upper()}_{part}" for part in ("KEY", "SECRET", "TOKEN"))
    for name, value in zip(names, SECRETS[platform], strict=True):
        monkeypatch.setenv(name, value)
    return Shop(key=f"test_{platform}", platform=platform, name=platform, platform_shop_id="1", region="CN",
                timezone="Asia/Shanghai", currency="CNY", base_url_template=f"http://fake.test/{platform}",
                credentials=Credentials(*names))


def wire(adapter, handler: Callable[[dict[str, str]], dict]):
    """Route the adapter's HTTP client to `handler(form) -> JSON body`; returns the list of forms received."""
    received: list[dict[str, str]] = []

    def respond(request: httpx.Request) -> httpx.Response:
        assert request.method == "POST"
        form = dict(parse_qsl(request.content.decode("utf-8"), keep_blank_values=True))
        form["_url"] = str(request.url)
        received.append(form)
        return httpx.Response(200, json=handler(form))

    adapter.transport.client.close()
    adapter.transport.client = httpx.Client(transport=httpx.MockTransport(respond))
    return received


def beijing(instant: datetime) -> str:
    return instant.astimezone(UTC).replace(tzinfo=None).__add__(timedelta(hours=8)).strftime("%Y-%m-%d %H:%M:%S")
