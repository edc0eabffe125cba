"""Deliberate disagreements between the stock systems: what the 2am reconciliation (F10) must find.

Without drift the WMS, the stock pool and the platforms agree exactly (`inventory.py`). A seeded share of the
SKU codes (`WorldConfig.stock_drift_rate`, default 5%, 0 disables) gets one additive offset in ONE system: the
on-hand `qty` of one WMS warehouse (which moves its available by the same amount), or the `allocated` and
`available` of one stock-pool channel. Sizes are mixed on purpose: every fifth drift is small (1-4% of the
SKU's total stock at the world's start, under the 5% audit threshold), the others 8-50%; signs and systems
alternate so both directions show up in both systems. Each drift is in effect from its `since` instant on:
a quarter started before the world's first day (in effect throughout), most in the four days before `start`
(the end of the generated history, where the clock begins), some within the first day after it (advancing the
clock reveals them). A negative offset is clamped where it would drive a count below zero; the ground truth
reports the delta actually applied. Every eighth drifted SKU is a quality hold instead: hours before `start`
a stocktake finds damage and the WMS blocks the SKU's whole stock in every warehouse (one drift per warehouse,
clamped to zero, restocks included), so paid orders of a SKU the pool and the platforms still sell cannot be
shipped: what level 3 alerts (F7) are for.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

DAY = 86400
SMALL = (0.01, 0.04)  # share of the SKU's total stock: below the 5% threshold
LARGE = (0.08, 0.50)
HOLD_ALL = 10**9  # a quality hold's offset: more than any count, so the clamp leaves exactly zero


@dataclass(frozen=True)
class Drift:
    sku_code: str
    system: str  # "wms" | "pool"
    location: int | str  # WMS warehouse id (wms_co_id) or pool channel (shop key)
    delta: int  # the planned offset; the applied one may be clamped towards zero
    since: int  # epoch seconds; in effect at and after it


@dataclass(frozen=True)
class DriftTarget:
    """Where a SKU code could drift, and how big it is."""

    warehouses: Sequence[int]
    channels: Sequence[str]
    base: int  # the SKU's total stock over every shop at the world's start


def plan_drifts(seed: int, rate: float, targets: Mapping[str, DriftTarget], begin: int, start: int,
                end: int) -> list[Drift]:
    """The drifts of one world over `round(rate * codes)` codes (at least one when rate > 0), ordered by code."""
    codes = sorted(code for code, target in targets.items() if target.warehouses and target.channels)
    if rate <= 0 or not codes:
        return []
    rng = random.Random(f"{seed}:stock-drift")
    chosen = rng.sample(codes, max(1, round(rate * len(codes))))
    drifts = []
    for i, code in enumerate(chosen):
        target = targets[code]
        if i % 8 == 0:  # a quality hold: the WMS blocks all of the SKU's stock, in every warehouse, from then on
            since = start - int(rng.uniform(1, 12) * 3600)
            drifts += [Drift(code, "wms", warehouse, -HOLD_ALL, since) for warehouse in target.warehouses]
            continue
        system = "wms" if i % 2 == 0 else "pool"
        location = rng.choice(list(target.warehouses if system == "wms" else target.channels))
        low, high = SMALL if i % 5 == 4 else LARGE
        sign = 1 if (i // 2) % 2 == 0 else -1
        delta = sign * max(1, round(rng.uniform(low, high) * max(target.base, 1)))
        drifts.append(Drift(code, system, location, delta, _since(rng, i, begin, start, end)))
    return sorted(drifts, key=lambda d: d.sku_code)


def _since(rng: random.Random, i: int, begin: int, start: int, end: int) -> int:
    slot = (i * 7 + 1) % 8  # spreads consecutive drifts over the slots whatever their count
    if slot < 2:
        return begin - int(rng.uniform(1, 3) * DAY)
    if slot == 7 and end > start:
        return start + int(rng.uniform(0.05, 1.0) * min(DAY, end - start))
    return start - int(rng.uniform(0, 4) * DAY)
