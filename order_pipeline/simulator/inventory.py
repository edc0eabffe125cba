"""The merchant's warehouse system (WMS) and central stock pool, derived from the world the platforms render.

Every shop SKU has a stock series (what stays sellable after paid orders) and unpaid-order holds; a platform
reports `max(0, series - held)`. The other two systems are read off the same numbers at the same instant, so
without drift they agree exactly:
- pool row (sku_code k, channel s): `allocated` = series of k in shop s, `reserved` = units of k held by unpaid
  orders in s, `available` = max(0, allocated - reserved) = shop s's platform quantity of k;
- WMS: over k's warehouses, sum(qty - order_lock - pick_lock) = sum over shops of k's series. The available
  total is split over the warehouses by fixed weights; `order_lock` (paid, not yet shipped, every shop) and
  `pick_lock` (the part due to ship within two hours) sit in k's primary warehouse; qty = available + locks.
Seeded drifts (`drift.py`) then offset one system at one location. The WMS and pool handlers and the ground
truth below all read one cached `Snapshot` per instant, so what a test compares is what the API served.
"""

from __future__ import annotations

import hashlib
import threading
import weakref
from bisect import bisect_right
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone

from order_pipeline.clock import ensure_utc
from order_pipeline.simulator import stock_layout as layout
from order_pipeline.simulator.drift import Drift, DriftTarget, plan_drifts
from order_pipeline.simulator.lots import lots
from order_pipeline.simulator.model import SimShop

_BEIJING = timezone(timedelta(hours=8))
_DAY = 86400
_CACHED_SNAPSHOTS = 8


def _draw(*parts: object) -> float:
    digest = hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / float(1 << 64)


def _beijing(t: int) -> str:
    return datetime.fromtimestamp(t, _BEIJING).strftime("%Y-%m-%d %H:%M:%S")


def _rfc3339(t: int) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Snapshot:
    """Both systems at one instant, in the order their APIs list them."""

    now: int
    wms: list[dict]  # by (sku_id, wms_co_id)
    pool: list[dict]  # by (sku_code, channel)
    drifts: list[dict]  # in effect and moving a number: the delta actually applied
    categories: dict[str, str] = field(default_factory=dict)
    seed: int = 0
    _batches: list[dict] | None = None

    def batches(self) -> list[dict]:
        """Every WMS batch, by (sku_id, wms_co_id), oldest first: each (warehouse, SKU) adds up to its qty."""
        if self._batches is None:
            today = datetime.fromtimestamp(self.now, _BEIJING).date()
            self._batches = [lot for row in self.wms for lot in lots(
                self.seed, row["wms_co_id"], row["sku_id"], self.categories[row["sku_id"]], row["qty"], today)]
        return self._batches


class Inventory:
    """The WMS and the stock pool of one `SimWorld`; get it with `inventory_of(world)`."""

    def __init__(self, world) -> None:  # noqa: ANN001 - SimWorld (imported lazily by callers)
        # a weak reference: `inventory_of` keys a WeakKeyDictionary by the world, which a strong one would pin
        self._world, config = weakref.ref(world), world.config
        self.seed = config.seed
        self.shops = world.shops()
        start = int(config.start.timestamp())
        self._basis = {shop.key: world.stock_basis(shop.key, start)[0] for shop in self.shops}
        self.places = layout.build_places(self.seed, self.shops, self._basis)
        self._paid_times, self._lock_lines = layout.lock_lines(self._basis)
        self._restocks = {key: [layout.restocks(series) for series in data.stock]
                          for key, data in self._basis.items()}
        targets = {code: DriftTarget(place.warehouses, sorted({key for key, _ in place.listings}),
                                     self._total(place, start)) for code, place in self.places.items()}
        self.plan: list[Drift] = plan_drifts(self.seed, config.stock_drift_rate, targets,
                                             start - config.history_days * _DAY, start,
                                             start + config.horizon_days * _DAY)
        self.systems = list(config.stock_systems)
        self._lock = threading.Lock()
        self._snapshots: OrderedDict[int, Snapshot] = OrderedDict()

    def system(self, platform: str, *, app_key: str | None = None, token: str | None = None) -> SimShop | None:
        """The registered stock system of `platform` with that app key (WMS) or access token (pool)."""
        return next((s for s in self.systems if s.platform == platform
                     and (app_key is None or s.app_key == app_key) and (token is None or s.access_token == token)),
                    None)

    def _total(self, place: layout.SkuPlace, at: int) -> int:
        total = 0
        for key, index in place.listings:
            series = self._basis[key].stock[index]
            total += series.quantities[max(0, bisect_right(series.times, at) - 1)]
        return total

    def at(self, instant: datetime | None = None) -> Snapshot:
        """Both systems as of `instant` (default: the world's now), cached per second."""
        now = int(ensure_utc(instant or self._world().now()).timestamp())
        with self._lock:
            snapshot = self._snapshots.get(now)
            if snapshot is not None:
                self._snapshots.move_to_end(now)
            else:
                snapshot = self._snapshots[now] = self._compute(now)
                while len(self._snapshots) > _CACHED_SNAPSHOTS:
                    self._snapshots.popitem(last=False)
            return snapshot

    def _compute(self, now: int) -> Snapshot:
        pool: dict[tuple[str, str], list[int]] = {}  # (code, channel) -> [allocated, reserved, available, at]
        totals: dict[str, list[int]] = {}  # code -> [series total, latest series change, incoming]
        for shop in self.shops:
            data, holds = self._world().stock_basis(shop.key, now)
            for sku, series, deliveries in zip(data.skus, data.stock, self._restocks[shop.key], strict=True):
                i = max(0, bisect_right(series.times, now) - 1)
                quantity, changed = series.quantities[i], series.times[i]
                held, held_since = holds.get(sku.index, (0, 0))
                pool[(sku.sku_code, shop.key)] = [quantity, held, max(0, quantity - held), max(changed, held_since)]
                total = totals.setdefault(sku.sku_code, [0, 0, 0])
                total[0] += quantity
                total[1] = max(total[1], changed)
                total[2] += layout.incoming(deliveries, now)
        locks = layout.locks_at(self._paid_times, self._lock_lines, now)
        active = {(d.sku_code, d.system, d.location): d for d in self.plan if d.since <= now}
        applied: list[tuple[Drift, int]] = []
        wms = []
        for code, place in self.places.items():
            series_total, changed, incoming = totals[code]
            order_lock, pick_lock, locked_at = locks.get(code, (0, 0, 0))
            for position, (warehouse, available) in enumerate(
                    zip(place.warehouses, layout.split(series_total, place.weights), strict=True)):
                primary = position == 0
                modified = max(changed, locked_at) if primary else changed
                drift = active.get((code, "wms", warehouse))
                if drift is not None:
                    delta = max(drift.delta, -available)
                    available += delta
                    applied.append((drift, delta))
                    modified = max(modified, drift.since) if delta else modified
                locked = (order_lock + pick_lock) if primary else 0
                wms.append(self._wms_row(place, warehouse, available + locked, order_lock if primary else 0,
                                         pick_lock if primary else 0, incoming if primary else 0, modified))
        items = []
        for (code, channel), (allocated, reserved, available, updated) in sorted(pool.items()):
            drift = active.get((code, "pool", channel))
            if drift is not None:
                delta = max(drift.delta, -available)
                allocated, available = allocated + delta, available + delta
                applied.append((drift, delta))
                updated = max(updated, drift.since) if delta else updated
            items.append({"sku_code": code, "channel": channel, "allocated": allocated, "reserved": reserved,
                          "available": available, "safety_stock": 2 + int(_draw(self.seed, code, channel) * 19),
                          "updated_at": _rfc3339(updated)})
        drifts = [{"sku_code": d.sku_code, "system": d.system, "location": d.location, "delta": delta,
                   "planned_delta": d.delta, "since": _rfc3339(d.since)}
                  for d, delta in sorted(applied, key=lambda pair: pair[0].sku_code) if delta]
        categories = {code: place.category for code, place in self.places.items()}
        return Snapshot(now, wms, items, drifts, categories, self.seed)

    def _wms_row(self, place: layout.SkuPlace, warehouse: int, qty: int, order_lock: int, pick_lock: int,
                 incoming: int, modified: int) -> dict:
        key = (self.seed, place.code, warehouse)
        defective = 0 if _draw(*key, "defective") < 0.8 else 1 + int(_draw(*key, "defects") * 3)
        return {"wms_co_id": warehouse, "sku_id": place.code, "i_id": place.product_code, "name": place.name,
                "qty": qty, "order_lock": order_lock, "pick_lock": pick_lock, "virtual_qty": 0,
                "purchase_qty": incoming, "return_qty": 0, "in_qty": 0, "defective_qty": defective,
                "min_qty": 3 + int(_draw(*key, "min") * 28), "modified": _beijing(modified)}


_INVENTORIES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_INVENTORIES_LOCK = threading.Lock()


def inventory_of(world) -> Inventory:  # noqa: ANN001 - SimWorld
    """The one Inventory of a world, built on first use (the handlers and the ground truth share it)."""
    with _INVENTORIES_LOCK:
        inventory = _INVENTORIES.get(world)
        if inventory is None:
            inventory = _INVENTORIES[world] = Inventory(world)
        return inventory


# -- ground truth, independent of the adapters: exactly what the APIs answer at one instant -----------------------
def wms_inventory_rows(world, at: datetime | None = None) -> list[dict]:  # noqa: ANN001
    return list(inventory_of(world).at(at).wms)


def wms_batch_rows(world, at: datetime | None = None) -> list[dict]:  # noqa: ANN001
    return list(inventory_of(world).at(at).batches())


def pool_item_rows(world, at: datetime | None = None) -> list[dict]:  # noqa: ANN001
    return list(inventory_of(world).at(at).pool)


def active_drifts(world, at: datetime | None = None) -> list[dict]:  # noqa: ANN001
    """`{sku_code, system, location, delta, planned_delta, since}` of every drift moving a number at `at`."""
    return list(inventory_of(world).at(at).drifts)


# `/_sim/ground_truth?kind=...` kinds served from here (control.py)
INVENTORY_TRUTH = {"wms_inventory": wms_inventory_rows, "wms_batches": wms_batch_rows,
                   "pool_items": pool_item_rows, "stock_drifts": active_drifts}
