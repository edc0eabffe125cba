"""The base of adapters for systems that only report stock (the WMS, the central stock pool).

They share the marketplaces' machinery (transport, landing, pull log) but have no orders and no refunds: those
fetches yield nothing, no window applies, and their stock carries no personal data.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import ClassVar

from order_pipeline.platforms.base import Batch, PlatformAdapter, WantedKeys, Window


class StockOnlyAdapter(PlatformAdapter):
    max_window: ClassVar[dict[str, timedelta]] = {"orders": timedelta(days=7), "refunds": timedelta(days=7)}
    max_created_window: ClassVar[timedelta] = timedelta(days=7)
    pii_paths: ClassVar[dict[str, list[tuple[str, ...]]]] = {"orders": [], "refunds": [], "stock": []}

    def fetch_orders(self, window: Window) -> Iterator[Batch]:
        return iter(())

    def fetch_orders_created(self, window: Window, wanted: WantedKeys | None = None) -> Iterator[Batch]:
        return iter(())

    def fetch_refunds(self, window: Window) -> Iterator[Batch]:
        return iter(())
