"""Helpers for the Taobao/JD simulator tests: the demo environment, adapters wired to a running simulator,
its ground truth per shop, and a multi-window pull that keeps the latest version of each record."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from order_pipeline.platforms.base import PlatformAdapter, Window
from order_pipeline.platforms.jd import JdAdapter
from order_pipeline.platforms.taobao import TaobaoAdapter
from order_pipeline.platforms.transport import TransportSettings
from order_pipeline.shops import PROJECT_ROOT, Shop, load_env_file, load_shops

ADAPTERS = {"taobao": (TaobaoAdapter, "tmall_flagship"), "jd": (JdAdapter, "jd_pop")}
QUICK = TransportSettings(backoff_initial=0.01, backoff_max=0.05, read_timeout=5)


@contextmanager
def demo_environment() -> Iterator[None]:
    """config/demo.env loaded into the environment (the simulator reads its shops' credentials from it)."""
    saved = dict(os.environ)
    try:
        load_env_file(PROJECT_ROOT / "config" / "demo.env", override=True)
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def shop(platform: str) -> Shop:
    return next(s for s in load_shops() if s.key == ADAPTERS[platform][1])


def adapter(sim, platform: str, **kwargs) -> PlatformAdapter:
    """The simulator's world clock stands in for the machine clock: its "now" is a fixed instant in the past,
    and the platform checks request timestamps against it (TOP: within 10 minutes)."""
    kwargs.setdefault("clock", sim.clock)
    return ADAPTERS[platform][0](shop(platform), kwargs.pop("settings", QUICK), **kwargs)


def truth(sim, kind: str, platform: str) -> list[dict]:
    body = httpx.get(f"{sim.url}/_sim/ground_truth", params={"kind": kind}, timeout=30).text
    key = ADAPTERS[platform][1]
    return [row for row in map(json.loads, body.splitlines()) if row.get("shop_key") == key]


def pull(source: PlatformAdapter, stream: str, span: Window) -> dict[str, dict]:
    """Every window of the span at the platform's maximum width; the latest version of each record wins."""
    latest: dict[str, dict] = {}
    for window in span.split(source.max_window[stream]):
        for batch in getattr(source, f"fetch_{stream}")(window):
            for record in batch.records:
                key = source.record_key(stream, record)
                known = latest.get(key)
                if known is None or source.record_modified(stream, record) >= source.record_modified(stream, known):
                    latest[key] = record
    return latest
