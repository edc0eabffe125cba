"""What the simulated WMS and stock pool know that never changes: which SKU sits in which warehouses, the
locks paid orders put on stock over time, and the supplier deliveries inside the platforms' stock series.

Built once per world from the generated shops (`SimWorld.stock_basis`), so every answer at any instant is a
cheap function of "now". The merchant ships from 上海仓 and 广州仓; SKUs sold on a cross-border (Shopee) shop may
also sit in 新加坡海外仓. Each SKU is split over 1-3 of its candidate warehouses with fixed seeded weights; the
first (lowest id) is its primary warehouse, where order locks and incoming purchases are booked.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from dataclasses import dataclass, field

from order_pipeline.simulator.catalog import BRAND_ZH, build_catalog
from order_pipeline.simulator.specs import NEVER

WAREHOUSES = {10001: "上海仓", 10002: "广州仓", 10003: "新加坡海外仓"}
DOMESTIC, OVERSEAS = (10001, 10002), 10003
PICK_WINDOW = 2 * 3600  # a paid line due to ship within two hours is being picked: pick_lock, not order_lock
RESTOCK_MIN = 15  # a series step up this large is a supplier delivery, not a returned parcel
INCOMING_HORIZON = 7 * 86400  # purchase_qty: deliveries due within a week are in transit


@dataclass
class SkuPlace:
    """One merchant SKU code as the WMS knows it, and the shop listings (pool channels) that sell it."""

    code: str
    product_code: str  # Jushuitan i_id
    name: str
    category: str
    warehouses: tuple[int, ...]
    weights: tuple[float, ...]
    listings: list[tuple[str, int]] = field(default_factory=list)  # (shop key, index in that shop's skus)


@dataclass
class LockLine:
    """Units of one order line locked from payment until shipped (or refunded / cancelled before that)."""

    paid: int
    end: int
    ship: int
    code: str
    quantity: int


def build_places(seed: int, shops: list, basis: dict) -> dict[str, SkuPlace]:
    """Every SKU code some shop lists, with its warehouses. `basis` maps shop key -> ShopData."""
    names = {f"{p.code}-{v.code}": (p.code, f"{BRAND_ZH} {p.zh} {v.zh}", p.category)
             for p in build_catalog(seed) for v in p.variants}
    places: dict[str, SkuPlace] = {}
    overseas: set[str] = set()
    for shop in shops:
        for sku in basis[shop.key].skus:
            if sku.sku_code not in places:
                product, name, category = names.get(sku.sku_code, (sku.product_id, sku.title, sku.category))
                places[sku.sku_code] = SkuPlace(sku.sku_code, product, name, category, (), ())
            places[sku.sku_code].listings.append((shop.key, sku.index))
            if shop.region != "CN":
                overseas.add(sku.sku_code)
    for code, place in places.items():
        rng = random.Random(f"{seed}:wms-split:{code}")
        candidates = (*DOMESTIC, OVERSEAS) if code in overseas else DOMESTIC
        chosen = sorted(rng.sample(candidates, rng.randint(1, len(candidates))))
        place.warehouses, place.weights = tuple(chosen), tuple(rng.uniform(0.3, 1.0) for _ in chosen)
    return dict(sorted(places.items()))


def split(total: int, weights: tuple[float, ...]) -> list[int]:
    """`total` units over the warehouses by weight; the primary takes the rounding. Never negative."""
    whole = sum(weights)
    shares = [int(total * w / whole) for w in weights[1:]]
    return [total - sum(shares), *shares]


def lock_lines(basis: dict) -> tuple[list[int], list[LockLine]]:
    """Every paid order line of every shop, sorted by payment time (and the payment times, for bisecting)."""
    lines = []
    for data in basis.values():
        for spec in data.orders:
            if spec.paid >= NEVER:
                continue
            for ln in spec.lines:
                released = ln.refund if ln.refund_before else NEVER
                lines.append(LockLine(spec.paid, min(ln.ship, spec.cancel, released), ln.ship,
                                      ln.sku.sku_code, ln.quantity))
    lines.sort(key=lambda line: line.paid)
    return [line.paid for line in lines], lines


def locks_at(paid_times: list[int], lines: list[LockLine], now: int) -> dict[str, list[int]]:
    """Per SKU code at `now`: [order_lock, pick_lock, time of the latest change to either]."""
    out: dict[str, list[int]] = {}
    for line in lines[: bisect_right(paid_times, now)]:
        entry = out.setdefault(line.code, [0, 0, 0])
        picking = line.ship - PICK_WINDOW
        if line.end > now:
            entry[1 if line.ship < NEVER and picking <= now else 0] += line.quantity
        changes = [t for t in (line.paid, line.end, picking) if t <= now]
        entry[2] = max(entry[2], *changes)
    return out


def restocks(series) -> tuple[list[int], list[int]]:  # noqa: ANN001 - stock.Series
    """The supplier deliveries in one stock series: (times, units)."""
    times, units = [], []
    quantities = series.quantities
    for j in range(1, len(quantities)):
        if quantities[j] - quantities[j - 1] >= RESTOCK_MIN:
            times.append(series.times[j])
            units.append(quantities[j] - quantities[j - 1])
    return times, units


def incoming(deliveries: tuple[list[int], list[int]], now: int) -> int:
    """Units of the next delivery due within the horizon: the purchase in transit."""
    times, units = deliveries
    j = bisect_right(times, now)
    return units[j] if j < len(times) and times[j] <= now + INCOMING_HORIZON else 0
