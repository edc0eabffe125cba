"""The simulated merchant as of the clock's "now": the `model.World` the platform handlers query.

Every order, refund and stock level exists from the start with its whole future (see `generator.py`); "now"
decides which version is current. Queries must stay fast for 100k+ orders at thousands of requests per second,
so each shop keeps a sorted array of (version instant, record) keys: a modified-time window is two bisects plus
a check that each hit is still the record's current version, O(log n + k). Listing the same window page after
page is served from a small cache keyed by (query, now, generation); a bump (the "moving records" fault) starts
a new generation. One lock guards the indices, because uvicorn may call sync handlers from worker threads.
"""

from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right, insort
from collections import OrderedDict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from order_pipeline.clock import FrozenClock, OffsetClock, ensure_utc
from order_pipeline.simulator.builder import ShopData, build_world
from order_pipeline.simulator.config import WorldConfig
from order_pipeline.simulator.index import BITS, MASK, Stream, bounds, quiet
from order_pipeline.simulator.missed import missed_order_ids
from order_pipeline.simulator.model import Order, Refund, SimShop, StockLevel
from order_pipeline.simulator.specs import dt
from order_pipeline.simulator.truth import ROW_MAKERS

HOLD = 1800  # unpaid orders hold stock for at most 30 minutes
CACHE_ENTRIES, CACHE_RECORDS = 64, 100_000


class SimWorld:
    """The merchant of one `WorldConfig`, generated at construction. Pass `clock` to share one with the caller;
    by default a FrozenClock (config.frozen) or an OffsetClock ticking from config.start."""

    def __init__(self, config: WorldConfig, clock: FrozenClock | OffsetClock | None = None):
        self.config = config
        self._lock = threading.RLock()
        self._generation = 0
        self._cache: OrderedDict[tuple, list] = OrderedDict()  # key -> [now, records]
        self._cached = 0  # records held by the cache
        self._shops: dict[str, SimShop] = {shop.key: shop for shop in config.shops}
        self._data: dict[str, ShopData] = build_world(config)
        self._orders = {key: Stream(data.orders, "order_id") for key, data in self._data.items()}
        self._refunds = {key: Stream(data.refunds, "refund_id") for key, data in self._data.items()}
        self._missed = {  # orders the modified-time listings never return (missed.py)
            key: missed_order_ids(config.seed, key, stream.position, config.missed_by_incremental_rate)
            for key, stream in self._orders.items()
        }
        self._stock_bumps: dict[tuple[str, str], int] = {}
        if clock is None:  # started once the merchant exists, so a ticking clock begins exactly at start
            clock = (
                FrozenClock(config.start) if config.frozen else OffsetClock(config.start - datetime.now(UTC))
            )
        self.clock = clock

    # -- time ---------------------------------------------------------------------------------------------
    def now(self) -> datetime:
        return self.clock.now().replace(microsecond=0)

    def _now(self) -> int:
        return int(self.clock.now().timestamp())

    def advance(self, seconds: float) -> datetime:
        self.clock.advance(timedelta(seconds=seconds))
        return self.now()

    def set_now(self, instant: datetime) -> datetime:
        self.clock.set(instant)
        return self.now()

    # -- model.World -------------------------------------------------------------------------------------
    def shops(self) -> list[SimShop]:
        return list(self._shops.values())

    def shop(self, key: str) -> SimShop:
        return self._shops[key]

    def orders_modified_between(self, shop_key: str, start: datetime, end: datetime) -> list[Order]:
        """What an incremental index returns: every order modified in the window but the missed ones."""
        found, missed = self._window("om", self._orders[shop_key], start, end), self._missed[shop_key]
        return [order for order in found if order.order_id not in missed] if missed else found

    def orders_created_between(self, shop_key: str, start: datetime, end: datetime) -> list[Order]:
        return self._window("oc", self._orders[shop_key], start, end)

    def refunds_modified_between(self, shop_key: str, start: datetime, end: datetime) -> list[Refund]:
        return self._window("rm", self._refunds[shop_key], start, end)

    def refunds_created_between(self, shop_key: str, start: datetime, end: datetime) -> list[Refund]:
        return self._window("rc", self._refunds[shop_key], start, end)

    def order(self, shop_key: str, order_id: str) -> Order | None:
        return self._one(self._orders.get(shop_key), order_id)

    def refund(self, shop_key: str, refund_id: str) -> Refund | None:
        return self._one(self._refunds.get(shop_key), refund_id)

    def _one(self, stream: Stream | None, key: str):  # noqa: ANN202
        now = self._now()
        with self._lock:
            index = stream.position.get(key) if stream else None
            if index is None:
                return None
            spec = stream.specs[index]
            vi = bisect_right(spec.vtimes, now) - 1
            return spec.materialize(vi) if vi >= 0 else None

    def _window(self, kind: str, stream: Stream, start: datetime, end: datetime) -> list:
        """Current versions in [start, end] (modified or created), ascending by that time."""
        low, high = bounds(start, end)
        now = self._now()
        if low > min(high, now):
            return []
        with self._lock:
            key = (kind, id(stream), low, high, self._generation)
            entry = self._cache.get(key)
            if entry is not None and (entry[0] == now or (entry[0] < now and quiet(stream, entry[0], now))):
                entry[0] = now  # nothing happened in this shop since it was computed: still the answer
                self._cache.move_to_end(key)
                return list(entry[1])
            out = self._compute(kind, stream, low, min(high, now), now)
            self._remember(key, now, out)
            return list(out)

    def _remember(self, key: tuple, now: int, records: list) -> None:
        """Cache an answer; the cache is bounded by entries and by records held (wide windows are big)."""
        self._cache[key] = [now, records]
        self._cached += len(records)
        while len(self._cache) > 1 and (len(self._cache) > CACHE_ENTRIES or self._cached > CACHE_RECORDS):
            _, (_, dropped) = self._cache.popitem(last=False)
            self._cached -= len(dropped)

    @staticmethod
    def _compute(kind: str, stream: Stream, low: int, high: int, now: int) -> list:
        specs, out = stream.specs, []
        if kind[1] == "c":
            for index in range(bisect_left(stream.created, low), bisect_right(stream.created, high)):
                spec = specs[index]
                out.append(spec.materialize(bisect_right(spec.vtimes, now) - 1))
            return out
        keys, seen = stream.versions, set()
        for k in keys[bisect_left(keys, low << BITS) : bisect_right(keys, high << BITS | MASK)]:
            index = k & MASK
            spec = specs[index]
            vi = bisect_right(spec.vtimes, now) - 1
            if spec.vtimes[vi] == k >> BITS and index not in seen:
                seen.add(index)
                out.append(spec.materialize(vi))
        return out

    def stock(self, shop_key: str) -> list[StockLevel]:
        return self._stock(shop_key, self._now())

    def _stock(self, shop_key: str, now: int) -> list[StockLevel]:
        with self._lock:
            key = ("stock", shop_key, now, self._generation)
            cached = self._cache.get(key)
            if cached is not None:
                return list(cached[1])
            data, reserved = self._data[shop_key], self._reserved(shop_key, now)
            out = []
            for sku, series in zip(data.skus, data.stock, strict=True):
                i = max(0, bisect_right(series.times, now) - 1)
                held, held_since = reserved.get(sku.index, (0, 0))
                modified = max(series.times[i], held_since, self._stock_bumps.get((shop_key, sku.sku_id), 0))
                out.append(StockLevel(shop_key=shop_key, sku_id=sku.sku_id, sku_code=sku.sku_code,
                                      product_id=sku.product_id, title=sku.title,
                                      quantity=max(0, series.quantities[i] - held), modified_at=dt(modified),
                                      reserved=held))
            self._remember(key, now, out)
            return list(out)

    def _reserved(self, shop_key: str, now: int) -> dict[int, tuple[int, int]]:
        """Units held by orders created but not yet paid or cancelled: (units, latest hold time) per SKU."""
        stream, held = self._orders[shop_key], {}
        for index in range(bisect_left(stream.created, now - HOLD), bisect_right(stream.created, now)):
            spec = stream.specs[index]
            if spec.paid > now and spec.cancel > now:
                for line in spec.lines:
                    units, _ = held.get(line.sku.index, (0, 0))
                    held[line.sku.index] = (units + line.quantity, spec.created)
        return held

    def stock_basis(self, shop_key: str, at: int) -> tuple[ShopData, dict[int, tuple[int, int]]]:
        """The shop's generated data (SKUs, stock series, order specs) and its unpaid-order holds at `at` (epoch
        seconds): what `inventory.py` derives the WMS and the stock pool from, so all three views agree."""
        with self._lock:
            return self._data[shop_key], self._reserved(shop_key, at)

    # -- runtime changes -----------------------------------------------------------------------------------
    def bump(self, shop_key: str, stream: str, keys: list[str]) -> int:
        """Give records a new version at now with unchanged content (the platform touched them). Returns how
        many were bumped; unknown or not-yet-visible keys are skipped."""
        now, bumped = self._now(), 0
        with self._lock:
            if stream == "stock":
                for sku_id in keys:
                    self._stock_bumps[(shop_key, sku_id)] = now
                    bumped += 1
            else:
                target = (self._orders if stream == "orders" else self._refunds)[shop_key]
                for key in keys:
                    index = target.position.get(key)
                    if index is None or target.specs[index].created > now:
                        continue
                    insort(target.specs[index].vtimes, now)
                    insort(target.versions, now << BITS | index)
                    bumped += 1
            self._generation += 1
            self._cache.clear()  # every cached answer belongs to the previous generation
            self._cached = 0
        return bumped

    # -- ground truth --------------------------------------------------------------------------------------
    def missed_by_incremental(self, shop_key: str) -> frozenset[str]:
        """Ids of the shop's orders (visible yet or not) that modified-time listings never return."""
        return self._missed[shop_key]

    def ground_truth(self, kind: str, at: datetime | None = None, chunk: int = 2000) -> Iterator[dict]:
        """JSON-able rows of every visible record's current version as of one instant (`truth.py`): `at`,
        default now. `missed_orders` names the visible orders the incremental listings leave out."""
        if kind not in ROW_MAKERS:
            raise ValueError(f"unknown ground truth kind {kind!r}; use one of {sorted(ROW_MAKERS)}")
        now, make = self._now() if at is None else int(ensure_utc(at).timestamp()), ROW_MAKERS[kind]
        for key, shop in self._shops.items():
            if kind == "stock":
                for level in self._stock(key, now):
                    yield from make(shop, level)
                continue
            stream = (self._refunds if kind == "refunds" else self._orders)[key]
            only = self._missed[key] if kind == "missed_orders" else None
            for offset in range(0, bisect_right(stream.created, now), chunk):
                with self._lock:
                    records = [
                        spec.materialize(bisect_right(spec.vtimes, now) - 1)
                        for spec in stream.specs[offset : offset + chunk]
                        if spec.created <= now and (only is None or spec.order_id in only)
                    ]
                for record in records:
                    yield from make(shop, record)

    def counts(self) -> dict[str, dict[str, int]]:
        """Generated records per shop (all, including those not yet visible)."""
        return {
            key: {"orders": len(data.orders), "refunds": len(data.refunds), "skus": len(data.skus)}
            for key, data in self._data.items()
        }
